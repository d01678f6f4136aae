"""Work for the app's worker loop started from a window, one job per slot, answered on the
main thread.

A newer job in the same slot, or dropping the slot, makes the older result be ignored: the
person only ever sees the answer to their last click. A job that does not answer within its
time is given up with a message, so a stuck worker never leaves a button saying "Testing…".
"""

from __future__ import annotations

import concurrent.futures
import contextlib
from collections.abc import Callable, Coroutine, Hashable, Iterator
from typing import Any

from PySide6.QtCore import QObject, QTimer

from shiftbell.core.errors import FeedUnreachableError, ShiftbellError
from shiftbell.ui.runner import MainThreadCaller

RunAsync = Callable[[Coroutine[Any, Any, Any]], "concurrent.futures.Future[Any]"]
Deliver = Callable[[object], None]


class BackgroundJobs:
    """The running jobs of one window (`owner`), by slot.

    `deliver` gets the job's result or its exception, on the main thread.
    """

    def __init__(self, owner: QObject, run_async: RunAsync) -> None:
        self._owner = owner
        self._run_async = run_async
        self._caller = MainThreadCaller(owner)
        self._jobs: dict[Hashable, tuple[int, concurrent.futures.Future[Any]]] = {}
        self._serial = 0

    def submit(
        self, slot: Hashable, coro: Coroutine[Any, Any, Any], timeout_s: float, deliver: Deliver
    ) -> None:
        """Run `coro` on the worker loop in `slot`, replacing what ran there."""
        self.drop(slot)
        self._serial += 1
        serial = self._serial
        try:
            future = self._run_async(coro)
        except Exception as exc:  # the worker loop is gone (the app is quitting)
            coro.close()
            deliver(ShiftbellError(f"the background worker is not running ({exc})"))
            return
        self._jobs[slot] = (serial, future)
        caller = self._caller

        def finished(_: concurrent.futures.Future[Any]) -> None:
            # RuntimeError: the window was deleted while the job ran; nobody to tell.
            with contextlib.suppress(RuntimeError):
                caller.call(lambda: self._finish(slot, serial, deliver))

        future.add_done_callback(finished)

        def give_up() -> None:
            if self._jobs.get(slot, (None,))[0] == serial:
                self._jobs.pop(slot)
                future.cancel()
                deliver(
                    FeedUnreachableError(
                        f"no answer within {timeout_s:g} s (the background worker is busy or stuck)"
                    )
                )

        QTimer.singleShot(round(timeout_s * 1000), self._owner, give_up)

    def drop(self, slot: Hashable) -> bool:
        """Forget the job in `slot` (its result will be ignored); True if there was one."""
        job = self._jobs.pop(slot, None)
        if job is not None:
            job[1].cancel()
        return job is not None

    def __contains__(self, slot: Hashable) -> bool:
        return slot in self._jobs

    def __iter__(self) -> Iterator[Hashable]:
        return iter(list(self._jobs))

    def __bool__(self) -> bool:
        return bool(self._jobs)

    def _finish(self, slot: Hashable, serial: int, deliver: Deliver) -> None:
        current = self._jobs.get(slot)
        if current is None or current[0] != serial:
            return  # replaced, dropped or timed out
        del self._jobs[slot]
        future = current[1]
        if future.cancelled():
            return
        exc = future.exception()
        deliver(exc if exc is not None else future.result())
