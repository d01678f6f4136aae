"""A real Apache for the tests' servers that live behind one (Nagios' CGIs, Zabbix's PHP
frontend): an httpd.conf of the test's own in its work directory, on 127.0.0.1, run in the
foreground; and the other helpers those servers share (templates with @NAME@ fields, children
in a session of their own)."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

APACHE = "/usr/sbin/apache2"
MODULES = Path("/usr/lib/apache2/modules")

HEAD = """\
ServerRoot @DIR@
ServerName localhost
Listen 127.0.0.1:@PORT@
PidFile @DIR@/httpd.pid
DefaultRuntimeDir @DIR@
ErrorLog @DIR@/httpd.log
LogLevel warn
StartServers 2
"""


def fill(template: str, values: Mapping[str, str]) -> str:
    """`template` with each @NAME@ replaced by `values[NAME]`."""
    for key, value in values.items():
        template = template.replace(f"@{key}@", value)
    return template


def write_httpd_conf(
    workdir: Path, port: int, modules: Mapping[str, str], body: str, user: str
) -> Path:
    """httpd.conf loading `modules` (name -> file under MODULES, mpm_prefork always), running
    its children as `user` when started as root ("" when not), then `body`."""
    wanted = {"mpm_prefork_module": "mod_mpm_prefork.so", **modules}
    lines = [fill(HEAD, {"DIR": str(workdir), "PORT": str(port)})]
    lines += [f"LoadModule {name} {MODULES / file}\n" for name, file in wanted.items()]
    if user:
        lines.append(f"User {user}\nGroup {user}\n")
    lines.append(body)
    path = workdir / "httpd.conf"
    path.write_text("".join(lines))
    return path


def spawn(command: list[str], workdir: Path, log_name: str) -> subprocess.Popen[bytes]:
    """A child whose output goes to `workdir/log_name`, in a session of its own: Apache's
    prefork MPM signals its whole process group when it stops, which would otherwise be
    pytest's."""
    with (workdir / log_name).open("ab") as log:
        return subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=workdir,
        )


def start_apache(workdir: Path) -> subprocess.Popen[bytes]:
    return spawn([APACHE, "-f", str(workdir / "httpd.conf"), "-DFOREGROUND"], workdir, "httpd.out")
