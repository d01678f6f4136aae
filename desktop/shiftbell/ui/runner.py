"""One worker thread with an asyncio loop, and the way back to the Qt main thread.

Feeds, the local receiver and desktop-notifier are asyncio code; Qt widgets may
only be touched on the main thread. This module is the single owner of that
boundary (the shape of Anki's taskman): `AsyncRunner.submit` sends work to the
loop, `MainThreadCaller.call` sends a callable back to the Qt main thread.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal, Slot

log = logging.getLogger(__name__)
T = TypeVar("T")


class AsyncRunner:
    """Runs an asyncio loop forever on a daemon thread until `stop`."""

    def __init__(self, name: str = "shiftbell-async") -> None:
        self.loop = asyncio.new_event_loop()
        self.loop.set_exception_handler(self._log_exception)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()
        # Let cancelled tasks run their cleanup before the loop closes.
        pending = asyncio.all_tasks(self.loop)
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        self.loop.close()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10.0) -> T:
        """Run a coroutine on the loop and wait for its result (start-up and shutdown only)."""
        return self.submit(coro).result(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        if not self._thread.is_alive():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("the worker thread did not stop within %.0f s", timeout)

    @staticmethod
    def _log_exception(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        log.error(
            "unhandled error on the worker loop: %s",
            context.get("message"),
            exc_info=exc if isinstance(exc, BaseException) else None,
        )


class MainThreadCaller(QObject):
    """Calls functions on the thread this object lives on (create it on the main thread).

    A signal emitted from another thread is queued by Qt to the receiver's thread,
    which is exactly the hand-over needed; emitting from the main thread queues too,
    so callers never re-enter the UI in the middle of their own work.
    """

    _requested = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._requested.connect(self._invoke, Qt.ConnectionType.QueuedConnection)

    def call(self, fn: Callable[[], object]) -> None:
        self._requested.emit(fn)

    @Slot(object)
    def _invoke(self, fn: Callable[[], object]) -> None:
        try:
            fn()
        except Exception:
            log.exception("main-thread callback failed")
