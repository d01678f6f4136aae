"""What the tests' real servers (Alertmanager, Icinga 2) share as child processes: a context
manager that starts and always stops them, the stop that terminates then kills, and the tail
of their log for a failure's message."""

from __future__ import annotations

import subprocess
from pathlib import Path
from types import TracebackType
from typing import Self

import httpx


class ServerProcess:
    """Subclasses set `log_path` and implement `start()`, which sets `_process` (and `_api`,
    a client for the test's own calls, closed at stop)."""

    log_path: Path
    _process: subprocess.Popen[bytes] | None = None
    _api: httpx.Client | None = None

    def start(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def api(self) -> httpx.Client:
        """The client for the test's own calls; RuntimeError before `start()`."""
        if self._api is None:
            raise RuntimeError(f"{type(self).__name__} is not started")
        return self._api

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self._api is not None:
            self._api.close()
            self._api = None
        process, self._process = self._process, None
        end_process(process, timeout)

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


def end_process(process: subprocess.Popen[bytes] | None, timeout: float = 10.0) -> None:
    """Terminate a child, kill it if it does not stop in time, and reap it."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)
