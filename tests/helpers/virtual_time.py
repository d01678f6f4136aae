"""Virtual time for asyncio tests: sleeps end when the test moves a FakeClock past them.

Minutes of backoff take microseconds and nothing depends on how fast the machine is;
outcomes are awaited as conditions with a real-time deadline.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable

from shiftbell.core.clock import FakeClock


class VirtualTime:
    """A `sleep` for the feed runner whose sleepers wake when the test advances the clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def sleep(self, seconds: float) -> None:
        # On the awake clock, as the real loop's sleeps (CLOCK_MONOTONIC): neither a
        # wall-clock jump nor time suspended wakes anybody.
        wake_at = self.clock.awake() + max(seconds, 0.0)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (wake_at, next(self._order), future))
        await future

    async def advance(self, seconds: float) -> None:
        """Move the clock forward, waking each sleeper at its own time, earliest first."""
        target = self.clock.awake() + seconds
        while True:
            await settle()
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)  # cancelled: the wait was cut short
            if not self._sleepers or self._sleepers[0][0] > target:
                break
            self._move_to(self._sleepers[0][0])
            while self._sleepers and self._sleepers[0][0] <= self.clock.awake():
                future = heapq.heappop(self._sleepers)[2]
                if not future.done():
                    future.set_result(None)
        self._move_to(target)
        await settle()

    def _move_to(self, awake: float) -> None:
        if awake > self.clock.awake():
            self.clock.advance(awake - self.clock.awake())


async def settle() -> None:
    """Let every task that can run do so (no real time passes)."""
    for _ in range(100):
        await asyncio.sleep(0)


async def until(condition: Callable[[], bool], what: str, timeout_s: float = 5.0) -> None:
    """Wait for `condition` with a real-time deadline (it should hold almost at once)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for: {what}")
        await asyncio.sleep(0.001)
