"""A real Prometheus Alertmanager for tests: the Debian `prometheus-alertmanager` binary.

Why the real one: Alertmanager's behaviour is the contract the feed depends on
(which alerts a query returns, what a silence matches, what 415 or 422 it
answers, when its webhook fires), and a hand-written fake would only repeat our
own reading of its docs.

Each `AlertmanagerProcess` gets its own config file and storage directory under
the test's tmp dir and listens on a free loopback port; clustering is off
(`--cluster.listen-address=`), so it opens no gossip port and is ready at once.
`start()` waits until `GET /-/ready` answers, with a deadline; `stop()`
terminates it and kills it if it does not exit in time.

Without the binary the test is skipped on a developer machine and fails on CI
(env `CI` set), so CI can never turn these tests into silent skips.
`SHIFTBELL_ALERTMANAGER` may point at another binary.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from tests.desktop import in_ci, wait_until
from tests.helpers.server_process import ServerProcess
from tests.helpers.vendor_server import free_port

T = TypeVar("T")

BINARY_ENV = "SHIFTBELL_ALERTMANAGER"
BINARY_NAMES = ("prometheus-alertmanager", "alertmanager")

#: Routes everything to a receiver that sends nothing: enough for the API tests.
QUIET_CONFIG = """\
route:
  receiver: quiet
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: quiet
"""


def find_binary() -> str | None:
    override = os.environ.get(BINARY_ENV, "").strip()
    if override:
        return override if Path(override).is_file() else None
    for name in BINARY_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_binary() -> str:
    """The binary's path; skips the test without it, or fails it on CI."""
    binary = find_binary()
    if binary is not None:
        return binary
    message = (
        "the Alertmanager binary is missing: install the Debian package "
        f"prometheus-alertmanager (or set {BINARY_ENV})"
    )
    if in_ci():
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


def rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class AlertmanagerProcess(ServerProcess):
    """One Alertmanager child process; use as `with AlertmanagerProcess(dir, yaml) as am:`.

    Attributes:
        url: "http://127.0.0.1:PORT" once started.
        api: a plain httpx client on `url`, for the test's own calls.
    """

    def __init__(
        self,
        workdir: Path,
        config: str = QUIET_CONFIG,
        *,
        binary: str | None = None,
        ready_timeout: float = 15.0,
    ) -> None:
        self.workdir = workdir
        self.config_text = config
        self.binary = binary or require_binary()
        self.ready_timeout = ready_timeout
        self.port = 0
        self.log_path = workdir / "alertmanager.log"

    @property
    def url(self) -> str:
        if not self.port:
            raise RuntimeError("Alertmanager is not started")
        return f"http://127.0.0.1:{self.port}"

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_path = self.workdir / "alertmanager.yml"
        config_path.write_text(self.config_text)
        storage = self.workdir / "data"
        storage.mkdir(exist_ok=True)
        # A free port can be taken between our probe and its bind: try a few.
        for attempt in range(3):
            self.port = free_port()
            log = self.log_path.open("ab")
            try:
                self._process = subprocess.Popen(
                    [
                        self.binary,
                        f"--config.file={config_path}",
                        f"--storage.path={storage}",
                        f"--web.listen-address=127.0.0.1:{self.port}",
                        "--cluster.listen-address=",
                        f"--web.external-url=http://127.0.0.1:{self.port}",
                        "--log.level=debug",
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=self.workdir,
                )
            finally:
                log.close()
            try:
                self._wait_ready()
            except _ExitedEarly:
                if "address already in use" in self.log_tail() and attempt < 2:
                    continue
                raise RuntimeError(f"Alertmanager exited at start:\n{self.log_tail()}") from None
            break
        self._api = httpx.Client(base_url=self.url, timeout=5, trust_env=False)

    def _wait_ready(self) -> None:
        process = self._process
        assert process is not None

        def ready() -> bool:
            if process.poll() is not None:
                raise _ExitedEarly
            try:
                response = httpx.get(f"{self.url}/-/ready", timeout=1, trust_env=False)
            except httpx.TransportError:
                return False
            return response.status_code == 200

        try:
            wait_until(ready, self.ready_timeout, interval=0.02, message="Alertmanager /-/ready")
        except TimeoutError as exc:
            self.stop()
            raise TimeoutError(f"{exc}; its log:\n{self.log_tail()}") from None

    # -- the API, for the test's own calls ---------------------------------------------------

    def post_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        response = self.api.post("/api/v2/alerts", json=list(alerts))
        assert response.status_code == 200, response.text

    def fire(
        self,
        labels: Mapping[str, str],
        annotations: Mapping[str, str] | None = None,
        *,
        generator_url: str = "",
    ) -> None:
        """Post a firing alert (no end: Alertmanager keeps it for its resolve_timeout)."""
        alert: dict[str, Any] = {"labels": dict(labels), "annotations": dict(annotations or {})}
        if generator_url:
            alert["generatorURL"] = generator_url
        self.post_alerts([alert])

    def resolve(self, labels: Mapping[str, str]) -> None:
        """Post the alert again with an end in the past, as Prometheus does when it clears."""
        ended = datetime.now(UTC) - timedelta(seconds=1)
        self.post_alerts(
            [
                {
                    "labels": dict(labels),
                    "startsAt": rfc3339(ended - timedelta(minutes=1)),
                    "endsAt": rfc3339(ended),
                }
            ]
        )

    def alerts(self, **flags: bool) -> list[dict[str, Any]]:
        """GET /api/v2/alerts with the given flags (active, silenced, inhibited)."""
        params = {name: "true" if value else "false" for name, value in flags.items()}
        response = self.api.get("/api/v2/alerts", params=params)
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()
        return result

    def silence(
        self, labels: Mapping[str, str], created_by: str, comment: str, hours: float = 1
    ) -> str:
        """A silence on exactly these labels, as a colleague makes one in Alertmanager's UI."""
        now = datetime.now(UTC)
        response = self.api.post(
            "/api/v2/silences",
            json={
                "matchers": [
                    {"name": k, "value": v, "isRegex": False, "isEqual": True}
                    for k, v in labels.items()
                ],
                "startsAt": rfc3339(now - timedelta(minutes=1)),
                "endsAt": rfc3339(now + timedelta(hours=hours)),
                "createdBy": created_by,
                "comment": comment,
            },
        )
        assert response.status_code == 200, response.text
        silence_id: str = response.json()["silenceID"]
        return silence_id

    def silences(self) -> list[dict[str, Any]]:
        response = self.api.get("/api/v2/silences")
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()
        return result


class _ExitedEarly(Exception):
    """The process ended while we waited for it to be ready."""


def wait_for(
    condition: Callable[[], T | None], timeout: float = 10.0, message: str = "condition"
) -> T:
    """Poll `condition` until it is truthy and return it; TimeoutError after `timeout` s."""
    return wait_until(condition, timeout, interval=0.02, message=message)


__all__ = [
    "QUIET_CONFIG",
    "AlertmanagerProcess",
    "find_binary",
    "require_binary",
    "rfc3339",
    "wait_for",
]
