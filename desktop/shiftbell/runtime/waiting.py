"""Waiting on the asyncio loop with an injected sleep, so tests drive time without sleeping.

Every call into a source is bounded by one of these: one dead or slow source never delays
another feed, an acknowledgement, or the UI.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from shiftbell.core.errors import FeedUnreachableError

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

# How long a cancelled source call may take to clean up, and a feed to close.
CANCEL_GRACE_S = 5.0


async def bounded(call: Awaitable[T], seconds: float, sleep: Sleep, timeout_message: str) -> T:
    """Await a source's call for at most `seconds`; FeedUnreachableError after that."""
    task = asyncio.ensure_future(call)
    timer = asyncio.ensure_future(sleep(seconds))
    try:
        await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        timer.cancel()
        if not task.done():
            await cancel(task)
    if task.cancelled():
        raise FeedUnreachableError(timeout_message)
    return task.result()


async def first_of(
    task: asyncio.Task[None], ready: asyncio.Event, seconds: float, sleep: Sleep
) -> bool:
    """Wait until `ready` is set or `task` ends (True), or `seconds` pass (False)."""
    waiter = asyncio.ensure_future(ready.wait())
    timer = asyncio.ensure_future(sleep(seconds))
    try:
        await asyncio.wait({task, waiter, timer}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiter.cancel()
        timer.cancel()
    return ready.is_set() or task.done()


async def sleep_or_wake(seconds: float | None, wake: asyncio.Event, sleep: Sleep) -> None:
    """Sleep `seconds` (forever for None), or until `wake` is set."""
    waiter = asyncio.ensure_future(wake.wait())
    waits: set[asyncio.Future[Any]] = {waiter}
    if seconds is not None:
        waits.add(asyncio.ensure_future(sleep(seconds)))
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()


async def cancel(task: asyncio.Future[T]) -> None:
    """Cancel and give the task a moment to clean up; never raises its outcome."""
    if not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=CANCEL_GRACE_S)
    if task.done() and not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved


def loop_task(coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
    """A task on the running loop, named so a stuck one is easy to find in a dump."""
    return asyncio.get_running_loop().create_task(coro, name=f"shiftbell: {name}")


class LoopHome:
    """The asyncio loop (and its thread) an object lives on while it runs.

    `call` runs an action there from any thread: at once on the loop's own thread, queued
    from another, not at all while nothing runs (the object picks things up when it starts).
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: int | None = None

    @property
    def running(self) -> bool:
        return self._loop is not None

    def attach(self) -> None:
        """Take the running loop and the current thread (call from the loop)."""
        self._loop = asyncio.get_running_loop()
        self._thread = threading.get_ident()

    def detach(self) -> None:
        self._loop = None
        self._thread = None

    def call(self, action: Callable[[], None]) -> None:
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() == self._thread:
            action()
        else:
            loop.call_soon_threadsafe(action)
