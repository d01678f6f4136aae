"""A real Nagios 4 for tests: the Debian `nagios4` daemon and its CGIs under a real Apache,
with a configuration of the test's own.

Everything lives under one work directory (nagios.cfg, objects, status file, command pipe,
httpd.conf, password files, logs), so it never touches /etc/nagios4 or /var/lib/nagios4 and
runs beside an installed one. As root, both drop to the `nagios` user (Nagios refuses to run
as root, Apache's children may not), so the work directory is one of its own that `nagios`
owns; otherwise they run as the person running the tests.

Apache serves the CGIs twice: at /cgi-bin/nagios4 behind basic authentication (as upstream's
snippet does) and at /digest/cgi-bin/nagios4 behind digest (as Debian's package does). Users:
`shiftbell` (may see and command everything; its contact's alias, "Shiftbell Test", is the
author Nagios records) and `viewer` (may see, not command).

The monitored objects are hosts `db1` and `web1` and services `disk` and `load` on db1, whose
checks never run by themselves: `set_service` and `set_host` give them a state through the
command pipe, as a passive check would, and wait until the CGIs show it.

Without the binaries the test is skipped on a developer machine and fails on CI.
"""

from __future__ import annotations

import getpass
import grp
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.desktop import in_ci, wait_until
from tests.helpers.apache import APACHE, fill, spawn, start_apache, write_httpd_conf
from tests.helpers.server_process import ServerProcess, end_process
from tests.helpers.vendor_server import free_port

NAGIOS = "/usr/sbin/nagios4"
CGI_DIR = "/usr/lib/cgi-bin/nagios4"
USER, PASSWORD = "shiftbell", "nagios-test-password"
VIEWER, VIEWER_PASSWORD = "viewer", "viewer-password"
REALM = "Nagios4"
AUTHOR = "Shiftbell Test"
SERVICE_STATES = {0: 2, 1: 4, 2: 16, 3: 8}  # plugin exit code -> statusjson's state bit
HOST_STATES = {0: 2, 1: 4, 2: 8}

OBJECTS = """\
define command {
    command_name    nothing
    command_line    /bin/true
}
define timeperiod {
    timeperiod_name 24x7
    alias           always
    sunday 00:00-24:00
    monday 00:00-24:00
    tuesday 00:00-24:00
    wednesday 00:00-24:00
    thursday 00:00-24:00
    friday 00:00-24:00
    saturday 00:00-24:00
}
define contact {
    contact_name                  shiftbell
    alias                         Shiftbell Test
    host_notifications_enabled    0
    service_notifications_enabled 0
    host_notification_period      24x7
    service_notification_period   24x7
    host_notification_options     n
    service_notification_options  n
    host_notification_commands    nothing
    service_notification_commands nothing
}
define host {
    name                   passive-host
    register               0
    check_command          nothing
    active_checks_enabled  0
    passive_checks_enabled 1
    max_check_attempts     1
    check_period           24x7
    contacts               shiftbell
    notification_period    24x7
}
define service {
    name                   passive-service
    register               0
    check_command          nothing
    active_checks_enabled  0
    passive_checks_enabled 1
    max_check_attempts     1
    check_interval         1
    retry_interval         1
    check_period           24x7
    contacts               shiftbell
    notification_period    24x7
}
define host {
    use       passive-host
    host_name db1
    address   127.0.0.1
}
define host {
    use       passive-host
    host_name web1
    address   127.0.0.2
}
define service {
    use                 passive-service
    host_name           db1
    service_description disk
}
define service {
    use                 passive-service
    host_name           db1
    service_description load
}
"""

NAGIOS_CFG = """\
log_file=@DIR@/nagios.log
cfg_file=@DIR@/objects.cfg
object_cache_file=@DIR@/objects.cache
precached_object_file=@DIR@/objects.precache
status_file=@DIR@/status.dat
status_update_interval=1
nagios_user=@RUNAS@
nagios_group=@GROUP@
check_external_commands=1
command_file=@DIR@/rw/nagios.cmd
query_socket=@DIR@/rw/nagios.qh
lock_file=@DIR@/nagios.lock
temp_file=@DIR@/nagios.tmp
temp_path=@DIR@
check_result_path=@DIR@/spool
use_syslog=0
retain_state_information=0
check_for_updates=0
enable_notifications=0
interval_length=60
"""

CGI_CFG = """\
main_config_file=@DIR@/nagios.cfg
physical_html_path=/usr/share/nagios4/htdocs
url_html_path=/nagios4
use_authentication=1
authorized_for_all_services=shiftbell,viewer
authorized_for_all_hosts=shiftbell,viewer
authorized_for_all_service_commands=shiftbell
authorized_for_all_host_commands=shiftbell
lock_author_names=1
escape_html_tags=1
result_limit=0
"""

HTTPD_MODULES = {
    f"{name}_module": f"mod_{name}.so"
    for name in (
        *("authz_core", "authz_user", "authn_core", "authn_file", "auth_basic", "auth_digest"),
        *("alias", "cgi", "env"),
    )
}
HTTPD_BODY = """\
ScriptAlias /cgi-bin/nagios4 @CGIS@
ScriptAlias /digest/cgi-bin/nagios4 @CGIS@
<Location /cgi-bin/nagios4>
    SetEnv NAGIOS_CGI_CONFIG @DIR@/cgi.cfg
    AuthType Basic
    AuthName "@REALM@"
    AuthBasicProvider file
    AuthUserFile @DIR@/basic.users
    Require valid-user
</Location>
<Location /digest/cgi-bin/nagios4>
    SetEnv NAGIOS_CGI_CONFIG @DIR@/cgi.cfg
    AuthType Digest
    AuthName "@REALM@"
    AuthDigestProvider file
    AuthUserFile @DIR@/digest.users
    Require valid-user
</Location>
"""


def require_binaries() -> None:
    missing = [
        path for path in (NAGIOS, APACHE, f"{CGI_DIR}/statusjson.cgi") if not Path(path).exists()
    ]
    if shutil.which("htpasswd") is None:
        missing.append("htpasswd")
    if not missing:
        return
    message = (
        f"{', '.join(missing)} missing: install the Debian packages nagios4-core, nagios4-cgi, "
        "apache2, apache2-utils"
    )
    if in_ci():
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


class NagiosProcess(ServerProcess):
    """`with NagiosProcess(workdir) as nagios:`; `url`, `digest_url`, `status(...)`."""

    def __init__(self, workdir: Path, ready_timeout: float = 30.0) -> None:
        require_binaries()
        self.as_root = os.geteuid() == 0
        # pytest's own temporary folders are private to root: `nagios` could not enter them.
        self.workdir = (
            Path(tempfile.mkdtemp(prefix="shiftbell-nagios-")) if self.as_root else workdir
        )
        self.ready_timeout = ready_timeout
        self.port = 0
        self.log_path = self.workdir / "nagios.log"
        self._apache: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/cgi-bin/nagios4"

    @property
    def digest_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/digest/cgi-bin/nagios4"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.port = free_port()
        self._write_config()
        self._process = spawn(
            [NAGIOS, str(self.workdir / "nagios.cfg")], self.workdir, "nagios.out"
        )
        self._apache = start_apache(self.workdir)
        self._api = httpx.Client(
            base_url=self.url + "/", auth=(USER, PASSWORD), timeout=10, trust_env=False
        )

        def ready() -> bool:
            for process, name in ((self._process, "Nagios"), (self._apache, "Apache")):
                if process is not None and process.poll() is not None:
                    raise RuntimeError(f"{name} exited at start:\n{self.log_tail()}")
            return self._answers()

        wait_until(ready, self.ready_timeout, interval=0.1, message="Nagios' CGIs")

    def stop(self, timeout: float = 10.0) -> None:
        apache, self._apache = self._apache, None
        end_process(apache, timeout)
        super().stop(timeout)
        if self.as_root:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def stop_nagios(self) -> None:
        """Stop the daemon and leave Apache serving its CGIs (a Nagios that died)."""
        process, self._process = self._process, None
        end_process(process)

    def start_nagios(self) -> None:
        """Start the daemon again after `stop_nagios`; return once the CGIs see it."""
        self._process = spawn(
            [NAGIOS, str(self.workdir / "nagios.cfg")], self.workdir, "nagios.out"
        )
        wait_until(lambda: self._answers(), self.ready_timeout, interval=0.1, message="Nagios")

    def _start_daemon(self) -> subprocess.Popen[bytes]:
        return spawn([NAGIOS, str(self.workdir / "nagios.cfg")], self.workdir, "nagios.out")

    def _answers(self) -> bool:
        try:
            return bool(self.status("programstatus"))
        except (httpx.HTTPError, ValueError, KeyError):
            return False

    def _write_config(self) -> None:
        root = self.workdir
        for sub in ("rw", "spool"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        runas = "nagios" if self.as_root else getpass.getuser()
        group = "nagios" if self.as_root else grp.getgrgid(os.getgid()).gr_name
        values = {"DIR": str(root), "RUNAS": runas, "GROUP": group}
        values |= {"CGIS": CGI_DIR, "REALM": REALM}
        texts = {"objects.cfg": OBJECTS, "nagios.cfg": NAGIOS_CFG, "cgi.cfg": CGI_CFG}
        for name, text in texts.items():
            (root / name).write_text(fill(text, values))
        body = fill(HTTPD_BODY, values)
        write_httpd_conf(root, self.port, HTTPD_MODULES, body, "nagios" if self.as_root else "")
        users = [(USER, PASSWORD), (VIEWER, VIEWER_PASSWORD)]
        (root / "basic.users").write_text("".join(_htpasswd(u, p) for u, p in users))
        (root / "digest.users").write_text("".join(_htdigest(u, p) for u, p in users))
        if self.as_root:
            os.chmod(root, 0o755)
            subprocess.run(["chown", "-R", "nagios:nagios", str(root)], check=True)

    # -- what the tests do to it -------------------------------------------------------------

    def status(self, query: str, **selectors: str) -> dict[str, Any]:
        """The `data` of a statusjson.cgi query, as the CGIs answer it."""
        answer = self.api.get(
            "statusjson.cgi", params={"query": query, "details": "true", **selectors}
        )
        answer.raise_for_status()
        return dict(answer.json()["data"])

    def service(self, service: str, host: str = "db1") -> dict[str, Any]:
        found = self.status("service", hostname=host, servicedescription=service)
        return dict(found["service"])

    def host(self, host: str) -> dict[str, Any]:
        return dict(self.status("host", hostname=host)["host"])

    def comments(self) -> list[dict[str, Any]]:
        return list(self.status("commentlist")["commentlist"].values())

    def command(self, *fields: str) -> None:
        """Write one external command to Nagios' command pipe, as a passive check would."""
        line = f"[{int(time.time())}] {';'.join(fields)}\n"
        fd = os.open(self.workdir / "rw" / "nagios.cmd", os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)

    def set_service(self, service: str, state: int, output: str, host: str = "db1") -> None:
        """Give a service a state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), hard at once."""
        self.command("PROCESS_SERVICE_CHECK_RESULT", host, service, str(state), output)
        wanted = SERVICE_STATES[state]
        wait_until(
            lambda: (
                self.service(service, host)["status"] == wanted
                and self.service(service, host)["plugin_output"] == output
            ),
            10,
            interval=0.1,
            message=f"Nagios to show {host}!{service} in state {state}",
        )

    def set_host(self, host: str, state: int, output: str) -> None:
        """Give a host a state (0 UP, 1 DOWN, 2 UNREACHABLE)."""
        self.command("PROCESS_HOST_CHECK_RESULT", host, str(state), output)
        wanted = HOST_STATES[state]
        wait_until(
            lambda: (
                self.host(host)["status"] == wanted and self.host(host)["plugin_output"] == output
            ),
            10,
            interval=0.1,
            message=f"Nagios to show {host} in state {state}",
        )

    def reset(self) -> None:
        """Everything OK, nothing acknowledged, no comments: a clean start for each test."""
        for host in ("db1", "web1"):
            self.command("REMOVE_HOST_ACKNOWLEDGEMENT", host)
            self.command("DEL_ALL_HOST_COMMENTS", host)
            self.command("PROCESS_HOST_CHECK_RESULT", host, "0", "PING OK")
        for service in ("disk", "load"):
            self.command("REMOVE_SVC_ACKNOWLEDGEMENT", "db1", service)
            self.command("DEL_ALL_SVC_COMMENTS", "db1", service)
            self.command("PROCESS_SERVICE_CHECK_RESULT", "db1", service, "0", "OK")

        def clean() -> bool:
            hosts = self.status("hostlist")["hostlist"].values()
            services = self.status("servicelist")["servicelist"]["db1"].values()
            return not self.comments() and all(
                entry["plugin_output"] in ("PING OK", "OK")
                and not entry["problem_has_been_acknowledged"]
                for entry in [*hosts, *services]
            )

        wait_until(clean, 10, interval=0.1, message="Nagios back to all OK")


def _htpasswd(user: str, password: str) -> str:
    hashed = subprocess.run(
        ["htpasswd", "-nbB", user, password], check=True, capture_output=True, text=True
    ).stdout.strip()
    return hashed + "\n"


def _htdigest(user: str, password: str) -> str:
    digest = hashlib.md5(f"{user}:{REALM}:{password}".encode()).hexdigest()
    return f"{user}:{REALM}:{digest}\n"
