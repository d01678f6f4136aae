"""The clock is injected everywhere time matters, so tests use a fake one.

Three readings, because they answer different questions:

- `now()`, the wall clock: what people read, what is sent to sources, and what
  schedules and quiet hours mean. It can step (NTP after a resume, a VM restore).
- `steady()`, for every "how long" (snooze, repeat, ramp, siren, backoff, feed-down):
  it never steps, and it counts time spent suspended, so an hour asleep is an hour.
  It is a datetime only to sit beside wall times in code; compare it with other
  `steady()` readings of the same process only.
- `awake()`, seconds that stop while the machine is suspended: the difference to
  `steady()` is how a process notices that it was asleep.
"""

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Current wall-clock time, timezone-aware (UTC)."""
        ...

    def steady(self) -> datetime:
        """A time that never steps and counts suspended time (for durations)."""
        ...

    def awake(self) -> float:
        """Seconds that stop while the machine is suspended."""
        ...


class FakeClock:
    """A clock tests move by hand; never sleeps.

    `advance` and `set` move all three readings together (ordinary passing time);
    `jump` steps the wall clock only (NTP, a VM restore); `suspend` is time asleep.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        self._steady = self._now
        self._awake = 0.0

    def now(self) -> datetime:
        return self._now

    def steady(self) -> datetime:
        return self._steady

    def awake(self) -> float:
        return self._awake

    def advance(self, delta: timedelta | float) -> datetime:
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        self._now += step
        self._steady += step
        self._awake += step.total_seconds()
        return self._now

    def set(self, when: datetime) -> None:
        self.advance(when - self._now)

    def jump(self, delta: timedelta | float) -> None:
        """Step the wall clock alone."""
        self._now += delta if isinstance(delta, timedelta) else timedelta(seconds=delta)

    def suspend(self, delta: timedelta | float) -> None:
        """Time spent asleep: wall and steady move on, awake does not."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        self._now += step
        self._steady += step
