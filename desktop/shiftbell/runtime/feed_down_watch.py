"""The feed-down watch: a feed with no successful contact for longer than its limit raises a
critical alert of Shiftbell's own, "Feed NAME is down", resolved when the feed answers again.
A silent failure is the worst failure.

Durations are on the steady clock, and time the machine spent asleep is not "no contact":
after a resume every feed gets one interval to answer before it can be down.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime, timedelta

from shiftbell.core.alert import AlertKey, Incoming, Severity
from shiftbell.core.clock import Clock
from shiftbell.runtime.ack_sender import SHIFTBELL_FEED_ID
from shiftbell.runtime.desk import AlertDesk
from shiftbell.runtime.waiting import Sleep, sleep_or_wake
from shiftbell.sources.feed import Feed, StreamFeed

log = logging.getLogger(__name__)

SHIFTBELL_SOURCE = "Shiftbell"
FEED_DOWN_PREFIX = "feed-down:"
# A gap this long between the steady and the awake clock means the machine slept.
SUSPEND_GAP_S = 5.0


def feed_down_key(name: str) -> AlertKey:
    """The key of the "feed down" alert raised for feed `name`."""
    return AlertKey(SHIFTBELL_FEED_ID, FEED_DOWN_PREFIX + name)


@dataclass(eq=False)
class FeedRun:
    """The feed runner's view of one running feed (loop thread only)."""

    feed: Feed
    started_at: datetime  # wall clock, for messages
    # Steady clock (core.clock): the last contact, or the start; what "down" is measured from.
    heard_at: datetime
    task: asyncio.Task[None] | None = None
    last_contact: datetime | None = None  # wall clock, for messages
    connected: bool = False  # streams: the connection is up and caught up
    error: str = ""  # "" while the feed works
    state_since: datetime | None = None
    down_summary: str = ""  # the raised feed-down alert's summary; "" when none is raised
    logged_error: str = ""
    # Counts acknowledgements this feed's source confirmed (or withdrew); see _run_polling.
    ack_answers: int = 0

    @property
    def name(self) -> str:
        return self.feed.config.name


@dataclass(eq=False)
class FeedDownWatch:
    """Raises and resolves the feed-down alerts of the runs `runs` lists (loop thread).

    `own_changes` marks the desk calls as Shiftbell's own, so the acknowledgement queue
    leaves them alone; `fetch_timeout_s` is how long a poll may take on top of its interval.
    """

    desk: AlertDesk
    clock: Clock
    _: KW_ONLY
    runs: Callable[[], Iterable[FeedRun]]
    own_changes: Callable[[], AbstractContextManager[None]]
    sleep: Sleep
    fetch_timeout_s: float
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False)
    _clock_marks: tuple[datetime, float] | None = field(default=None, init=False)  # (steady, awake)

    def start(self) -> None:
        self._wake = asyncio.Event()  # fresh: an Event belongs to the loop it first ran on

    def wake(self) -> None:
        """Look at the deadlines again now (a feed started, answered or failed)."""
        self._wake.set()

    async def run(self) -> None:
        """Raise feed-down alerts when a feed's deadline passes; sleeps until the next one."""
        while True:
            self._wake.clear()
            self._check_resumed()
            now = self.clock.steady()
            soonest: datetime | None = None
            for run in list(self.runs()):
                deadline = self._deadline(run)
                if deadline is None:
                    continue
                if now >= deadline:
                    self.raise_down(run)
                elif soonest is None or deadline < soonest:
                    soonest = deadline
            delay = None if soonest is None else (soonest - now).total_seconds()
            await sleep_or_wake(delay, self._wake, self.sleep)

    def limit(self, run: FeedRun) -> float:
        """Seconds without contact after which the feed is down."""
        config = run.feed.config
        if isinstance(run.feed, StreamFeed):
            return config.stale_after_s
        # Between two polls a healthy feed is silent for up to an interval plus a
        # fetch: a limit below that would call every poll "down".
        return max(config.stale_after_s, config.interval_s + self.fetch_timeout_s)

    def raise_down(self, run: FeedRun) -> None:
        reason = run.error or "no answer"
        if run.last_contact is not None:
            since = f"no successful contact since {_utc_text(run.last_contact)}"
        else:
            since = f"no successful contact since it started at {_utc_text(run.started_at)}"
        summary = f"{reason} ({since})"
        if summary == run.down_summary:
            return
        if not run.down_summary:
            log.error("feed %s is down: %s", run.name, summary)
        run.down_summary = summary
        down = Incoming(
            source_id=feed_down_key(run.name).source_id,
            title=f"Feed {run.name} is down",
            severity=Severity.CRITICAL,
            summary=summary,
        )
        with self.own_changes():
            self.desk.ingest(SHIFTBELL_FEED_ID, [down], source=SHIFTBELL_SOURCE)

    def resolve(self, run: FeedRun) -> None:
        if not run.down_summary:
            return
        run.down_summary = ""
        log.info("feed %s is back", run.name)
        gone = Incoming(feed_down_key(run.name).source_id, f"Feed {run.name} is down", firing=False)
        with self.own_changes():
            self.desk.ingest(SHIFTBELL_FEED_ID, [gone], source=SHIFTBELL_SOURCE)

    def passed(self, run: FeedRun) -> bool:
        """True once the feed's deadline is past (or it has none): the watch waits for it no
        longer, so a contact must wake it."""
        deadline = self._deadline(run)
        return deadline is None or self.clock.steady() >= deadline

    def _deadline(self, run: FeedRun) -> datetime | None:
        """When the feed is down, on the steady clock; None while a stream is connected."""
        if run.connected:
            return None
        return run.heard_at + timedelta(seconds=self.limit(run))

    def _check_resumed(self) -> None:
        """After the machine slept, give every feed one interval before it can be down.

        Time asleep is not "no contact": the steady clock counted it, the awake clock
        did not, and the difference says how long the machine slept.
        """
        steady, awake = self.clock.steady(), self.clock.awake()
        marks, self._clock_marks = self._clock_marks, (steady, awake)
        if marks is None:
            return
        slept = (steady - marks[0]).total_seconds() - (awake - marks[1])
        if slept < SUSPEND_GAP_S:
            return
        log.info("the machine slept for %.0f s: each feed gets an interval to answer", slept)
        for run in self.runs():
            answer_within = run.feed.config.interval_s + self.fetch_timeout_s
            grace = timedelta(seconds=answer_within - self.limit(run))
            run.heard_at = max(run.heard_at, steady + grace)


def _utc_text(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
