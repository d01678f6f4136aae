"""FeedRunner: runs every configured feed at once, watches for dead ones, and hands the
person's acknowledgements to its AckSender (ack_sender.py).

It lives on the app's asyncio loop (ui/runner.py's worker thread). Each feed gets
its own task, and every call into a source is bounded by a timeout (waiting.py), so one
dead or slow source never delays another feed, an acknowledgement, or the UI.

Polling feeds are fetched every `interval_s` and merged as a snapshot; stream feeds
are kept connected and each event merged as it arrives. Errors back off (capped
exponential with jitter, Retry-After honoured; core/backoff.py). Each feed's
`FeedStatus` goes to `on_status` whenever it changes. A feed with no successful
contact for longer than its `stale_after_s` raises a critical "Feed NAME is down"
alert of Shiftbell's own (feed id "shiftbell"), resolved when the feed recovers: a
silent failure is the worst failure.

Threads: `add`, `remove`, `replace` and the readers may be called from any thread (the
acknowledgements: `acks`, an AckSender); `start` and `stop` run on the loop.
`on_status` and `on_removed` are called on the loop thread: hand them to the UI
thread yourself.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import threading
import time
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any

from shiftbell.core.acks import error_text
from shiftbell.core.alert import Incoming
from shiftbell.core.backoff import OUTAGE_PROBE_S, Backoff, RandomSource, RetryStreak
from shiftbell.core.clock import Clock
from shiftbell.core.errors import (
    FeedConfigError,
    FeedError,
    FeedRateLimitedError,
    FeedUnreachableError,
)
from shiftbell.core.feed_status import FeedStatus
from shiftbell.runtime.ack_sender import (
    DEFAULT_ACK_TIMEOUT_S,
    LOCAL_ACK_FEEDS,
    AckQueueStore,
    AckSender,
)
from shiftbell.runtime.desk import AlertDesk
from shiftbell.runtime.feed_down_watch import FeedDownWatch, FeedRun, feed_down_key
from shiftbell.runtime.timings import Timings
from shiftbell.runtime.waiting import (
    CANCEL_GRACE_S,
    LoopHome,
    Sleep,
    bounded,
    cancel,
    first_of,
    loop_task,
)
from shiftbell.sources.feed import Feed, FeedConfig, PollingFeed, StreamFeed

log = logging.getLogger(__name__)

DEFAULT_FETCH_TIMEOUT_S = 30.0
# A stream that stayed up this long worked: its next failure starts the backoff over.
# One that drops sooner keeps backing off, so a server that accepts and hangs up at
# once is not hammered.
STREAM_STABLE_S = 60.0


class FeedRunner:
    """Runs feeds as asyncio tasks, and their acknowledgements through an AckSender.

    Args:
        desk: where alerts go, and whose acknowledgements are followed.
        clock: every "how long" decision (staleness, backoff deadlines) reads it.
        store: where the acknowledgement queue is kept; None keeps it in memory.
        on_status: called with a feed's FeedStatus whenever it changes (loop thread).
        on_removed: called with a feed's name after `remove`, so its status line goes.
        rng: the backoff jitter's random source (tests pass a seeded one).
        backoff: the retry policy; default 2 s base, 5 min cap, Retry-After up to 1 h.
        sleep: how to wait; tests pass a virtual-time sleep driven by their fake clock.
        fetch_timeout_s: bound on one fetch, and on a stream's connect and catch-up.
        ack_timeout_s: bound on one acknowledge / unacknowledge call.
    """

    def __init__(
        self,
        desk: AlertDesk,
        clock: Clock,
        store: AckQueueStore | None = None,
        *,
        on_status: Callable[[FeedStatus], None],
        on_removed: Callable[[str], None] | None = None,
        rng: RandomSource | None = None,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        fetch_timeout_s: float = DEFAULT_FETCH_TIMEOUT_S,
        ack_timeout_s: float = DEFAULT_ACK_TIMEOUT_S,
        timings: Timings | None = None,
    ) -> None:
        self._desk = desk
        self.timings = timings if timings is not None else Timings()
        self._clock = clock
        self._on_status = on_status
        self._on_removed = on_removed
        self._backoff = backoff or Backoff(rng=rng if rng is not None else random.Random())
        self._sleep = sleep
        self._fetch_timeout_s = fetch_timeout_s

        # Guards what other threads read or change: the configured feeds and the statuses.
        self._lock = threading.Lock()
        self._configured: dict[str, Feed] = {}
        self._statuses: dict[str, FeedStatus] = {}

        # Loop-thread state.
        self._home = LoopHome()
        self._runs: dict[str, FeedRun] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._closers: set[asyncio.Task[None]] = set()  # replaced or removed feeds closing

        self.down_watch = FeedDownWatch(
            desk,
            clock,
            runs=lambda: list(self._runs.values()),
            own_changes=lambda: self.acks.own_changes(),
            sleep=sleep,
            fetch_timeout_s=fetch_timeout_s,
        )
        self.acks = AckSender(
            desk,
            clock,
            store,
            backoff=self._backoff,
            running=lambda: {name: run.feed for name, run in self._runs.items()},
            on_confirmed=self._source_confirmed,
            sleep=sleep,
            ack_timeout_s=ack_timeout_s,
        )

    # -- managing feeds (any thread) ---------------------------------------------------------

    def add(self, feed: Feed) -> None:
        """Start running a feed. Raises FeedConfigError for a taken or reserved name."""
        name = _check_feed(feed)
        with self._lock:
            if name in self._configured:
                raise FeedConfigError(
                    f"a feed named {name!r} is already running: choose another name, or "
                    "edit that feed"
                )
            self._configured[name] = feed
        self._home.call(self._sync_feeds)

    def replace(self, feed: Feed) -> None:
        """Swap in a feed with new settings under the same name (or add it).

        Its status and feed-down alert carry over; held acknowledgements for it are
        sent again, since new settings (a fixed token) are what they were waiting for.
        """
        name = _check_feed(feed)
        with self._lock:
            self._configured[name] = feed
        self._home.call(self._sync_feeds)

    def remove(self, name: str) -> None:
        """Stop and close a feed; its alerts and its feed-down alert are resolved.

        Its queued acknowledgements are dropped: there is no longer a source to send
        them to. Unknown names are ignored.
        """
        with self._lock:
            self._configured.pop(name, None)
        self._home.call(self._sync_feeds)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._configured)

    def statuses(self) -> list[FeedStatus]:
        """The latest status of every running feed (for `shiftbell status`, a new window)."""
        with self._lock:
            return [self._statuses[n] for n in sorted(self._statuses)]

    # -- lifetime (loop) ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start every feed added so far, the feed-down watch and the acknowledgement queue."""
        if self._home.running:
            raise RuntimeError("the feed runner is already running")
        self._home.attach()
        self.down_watch.start()
        self.acks.start()
        self._sync_feeds()
        self._spawn(self.down_watch.run(), "feed-down watch")
        self._spawn(self.acks.run(), "acknowledgement queue")

    async def stop(self) -> None:
        """Stop every task and close every feed. The acknowledgement queue stays saved."""
        await self.acks.stop()
        tasks = [r.task for r in self._runs.values() if r.task is not None]
        tasks += [*self._background]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._closers:  # let replaced and removed feeds finish closing
            await asyncio.gather(*self._closers, return_exceptions=True)
        runs = list(self._runs.values())
        self._runs.clear()
        self._background.clear()
        for run in runs:
            await self._close(run.feed)
        self._home.detach()

    # -- feed tasks (loop) -------------------------------------------------------------------

    def _sync_feeds(self) -> None:
        """Make the running tasks match the configured feeds (loop thread)."""
        if not self._home.running:
            return
        with self._lock:
            configured = dict(self._configured)
        for name in [n for n in self._runs if n not in configured]:
            self._remove_run(name)
        for name, feed in configured.items():
            run = self._runs.get(name)
            if run is None:
                self._start_run(feed)
            elif run.feed is not feed:
                self._restart_run(run, feed)

    def _start_run(self, feed: Feed) -> None:
        now = self._clock.now()
        run = FeedRun(feed, started_at=now, heard_at=self._clock.steady(), state_since=now)
        # A feed-down alert left active by an earlier run resolves when this one connects.
        key = feed_down_key(run.name)
        left = next((a for a in self._desk.active() if a.key == key), None)
        if left is not None:
            run.down_summary = left.summary or "(raised before a restart)"
        self._runs[run.name] = run
        self._emit(run, FeedStatus(run.name, True, "connecting", now, None))
        run.task = loop_task(self._run_feed(run), f"feed {run.name}")
        self.down_watch.wake()
        self.acks.wake()

    def _restart_run(self, run: FeedRun, feed: Feed) -> None:
        old = run.feed
        if run.task is not None:
            run.task.cancel()
        self._close_later(run.task, old)
        run.feed = feed
        run.connected = False
        run.task = loop_task(self._run_feed(run), f"feed {run.name}")
        self.acks.release_feed(run.name)
        self.down_watch.wake()

    def _remove_run(self, name: str) -> None:
        run = self._runs.pop(name)
        if run.task is not None:
            run.task.cancel()
        self._close_later(run.task, run.feed)
        with self.acks.feed_changes():
            self._desk.replace_snapshot(name, [], source=name)
        self.down_watch.resolve(run)
        self.acks.drop_feed(name)
        with self._lock:
            self._statuses.pop(name, None)
        if self._on_removed is not None:
            try:
                self._on_removed(name)
            except Exception:
                log.exception("feed removal listener failed")
        self.down_watch.wake()

    async def _run_feed(self, run: FeedRun) -> None:
        try:
            if isinstance(run.feed, StreamFeed):
                await self._run_stream(run, run.feed)
            else:
                await self._run_polling(run, run.feed)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not end the feed silently
            log.exception("the runner of feed %s stopped", run.name)
            self._failed(run, "Shiftbell stopped watching this feed after an internal error")

    def _streak(self, config: FeedConfig) -> RetryStreak:
        """Backoff for one feed: its load on the source, never our freshness (OUTAGE_PROBE_S)."""
        return RetryStreak(self._backoff.capped(max(OUTAGE_PROBE_S, 2 * config.interval_s)))

    async def _run_polling(self, run: FeedRun, feed: PollingFeed) -> None:
        streak = self._streak(feed.config)
        while True:
            config = feed.config
            answers_before = run.ack_answers
            try:
                items = await bounded(
                    feed.fetch(),
                    self._fetch_timeout_s,
                    self._sleep,
                    f"{config.name} did not answer within {self._fetch_timeout_s:g} s",
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                delay = streak.failed(_retry_after(exc))
                self._failed(run, exc)
            else:
                streak.succeeded()
                if run.ack_answers != answers_before:
                    # The source confirmed an acknowledgement while this answer was on its
                    # way, so the answer may predate it; merged, it would tell the board the
                    # source dropped the acknowledgement and wake the person. Ask again.
                    self._contact(run, f"polling every {config.interval_s:g} s")
                    continue
                began = time.perf_counter()
                with self.acks.feed_changes():
                    self._desk.replace_snapshot(config.name, items, source=config.name)
                self.timings.merged(config.name, time.perf_counter() - began, len(items))
                self._contact(run, f"polling every {config.interval_s:g} s")
                delay = config.interval_s
            await self._sleep(delay)

    async def _run_stream(self, run: FeedRun, feed: StreamFeed) -> None:
        streak = self._streak(feed.config)
        while True:
            connected_at, error = await self._stream_once(run, feed)
            stayed_up = connected_at is not None and (
                self._clock.steady() - connected_at >= timedelta(seconds=STREAM_STABLE_S)
            )
            if stayed_up:
                streak.succeeded()
            delay = streak.failed(_retry_after(error) if error is not None else None)
            if error is not None:
                self._failed(run, error)
            else:
                log.info("feed %s: the server closed the stream; reconnecting", run.name)
            await self._sleep(delay)

    async def _stream_once(
        self, run: FeedRun, feed: StreamFeed
    ) -> tuple[datetime | None, BaseException | None]:
        """One connection, until it ends: (when it was up, or None; why it ended, or None)."""
        name = feed.config.name
        connected_at: datetime | None = None
        ready = asyncio.Event()

        def connected() -> None:
            nonlocal connected_at
            connected_at = self._clock.steady()
            run.connected = True
            ready.set()
            self._contact(run, "connected")

        def sink(item: Incoming) -> None:
            try:
                with self.acks.feed_changes():
                    self._desk.ingest(name, [item], source=name)
                run.last_contact = self._clock.now()
                run.heard_at = self._clock.steady()
            except Exception:  # a bug must not break the adapter's stream
                log.exception("feed %s: merging an event failed", name)

        error: BaseException | None = None
        task = asyncio.ensure_future(feed.stream(sink, connected))
        try:
            if await first_of(task, ready, self._fetch_timeout_s, self._sleep):
                await task
            else:
                error = FeedUnreachableError(
                    f"{name} did not connect within {self._fetch_timeout_s:g} s"
                )
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            error = exc
        finally:
            await cancel(task)
            # A replaced run's old task must not mark the new connection as down.
            if run.connected and run.task is asyncio.current_task():
                run.connected = False
                run.last_contact = self._clock.now()
                run.heard_at = self._clock.steady()
                self.down_watch.wake()
        if error is None and connected_at is None:
            error = FeedUnreachableError(f"{name} closed the connection before it was ready")
        return connected_at, error

    # -- feed status and the feed-down alert (loop) ------------------------------------------

    def _source_confirmed(self, name: str) -> None:
        run = self._runs.get(name)
        if run is not None:
            run.ack_answers += 1

    def _contact(self, run: FeedRun, message: str) -> None:
        now = self._clock.now()
        # A working feed's answer only moves a deadline the watch still sleeps towards later,
        # which it sees when it wakes: waking it at every poll was a tenth of a poll's CPU.
        # A deadline already passed is no longer waited on: the watch must hear of it.
        moved_later_only = not run.error and not self.down_watch.passed(run)
        run.last_contact = now
        run.heard_at = self._clock.steady()
        if run.error:
            log.info("feed %s works again", run.name)
            run.state_since = now
            run.error = ""
            run.logged_error = ""
        self.down_watch.resolve(run)
        self._emit(run, FeedStatus(run.name, True, message, run.state_since, now))
        if not moved_later_only:
            self.down_watch.wake()

    def _failed(self, run: FeedRun, error: BaseException | str) -> None:
        now = self._clock.now()
        message = _describe(error, run.name)
        if not run.error:
            run.state_since = now
        run.error = message
        if message != run.logged_error:
            # Once per distinct message: a feed failing every few seconds must not flood the log.
            # An expected failure's message says it all; anything else is a bug: keep its trace.
            trace = None
            if isinstance(error, BaseException) and not isinstance(error, FeedError):
                trace = error
            log.warning("feed %s: %s", run.name, message, exc_info=trace)
            run.logged_error = message
        self._emit(run, FeedStatus(run.name, False, message, run.state_since, run.last_contact))
        self.down_watch.wake()

    def _emit(self, run: FeedRun, status: FeedStatus) -> None:
        with self._lock:
            before = self._statuses.get(run.name)
            if before == status or run.name not in self._configured:
                return
            self._statuses[run.name] = status
        if (
            status.ok
            and before is not None
            and before == dataclasses.replace(status, last_contact=before.last_contact)
        ):
            # Another good poll: only the contact time moved, which no working feed's line
            # shows. Telling the window would redraw it at every poll, for nothing.
            return
        try:
            self._on_status(status)
        except Exception:
            log.exception("feed status listener failed")

    # -- helpers -----------------------------------------------------------------------------

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = loop_task(coro, name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _close_later(self, task: asyncio.Task[None] | None, feed: Feed) -> None:
        closer = loop_task(self._close_after(task, feed), f"closing {feed.config.name}")
        self._closers.add(closer)
        closer.add_done_callback(self._closers.discard)

    async def _close_after(self, task: asyncio.Task[None] | None, feed: Feed) -> None:
        if task is not None:
            await cancel(task)
        await self._close(feed)

    async def _close(self, feed: Feed) -> None:
        try:
            await asyncio.wait_for(feed.close(), CANCEL_GRACE_S)
        except Exception as exc:  # closing is best effort; the feed is gone either way
            log.warning("closing feed %s failed: %s", feed.config.name, error_text(exc))


def _check_feed(feed: Feed) -> str:
    if not isinstance(feed, PollingFeed | StreamFeed):
        raise TypeError(f"{feed!r} is neither a PollingFeed nor a StreamFeed")
    name = feed.config.name
    if name in LOCAL_ACK_FEEDS or not name.strip():
        raise FeedConfigError(
            f"the feed name {name!r} is reserved for Shiftbell's own alerts: choose another name"
        )
    return name


def _retry_after(error: BaseException) -> float | None:
    return error.retry_after_s if isinstance(error, FeedRateLimitedError) else None


def _describe(error: BaseException | str, feed_name: str) -> str:
    if isinstance(error, str):
        return error
    if isinstance(error, FeedError):
        return error_text(error)
    return f"{feed_name}: unexpected error ({error_text(error)}); see the log"
