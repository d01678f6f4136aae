"""How long to wait before trying a source again after it failed.

Capped exponential backoff with full jitter (each wait drawn uniformly from zero
up to the exponential ceiling), so that after an outage many Shiftbells, or many
feeds in one, do not all come back to a recovering server in the same second.
A server that says how long to wait (HTTP 429 Retry-After) is obeyed, within a
sane maximum, because asking again sooner only extends the rate limit.

Pure: the random source is injected, so tests pin every delay with a seeded RNG.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeAlias

# While a source is down, how long Shiftbell may go without asking it again, at most
# (or two polling intervals, if longer): when it answers again, its alerts must be here
# within moments, not after a 5-minute backoff. A Retry-After is still obeyed.
OUTAGE_PROBE_S = 30.0

# Beyond this exponent the ceiling is the cap anyway; stopping here keeps 2**n a float.
_MAX_EXPONENT = 60


RandomSource: TypeAlias = random.Random | Callable[[], float]
"""A `random.Random`, or a callable returning a float in [0, 1)."""


@dataclass(frozen=True)
class Backoff:
    """The retry policy; it holds no streak of its own (see `RetryStreak`).

    Attributes:
        base_s: ceiling of the first wait; doubled for each further consecutive failure.
        cap_s: the ceiling never grows beyond this.
        floor_s: no wait is shorter, so a source that fails at once is not hammered.
        max_retry_after_s: a Retry-After longer than this is cut to it: a server asking
            for a day (or a misread header) must not silence a feed for a day.
        rng: where the jitter comes from; a `random.Random` or a callable returning a
            float in [0, 1). Injected so tests pin every delay.
    """

    base_s: float = 2.0
    cap_s: float = 300.0
    floor_s: float = 0.5
    max_retry_after_s: float = 3600.0
    rng: RandomSource = field(default_factory=random.Random, compare=False)

    def __post_init__(self) -> None:
        if not (0 <= self.floor_s <= self.base_s <= self.cap_s <= self.max_retry_after_s):
            raise ValueError(
                "backoff needs 0 <= floor_s <= base_s <= cap_s <= max_retry_after_s, got "
                f"{self.floor_s}, {self.base_s}, {self.cap_s}, {self.max_retry_after_s}"
            )

    def capped(self, cap_s: float) -> Backoff:
        """The same policy with its ceiling at most `cap_s` (never below `base_s`)."""
        cap = max(self.base_s, min(self.cap_s, cap_s))
        return Backoff(self.base_s, cap, self.floor_s, self.max_retry_after_s, self.rng)

    def ceiling(self, attempt: int) -> float:
        """The largest wait after `attempt` consecutive failures (0 after none)."""
        if attempt <= 0:
            return 0.0
        return min(self.cap_s, self.base_s * 2.0 ** min(attempt - 1, _MAX_EXPONENT))

    def delay_after(self, attempt: int, retry_after_s: float | None = None) -> float:
        """Seconds to wait after `attempt` consecutive failures (1 = the first failure).

        `retry_after_s` is what the server asked for, if it did: the wait is never
        shorter than that, and never longer than `max_retry_after_s`. After no
        failure (`attempt` 0, i.e. reset by a success) the wait is 0.
        """
        if attempt <= 0 and retry_after_s is None:
            return 0.0
        jittered = self.ceiling(attempt) * self._draw()
        delay = max(self.floor_s, jittered) if attempt > 0 else 0.0
        if retry_after_s is not None and math.isfinite(retry_after_s) and retry_after_s > 0:
            delay = max(delay, min(retry_after_s, self.max_retry_after_s))
        return delay

    def _draw(self) -> float:
        value = self.rng.random() if isinstance(self.rng, random.Random) else self.rng()
        return min(max(value, 0.0), 1.0)


class RetryStreak:
    """Counts consecutive failures of one thing (a feed, a connection) under a `Backoff`.

    Success resets the streak, so the next failure waits briefly again.
    """

    def __init__(self, policy: Backoff) -> None:
        self.policy = policy
        self.failures = 0

    def failed(self, retry_after_s: float | None = None) -> float:
        """Count a failure; return how long to wait before the next try."""
        self.failures += 1
        return self.policy.delay_after(self.failures, retry_after_s)

    def succeeded(self) -> None:
        self.failures = 0
