"""A real Icinga 2 for tests: the Debian `icinga2` daemon with a configuration of the test's own.

Everything lives under one work directory (its configuration, state, certificates, logs: the
path constants are defined on the command line), so it never touches /etc/icinga2 or
/var/lib/icinga2 and runs beside an installed one. The API's certificate comes from a CA made
here and is issued to "localhost", as Icinga's own CA issues it to the node name: the tests
reach it at https://localhost:PORT with that CA, or pin its fingerprint.

The monitored objects are a host `db1` and services `disk` and `load` on it, whose checks
never run by themselves (active checks off): `set_service` and `set_host` give them a state
through the API's process-check-result, as a passive check would.

Without the binary the test is skipped on a developer machine and fails on CI.
"""

from __future__ import annotations

import hashlib
import shutil
import ssl
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.desktop import in_ci, wait_until
from tests.helpers.server_process import ServerProcess
from tests.helpers.vendor_server import free_port

USER = "shiftbell"
PASSWORD = "icinga-test-password"
CONFIG = """\
include <itl>

object CheckerComponent "checker" { }
object ApiListener "api" {
  bind_host = "127.0.0.1"
  bind_port = PORT
}
object Endpoint NodeName { }
object Zone ZoneName { endpoints = [ NodeName ] }
object ApiUser "USER" {
  password = "PASSWORD"
  permissions = [ "*" ]
}
template Host "passive-host" {
  check_command = "dummy"
  enable_active_checks = false
  max_check_attempts = 1
}
template Service "passive-service" {
  check_command = "dummy"
  enable_active_checks = false
  max_check_attempts = 1
}
object Host "db1" { import "passive-host"; display_name = "db1.example.com" }
object Host "web1" { import "passive-host" }
object Service "disk" { import "passive-service"; host_name = "db1"; display_name = "Disk /var" }
object Service "load" { import "passive-service"; host_name = "db1" }
"""


def require_binary() -> str:
    binary = shutil.which("icinga2")
    if binary is not None and shutil.which("openssl") is not None:
        return binary
    message = "icinga2 or openssl is missing: install the Debian packages icinga2-bin, openssl"
    if in_ci():
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


class Icinga2Process(ServerProcess):
    """`with Icinga2Process(workdir) as icinga:`; `url`, `ca_file`, `fingerprint`, `api`."""

    def __init__(self, workdir: Path, ready_timeout: float = 30.0) -> None:
        self.workdir = workdir
        self.binary = require_binary()
        self.ready_timeout = ready_timeout
        self.port = 0
        self.log_path = workdir / "icinga2.log"

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    @property
    def ca_file(self) -> Path:
        return self.workdir / "lib" / "certs" / "ca.crt"

    @property
    def fingerprint(self) -> str:
        pem = (self.workdir / "lib" / "certs" / "localhost.crt").read_text()
        return hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        for sub in ("etc", "lib/certs", "log", "cache", "spool", "run/icinga2"):
            (self.workdir / sub).mkdir(parents=True, exist_ok=True)
        self._make_certificates()
        self.port = free_port()
        config = self.workdir / "etc" / "icinga2.conf"
        text = CONFIG.replace("PORT", str(self.port)).replace("USER", USER)
        config.write_text(text.replace("PASSWORD", PASSWORD))
        command = [self.binary, "daemon", "-c", str(config), *self._defines()]
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        self._api = httpx.Client(
            base_url=self.url,
            auth=(USER, PASSWORD),
            verify=ssl.create_default_context(cafile=str(self.ca_file)),
            headers={"Accept": "application/json"},
            timeout=10,
            trust_env=False,
        )

        def ready() -> bool:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"Icinga 2 exited at start:\n{self.log_tail()}")
            try:
                return self.api.get("/v1/status/ApiListener").status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(ready, self.ready_timeout, interval=0.1, message="the Icinga 2 API")

    def _defines(self) -> list[str]:
        root = self.workdir
        values = {
            "NodeName": "localhost",
            "ZoneName": "localhost",
            "ConfigDir": root / "etc",
            "DataDir": root / "lib",
            "LogDir": root / "log",
            "CacheDir": root / "cache",
            "SpoolDir": root / "spool",
            "InitRunDir": root / "run",
            "RunAsUser": "root",
            "RunAsGroup": "root",
        }
        return [f"-D{name}={value}" for name, value in values.items()]

    def _make_certificates(self) -> None:
        """A CA of the test's own and the API's certificate from it, issued to "localhost"."""
        certs = self.workdir / "lib" / "certs"
        if (certs / "localhost.crt").exists():
            return

        def openssl(*args: str) -> None:
            subprocess.run(["openssl", *args], cwd=certs, check=True, capture_output=True)

        openssl(
            *("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30"),
            *("-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=Icinga CA"),
        )
        openssl(
            *("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "localhost.key"),
            *("-out", "localhost.csr", "-subj", "/CN=localhost"),
        )
        (certs / "san.ext").write_text("subjectAltName=DNS:localhost\n")
        openssl(
            *("x509", "-req", "-in", "localhost.csr", "-CA", "ca.crt", "-CAkey", "ca.key"),
            *("-CAcreateserial", "-days", "30", "-out", "localhost.crt", "-extfile", "san.ext"),
        )

    # -- what the tests do to it -------------------------------------------------------------

    def set_service(self, service: str, state: int, output: str, host: str = "db1") -> None:
        """Give a service a state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), hard at once."""
        self._result("Service", f"{host}!{service}", state, output)

    def set_host(self, host: str, state: int, output: str) -> None:
        """Give a host a state (0 UP, 1 DOWN)."""
        self._result("Host", host, state, output)

    def _result(self, kind: str, name: str, state: int, output: str) -> None:
        answer = self.api.post(
            "/v1/actions/process-check-result",
            json={
                "type": kind,
                "filter": f"{kind.lower()}.__name == n",
                "filter_vars": {"n": name},
                "exit_status": state,
                "plugin_output": output,
            },
        )
        answer.raise_for_status()

    def objects(self, kind: str, name: str) -> dict[str, Any]:
        """One host's or service's attributes, as the API shows them."""
        answer = self.api.get(f"/v1/objects/{kind}", params={kind[:-1]: name})
        answer.raise_for_status()
        return dict(answer.json()["results"][0]["attrs"])

    def comments(self) -> list[dict[str, Any]]:
        answer = self.api.get("/v1/objects/comments")
        answer.raise_for_status()
        return [r["attrs"] for r in answer.json()["results"]]

    def downtimes(self) -> list[dict[str, Any]]:
        answer = self.api.get("/v1/objects/downtimes")
        answer.raise_for_status()
        return [r["attrs"] for r in answer.json()["results"]]

    def reset(self) -> None:
        """Everything OK, nothing acknowledged, no downtimes: a clean start for each test."""
        for action in ("remove-acknowledgement", "remove-downtime"):
            for kind in ("Host", "Service"):
                self.api.post(f"/v1/actions/{action}", json={"type": kind, "filter": "true"})
        for host in ("db1", "web1"):
            self.set_host(host, 0, "PING OK")
        for service in ("disk", "load"):
            self.set_service(service, 0, "OK")
