"""Running the real `shiftbell` process on a virtual desktop, and its CLI, for e2e tests."""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx
from tests.desktop import _Child, _clean_env, wait_until

from shiftbell.receiver.address import PORT_FILE_NAME
from shiftbell.receiver.port_file import read_port
from shiftbell.system.autostart import ASKED_FILE

REPO = Path(__file__).resolve().parents[2]


def shiftbell_command() -> list[str]:
    """The installed console script when there is one (what a user runs), else the module."""
    script = Path(sys.executable).parent / "shiftbell"
    return [str(script)] if script.exists() else [sys.executable, "-m", "shiftbell"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ShiftbellHome:
    """Private XDG dirs and a config file for one app under test."""

    def __init__(self, root: Path, config: str, port: int | None = None) -> None:
        """`port` None: a free port of the test's choosing; 0: the app picks (its default)."""
        self.root = root
        self._port = free_port() if port is None else port
        self.config_file = root / "config" / "shiftbell" / "config.toml"
        self.config_file.parent.mkdir(parents=True)
        self.config_file.write_text(f"[receiver]\nport = {self._port}\n\n{config}")
        self.log_file = root / "state" / "shiftbell" / "log" / "shiftbell.log"
        self.port_file = root / "data" / "shiftbell" / PORT_FILE_NAME
        # A person who answered the first-run question (tests/ui/test_login_start.py asks it): its
        # dialog would otherwise sit over every window these tests look at.
        with contextlib.suppress(OSError):  # a data dir the test made read-only
            self.port_file.parent.mkdir(mode=0o700, parents=True)
            (self.port_file.parent / ASKED_FILE).touch()

    @property
    def port(self) -> int:
        """The receiver's port: the configured one, or the one the app wrote down."""
        if self._port:
            return self._port
        found = read_port(self.port_file)
        assert found is not None, f"no port in {self.port_file}"
        return found

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {
            **base,
            "XDG_CONFIG_HOME": str(self.root / "config"),
            "XDG_DATA_HOME": str(self.root / "data"),
            "XDG_STATE_HOME": str(self.root / "state"),
            "XDG_CACHE_HOME": str(self.root / "cache"),
            "PYTHONPATH": str(REPO / "desktop"),
        }


class Host(Protocol):
    """Where the app runs: a VirtualDesktop, or a HeadlessHost with no display at all."""

    env: dict[str, str]

    def spawn(
        self,
        args: Sequence[str],
        *,
        name: str = ...,
        env: Mapping[str, str] | None = ...,
        stdout: Path | None = ...,
        cwd: Path | None = ...,
    ) -> subprocess.Popen[bytes]: ...

    def stop_process(self, proc: subprocess.Popen[bytes], timeout: float = ...) -> int: ...


class HeadlessHost:
    """No X, no D-Bus: only the given environment (e.g. a PulseSink's). Stops what it started."""

    def __init__(self, env: Mapping[str, str], log_dir: Path) -> None:
        self.env = {**_clean_env(), **env}
        self.log_dir = log_dir
        self._children: list[_Child] = []

    def spawn(
        self,
        args: Sequence[str],
        *,
        name: str = "app",
        env: Mapping[str, str] | None = None,
        stdout: Path | None = None,
        cwd: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        child = _Child(
            name, args, {**self.env, **(env or {})}, self.log_dir, stdout=stdout, cwd=cwd
        )
        self._children.append(child)
        return child.proc

    def stop_process(self, proc: subprocess.Popen[bytes], timeout: float = 3.0) -> int:
        child = next(c for c in self._children if c.proc is proc)
        child.stop(timeout)
        self._children.remove(child)
        assert proc.returncode is not None
        return proc.returncode

    def stop(self) -> None:
        for child in self._children:
            child.stop()
        self._children.clear()


class RunningApp:
    """The app process plus its CLI, both in the same environment."""

    def __init__(self, host: Host, home: ShiftbellHome) -> None:
        self.host = host
        self.home = home
        self.env = home.env(host.env)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> None:
        self.proc = self.host.spawn(
            [*shiftbell_command(), "run"],
            name="shiftbell",
            env=self.env,
            stdout=self.home.root / "app-output.log",
        )
        wait_until(self._ready, timeout, interval=0.05, message="shiftbell's receiver to answer")

    def _ready(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"shiftbell exited with {self.proc.returncode}:\n{self.output()}")
        return self.cli("status", check=False).returncode == 0

    def stop(self) -> int:
        assert self.proc is not None
        code = self.host.stop_process(self.proc)
        self.proc = None
        return code

    def cli(
        self, *args: str, check: bool = True, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [*shiftbell_command(), *args],
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"shiftbell {' '.join(args)} failed: {result.stderr}")
        return result

    def api(self, method: str, path: str, body: object = None) -> httpx.Response:
        """A request to the app's receiver with its token, as a script would send it."""
        token_file = self.home.root / "data" / "shiftbell" / "receiver-token"
        return httpx.request(
            method,
            f"http://127.0.0.1:{self.home.port}/api/v1/{path}",
            json=body,
            headers={"Authorization": f"Bearer {token_file.read_text().strip()}"},
            timeout=20,
        )

    def health(self) -> dict[str, Any]:
        response = self.api("GET", "health")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def problems(self) -> str:
        """Every problem the app reports (tray, window and log say the same), as one text."""
        return "\n".join(self.health().get("problems", []))

    def feed(self, name: str) -> dict[str, Any]:
        """A feed's status line as the app reports it: name, ok, message."""
        feeds: list[dict[str, Any]] = self.health().get("feeds", [])
        return next((f for f in feeds if f["name"] == name), {})

    def status(self) -> list[dict[str, Any]]:
        data: list[dict[str, Any]] = json.loads(self.cli("status", "--json").stdout)
        return data

    def alert(self, alert_id: str) -> dict[str, Any]:
        return next(a for a in self.status() if a["id"] == alert_id)

    def log(self) -> str:
        """The app's own log file (what a user would read)."""
        return self.home.log_file.read_text(errors="replace") if self.home.log_file.exists() else ""

    def output(self) -> str:
        """The tail of what the app printed, stdout and stderr (a traceback, a refusal)."""
        parts = []
        for path in (self.home.root / "app-output.log", *self.home.root.glob("shiftbell*.log")):
            if path.exists():
                parts.append(f"--- {path.name} ---\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts)
