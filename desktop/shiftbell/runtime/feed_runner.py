"""FeedSupervisor: runs every configured feed at once and carries acknowledgements to sources.

It lives on the app's asyncio loop (ui/runner.py's worker thread). Each feed gets
its own task, and every call into an adapter is bounded by a timeout, so one dead
or slow source never delays another feed, an acknowledgement, or the UI.

Polling feeds are fetched every `interval_s` and merged as a snapshot; stream feeds
are kept connected and each event merged as it arrives. Errors back off (capped
exponential with jitter, Retry-After honoured; core/backoff.py). Each feed's
`FeedStatus` goes to `on_status` whenever it changes. A feed with no successful
contact for longer than its `stale_after_s` raises a critical "Feed NAME is down"
alert of Shiftbell's own (feed id "shiftbell"), resolved when the feed recovers: a
silent failure is the worst failure.

Acknowledgements: the supervisor follows the desk. When the person acknowledges
an alert (tray, window, notification, `shiftbell ack`: every path goes through
`AlertDesk.acknowledge`), the desk's listener sees it firing -> acknowledged with
delivery NONE and queues it for the source; un-acknowledging queues the undo. No
caller has to remember to tell the supervisor. Changes the supervisor itself
makes to the desk (a fetch saying an alert is acknowledged at the source, a
delivery state) are told apart by a thread-local marker set around its own desk
calls, so an alert acknowledged at the source is never "acknowledged back" and
setting SENDING cannot loop. `acknowledge` / `unacknowledge` / `retry` exist for
callers that want to be explicit (e.g. a "send again" button for a FAILED one).

The queue (core/acks.py AckLedger) is saved to the store on every change, from
inside the desk's listener, so an acknowledgement is durable the moment the
person clicks; it survives a restart and is retried until the source confirms.
Alerts of Shiftbell's own feeds ("local", "alertmanager-webhook", "shiftbell")
have no source to tell: they are LOCAL at once. A source that refuses for good
(401/403, other 4xx) marks the alert FAILED with its reason and is not retried
until the person retries or the feed's settings change (`replace`).

Threads: `add`, `remove`, `replace`, `acknowledge`, `unacknowledge`, `retry` and the
readers may be called from any thread; `start` and `stop` run on the loop.
`on_status` and `on_removed` are called on the loop thread: hand them to the UI
thread yourself.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import random
import threading
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar

from shiftbell.core.acks import AckKind, AckLedger, ConfirmedAck, PendingAck, error_text
from shiftbell.core.alert import AckDelivery, Alert, AlertKey, Incoming, Severity, Status
from shiftbell.core.backoff import OUTAGE_PROBE_S, Backoff, RandomSource, RetryStreak
from shiftbell.core.board import Changes
from shiftbell.core.clock import Clock
from shiftbell.core.errors import (
    FeedConfigError,
    FeedError,
    FeedRateLimitedError,
    FeedUnreachableError,
    StoreError,
)
from shiftbell.core.feed_status import FeedStatus
from shiftbell.receiver.server import LOCAL_FEED_ID, WEBHOOK_FEED_ID
from shiftbell.runtime.desk import AlertDesk
from shiftbell.sources.feed import AckReceipt, Feed, FeedConfig, PollingFeed, StreamFeed

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]

SHIFTBELL_FEED_ID = "shiftbell"
SHIFTBELL_SOURCE = "Shiftbell"
FEED_DOWN_PREFIX = "feed-down:"
# Feeds whose alerts have no source to acknowledge at: Shiftbell is the source.
LOCAL_ACK_FEEDS = frozenset({LOCAL_FEED_ID, WEBHOOK_FEED_ID, SHIFTBELL_FEED_ID})

DEFAULT_FETCH_TIMEOUT_S = 30.0
DEFAULT_ACK_TIMEOUT_S = 30.0
# A stream that stayed up this long worked: its next failure starts the backoff over.
# One that drops sooner keeps backing off, so a server that accepts and hangs up at
# once is not hammered.
STREAM_STABLE_S = 60.0
# A gap this long between the steady and the awake clock means the machine slept.
SUSPEND_GAP_S = 5.0
# "Acknowledge all" on a busy night must not become a burst that trips a rate limit.
MAX_ACKS_IN_FLIGHT_PER_FEED = 4
# How long a cancelled adapter call may take to clean up, and a feed to close.
CANCEL_GRACE_S = 5.0


class AckQueueStore(Protocol):
    """What the supervisor needs from the store (store/alert_store.py AlertStore)."""

    def load_pending_acks(self) -> list[PendingAck]: ...
    def save_pending_ack(self, pending: PendingAck) -> None: ...
    def delete_pending_ack(self, alert_id: str) -> None: ...
    def load_ack_receipts(self) -> list[ConfirmedAck]: ...
    def save_ack_receipt(self, receipt: ConfirmedAck) -> None: ...
    def delete_ack_receipt(self, alert_id: str) -> None: ...
    def get(self, alert_id: str) -> Alert | None: ...


def feed_down_key(name: str) -> AlertKey:
    """The key of the "feed down" alert the supervisor raises for feed `name`."""
    return AlertKey(SHIFTBELL_FEED_ID, FEED_DOWN_PREFIX + name)


class _Origin(enum.Enum):
    FEED = "feed"  # merging what a source reported
    SELF = "self"  # the supervisor's own bookkeeping (delivery states, feed-down alerts)


class _OriginMarker(threading.local):
    def __init__(self) -> None:
        self.value: _Origin | None = None


@dataclass(eq=False)
class _FeedRun:
    """The supervisor's view of one running feed (loop thread only)."""

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


class FeedSupervisor:
    """Runs feeds as asyncio tasks and delivers acknowledgements; see the module docstring.

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
    ) -> None:
        self._desk = desk
        self._clock = clock
        self._store = store
        self._on_status = on_status
        self._on_removed = on_removed
        self._backoff = backoff or Backoff(rng=rng if rng is not None else random.Random())
        self._sleep = sleep
        self._fetch_timeout_s = fetch_timeout_s
        self._ack_timeout_s = ack_timeout_s

        # Guards everything shared with other threads: the configured feeds, the ledger,
        # the delivery outbox and the statuses. Lock order: desk, then this, then store.
        self._lock = threading.Lock()
        self._configured: dict[str, Feed] = {}
        self._statuses: dict[str, FeedStatus] = {}
        self._outbox: set[str] = set()  # alert ids whose delivery state may need an update
        self._store_problem = ""
        pending, receipts = self._load_queue()
        self._ledger = AckLedger(self._backoff, pending, receipts)
        self._outbox.update(self._ledger.alert_ids())

        # Loop-thread state.
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._runs: dict[str, _FeedRun] = {}
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._inflight_feed: dict[str, str] = {}  # alert id -> feed name, of _inflight
        self._background: set[asyncio.Task[None]] = set()
        self._closers: set[asyncio.Task[None]] = set()  # replaced or removed feeds closing
        self._ack_wake = asyncio.Event()
        self._watch_wake = asyncio.Event()
        self._clock_marks: tuple[datetime, float] | None = None  # (steady, awake), see _watch
        self._origin = _OriginMarker()

        desk.subscribe(self._on_desk_changes)

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
        self._on_loop(self._sync_feeds)

    def replace(self, feed: Feed) -> None:
        """Swap in a feed with new settings under the same name (or add it).

        Its status and feed-down alert carry over; held acknowledgements for it are
        sent again, since new settings (a fixed token) are what they were waiting for.
        """
        name = _check_feed(feed)
        with self._lock:
            self._configured[name] = feed
        self._on_loop(self._sync_feeds)

    def remove(self, name: str) -> None:
        """Stop and close a feed; its alerts and its feed-down alert are resolved.

        Its queued acknowledgements are dropped: there is no longer a source to send
        them to. Unknown names are ignored.
        """
        with self._lock:
            self._configured.pop(name, None)
        self._on_loop(self._sync_feeds)

    def names(self) -> list[str]:
        with self._lock:
            return sorted(self._configured)

    def statuses(self) -> list[FeedStatus]:
        """The latest status of every running feed (for `shiftbell status`, a new window)."""
        with self._lock:
            return [self._statuses[n] for n in sorted(self._statuses)]

    # -- acknowledgements (any thread) -------------------------------------------------------

    def acknowledge(self, alert_id: str) -> None:
        """Queue the acknowledgement of an alert the desk has acknowledged.

        Not needed after `AlertDesk.acknowledge` (followed automatically); harmless twice.
        """
        alert = self._desk.get(alert_id)
        if alert is None:
            log.info("acknowledge: no active alert %s", alert_id)
            return
        self._wish(alert, acknowledged=True)

    def unacknowledge(self, alert_id: str) -> None:
        """Queue the undoing of an alert's acknowledgement at its source."""
        alert = self._desk.get(alert_id)
        if alert is None:
            log.info("unacknowledge: no active alert %s", alert_id)
            return
        self._wish(alert, acknowledged=False)

    def retry(self, alert_id: str) -> None:
        """Send a FAILED (held) or waiting acknowledgement again now, with a fresh backoff."""
        with self._lock:
            released = self._ledger.release(self._clock.steady(), alert_id=alert_id)
            self._saved(released)
        self._wake_acks()

    def pending_acks(self) -> list[PendingAck]:
        """Requests not yet confirmed by their source (for status output and tests)."""
        with self._lock:
            return self._ledger.all_pending()

    # -- lifetime (loop) ---------------------------------------------------------------------

    async def start(self) -> None:
        """Start every feed added so far, the feed-down watch and the acknowledgement queue."""
        if self._loop is not None:
            raise RuntimeError("the feed supervisor is already running")
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._ack_wake = asyncio.Event()  # fresh: an Event belongs to the loop it first ran on
        self._watch_wake = asyncio.Event()
        self._forget_gone_alerts()
        self._sync_feeds()
        self._spawn(self._watch(), "feed-down watch")
        self._spawn(self._deliver_acks(), "acknowledgement queue")

    async def stop(self) -> None:
        """Stop every task and close every feed. The acknowledgement queue stays saved."""
        tasks = [r.task for r in self._runs.values() if r.task is not None]
        tasks += [*self._inflight.values(), *self._background]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._closers:  # let replaced and removed feeds finish closing
            await asyncio.gather(*self._closers, return_exceptions=True)
        runs = list(self._runs.values())
        self._runs.clear()
        self._inflight.clear()
        self._inflight_feed.clear()
        self._background.clear()
        for run in runs:
            await self._close(run.feed)
        self._loop = None
        self._loop_thread = None

    # -- the desk's listener (any thread, under the desk's lock) -----------------------------

    def _on_desk_changes(self, changes: Changes) -> None:
        origin = self._origin.value
        if origin is _Origin.SELF:
            return
        touched: list[str] = []
        with self._lock:
            now = self._clock.steady()
            for alert in changes.resolved:
                if self._ledger.knows(alert.id):
                    self._ledger.alert_gone(alert.id)
                    touched.append(alert.id)
            for alert in changes.updated:
                if origin is _Origin.FEED:
                    if not self._ledger.knows(alert.id):
                        continue
                    if alert.status is Status.FIRING and self._ledger.wanted(alert.id):
                        self._ledger.alert_fired_again(alert.id)
                    elif alert.status is Status.ACKNOWLEDGED:
                        self._ledger.source_acknowledged(alert.id)
                    touched.append(alert.id)
                elif alert.status is Status.ACKNOWLEDGED and alert.ack_delivery is AckDelivery.NONE:
                    self._wish_locked(alert, True, now)
                    touched.append(alert.id)
                elif alert.status is Status.FIRING and self._ledger.knows(alert.id):
                    self._wish_locked(alert, False, now)
                    touched.append(alert.id)
            self._saved(touched)
        if touched:
            self._wake_acks()

    def _wish(self, alert: Alert, acknowledged: bool) -> None:
        with self._lock:
            self._wish_locked(alert, acknowledged, self._clock.steady())
            self._saved([alert.id])
        self._wake_acks()

    def _wish_locked(self, alert: Alert, acknowledged: bool, now: datetime) -> None:
        if alert.key.feed_id in LOCAL_ACK_FEEDS:
            return  # the outbox sets LOCAL
        if acknowledged:
            self._ledger.want_acknowledged(alert.id, alert.key.feed_id, now)
        else:
            self._ledger.want_unacknowledged(alert.id, alert.key.feed_id, now)

    def _saved(self, alert_ids: Iterable[str]) -> None:
        """Persist the ledger's state for these alerts and mark their delivery for update.

        Called with the lock held. A store that fails is logged, not fatal: the queue
        keeps working in memory, and the desk reports the store problem to the person.
        """
        for alert_id in alert_ids:
            self._outbox.add(alert_id)
            if self._store is None:
                continue
            pending = self._ledger.pending(alert_id)
            confirmed = self._ledger.confirmed(alert_id)
            try:
                if pending is None:
                    self._store.delete_pending_ack(alert_id)
                else:
                    self._store.save_pending_ack(pending)
                if confirmed is None:
                    self._store.delete_ack_receipt(alert_id)
                else:
                    self._store.save_ack_receipt(confirmed)
            except StoreError as exc:
                self._report_store_problem(str(exc))
            else:
                self._report_store_problem("")

    # -- feed tasks (loop) -------------------------------------------------------------------

    def _sync_feeds(self) -> None:
        """Make the running tasks match the configured feeds (loop thread)."""
        if self._loop is None:
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
        run = _FeedRun(feed, started_at=now, heard_at=self._clock.steady(), state_since=now)
        # A feed-down alert left active by an earlier run resolves when this one connects.
        key = feed_down_key(run.name)
        left = next((a for a in self._desk.active() if a.key == key), None)
        if left is not None:
            run.down_summary = left.summary or "(raised before a restart)"
        self._runs[run.name] = run
        self._emit(run, FeedStatus(run.name, True, "connecting", now, None))
        run.task = self._loop_task(self._run_feed(run), f"feed {run.name}")
        self._watch_wake.set()
        self._ack_wake.set()

    def _restart_run(self, run: _FeedRun, feed: Feed) -> None:
        old = run.feed
        if run.task is not None:
            run.task.cancel()
        self._close_later(run.task, old)
        run.feed = feed
        run.connected = False
        run.task = self._loop_task(self._run_feed(run), f"feed {run.name}")
        with self._lock:
            released = self._ledger.release(self._clock.steady(), feed_id=run.name)
            self._saved(released)
        self._watch_wake.set()
        self._ack_wake.set()

    def _remove_run(self, name: str) -> None:
        run = self._runs.pop(name)
        if run.task is not None:
            run.task.cancel()
        self._close_later(run.task, run.feed)
        with self._feed_changes():
            self._desk.replace_snapshot(name, [], source=name)
        self._resolve_down(run)
        with self._lock:
            dropped = self._ledger.drop_feed(name)
            self._saved(dropped)
            self._statuses.pop(name, None)
        if self._on_removed is not None:
            try:
                self._on_removed(name)
            except Exception:
                log.exception("feed removal listener failed")
        self._watch_wake.set()

    async def _run_feed(self, run: _FeedRun) -> None:
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

    async def _run_polling(self, run: _FeedRun, feed: PollingFeed) -> None:
        streak = self._streak(feed.config)
        while True:
            config = feed.config
            answers_before = run.ack_answers
            try:
                items = await self._bounded(
                    feed.fetch(),
                    self._fetch_timeout_s,
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
                with self._feed_changes():
                    self._desk.replace_snapshot(config.name, items, source=config.name)
                self._contact(run, f"polling every {config.interval_s:g} s")
                delay = config.interval_s
            await self._sleep(delay)

    async def _run_stream(self, run: _FeedRun, feed: StreamFeed) -> None:
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
        self, run: _FeedRun, feed: StreamFeed
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
                with self._feed_changes():
                    self._desk.ingest(name, [item], source=name)
                run.last_contact = self._clock.now()
                run.heard_at = self._clock.steady()
            except Exception:  # a bug must not break the adapter's stream
                log.exception("feed %s: merging an event failed", name)

        error: BaseException | None = None
        task = asyncio.ensure_future(feed.stream(sink, connected))
        try:
            if await self._first_of(task, ready, self._fetch_timeout_s):
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
            await _cancel(task)
            # A replaced run's old task must not mark the new connection as down.
            if run.connected and run.task is asyncio.current_task():
                run.connected = False
                run.last_contact = self._clock.now()
                run.heard_at = self._clock.steady()
                self._watch_wake.set()
        if error is None and connected_at is None:
            error = FeedUnreachableError(f"{name} closed the connection before it was ready")
        return connected_at, error

    # -- feed status and the feed-down alert (loop) ------------------------------------------

    def _contact(self, run: _FeedRun, message: str) -> None:
        now = self._clock.now()
        run.last_contact = now
        run.heard_at = self._clock.steady()
        if run.error:
            log.info("feed %s works again", run.name)
            run.state_since = now
            run.error = ""
            run.logged_error = ""
        self._resolve_down(run)
        self._emit(run, FeedStatus(run.name, True, message, run.state_since, now))
        self._watch_wake.set()

    def _failed(self, run: _FeedRun, error: BaseException | str) -> None:
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
        self._watch_wake.set()

    def _emit(self, run: _FeedRun, status: FeedStatus) -> None:
        with self._lock:
            if self._statuses.get(run.name) == status or run.name not in self._configured:
                return
            self._statuses[run.name] = status
        try:
            self._on_status(status)
        except Exception:
            log.exception("feed status listener failed")

    def _down_limit(self, run: _FeedRun) -> float:
        """Seconds without contact after which the feed is down."""
        config = run.feed.config
        if isinstance(run.feed, StreamFeed):
            return config.stale_after_s
        # Between two polls a healthy feed is silent for up to an interval plus a
        # fetch: a limit below that would call every poll "down".
        return max(config.stale_after_s, config.interval_s + self._fetch_timeout_s)

    def _down_deadline(self, run: _FeedRun) -> datetime | None:
        """When the feed is down, on the steady clock; None while a stream is connected."""
        if run.connected:
            return None
        return run.heard_at + timedelta(seconds=self._down_limit(run))

    def _check_resumed(self) -> None:
        """After the machine slept, give every feed one interval before it can be down.

        Time asleep is not "no contact": the steady clock counted it, the awake clock
        did not, and the difference says how long the machine slept.
        """
        steady, awake = self._clock.steady(), self._clock.awake()
        marks, self._clock_marks = self._clock_marks, (steady, awake)
        if marks is None:
            return
        slept = (steady - marks[0]).total_seconds() - (awake - marks[1])
        if slept < SUSPEND_GAP_S:
            return
        log.info("the machine slept for %.0f s: each feed gets an interval to answer", slept)
        for run in self._runs.values():
            answer_within = run.feed.config.interval_s + self._fetch_timeout_s
            grace = timedelta(seconds=answer_within - self._down_limit(run))
            run.heard_at = max(run.heard_at, steady + grace)

    async def _watch(self) -> None:
        """Raise feed-down alerts when a feed's deadline passes; sleeps until the next one."""
        while True:
            self._watch_wake.clear()
            self._check_resumed()
            now = self._clock.steady()
            soonest: datetime | None = None
            for run in list(self._runs.values()):
                deadline = self._down_deadline(run)
                if deadline is None:
                    continue
                if now >= deadline:
                    self._raise_down(run)
                elif soonest is None or deadline < soonest:
                    soonest = deadline
            delay = None if soonest is None else (soonest - now).total_seconds()
            await self._sleep_or_wake(delay, self._watch_wake)

    def _raise_down(self, run: _FeedRun) -> None:
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
        with self._own_changes():
            self._desk.ingest(SHIFTBELL_FEED_ID, [down], source=SHIFTBELL_SOURCE)

    def _resolve_down(self, run: _FeedRun) -> None:
        if not run.down_summary:
            return
        run.down_summary = ""
        log.info("feed %s is back", run.name)
        gone = Incoming(feed_down_key(run.name).source_id, f"Feed {run.name} is down", firing=False)
        with self._own_changes():
            self._desk.ingest(SHIFTBELL_FEED_ID, [gone], source=SHIFTBELL_SOURCE)

    # -- the acknowledgement queue (loop) ----------------------------------------------------

    async def _deliver_acks(self) -> None:
        """Send what is due, one task per request; sleep until the next is due or news."""
        while True:
            self._ack_wake.clear()
            self._flush_deliveries()
            running = set(self._runs)
            with self._lock:
                due = self._ledger.due(self._clock.steady(), running, self._inflight)
            busy_feeds = Counter(self._inflight_feed.values())
            for pending in due:
                if busy_feeds[pending.feed_id] >= MAX_ACKS_IN_FLIGHT_PER_FEED:
                    continue  # sent when one of that feed's requests finishes
                busy_feeds[pending.feed_id] += 1
                feed = self._runs[pending.feed_id].feed
                self._inflight_feed[pending.alert_id] = pending.feed_id
                self._inflight[pending.alert_id] = self._loop_task(
                    self._attempt(pending, feed), f"acknowledging {pending.alert_id}"
                )
            free = {f for f in running if busy_feeds[f] < MAX_ACKS_IN_FLIGHT_PER_FEED}
            with self._lock:
                next_at = self._ledger.next_due_at(free, self._inflight)
            delay = None
            if next_at is not None:
                delay = max(0.0, (next_at - self._clock.steady()).total_seconds())
            await self._sleep_or_wake(delay, self._ack_wake)

    async def _attempt(self, pending: PendingAck, feed: Feed) -> None:
        name = pending.feed_id
        try:
            alert = self._alert_for(pending.alert_id)
            if alert is None or (pending.kind is AckKind.ACK and not alert.is_active):
                with self._lock:
                    self._ledger.alert_gone(pending.alert_id)
                    self._saved([pending.alert_id])
                return
            reference, local_only = "", False
            try:
                if pending.kind is AckKind.ACK:
                    receipt = await self._bounded(
                        feed.acknowledge(alert),
                        self._ack_timeout_s,
                        f"{name} did not confirm the acknowledgement within "
                        f"{self._ack_timeout_s:g} s",
                    )
                    reference, local_only = receipt.reference, receipt.local_only
                elif isinstance(feed, PollingFeed):
                    await self._bounded(
                        feed.unacknowledge(alert, AckReceipt(pending.receipt_reference)),
                        self._ack_timeout_s,
                        f"{name} did not confirm withdrawing the acknowledgement within "
                        f"{self._ack_timeout_s:g} s",
                    )
                # A stream source has no acknowledgement of its own to withdraw.
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not isinstance(exc, FeedError):
                    log.exception("acknowledging %s at %s failed unexpectedly", alert.id, name)
                with self._lock:
                    self._ledger.failed(pending, exc, self._clock.steady())
                    self._saved([pending.alert_id])
                    after = self._ledger.pending(pending.alert_id)
                if after is not None and after.kind is pending.kind:
                    log.warning(
                        "%s of %s at %s failed (try %d): %s",
                        pending.kind.value,
                        alert.id,
                        name,
                        after.attempts,
                        error_text(exc),
                    )
            else:
                log.info("%s of %s confirmed by %s", pending.kind.value, alert.id, name)
                run = self._runs.get(name)
                if run is not None:
                    run.ack_answers += 1
                with self._lock:
                    self._ledger.succeeded(pending, self._clock.steady(), reference, local_only)
                    self._saved([pending.alert_id])
        finally:
            self._inflight.pop(pending.alert_id, None)
            self._inflight_feed.pop(pending.alert_id, None)
            self._ack_wake.set()

    def _flush_deliveries(self) -> None:
        """Bring the alerts' delivery states in line with the ledger (outside any lock)."""
        with self._lock:
            ids = sorted(self._outbox)
            self._outbox.clear()
        updates: dict[str, list[tuple[str, AckDelivery, str]]] = {}  # by feed
        for alert_id in ids:
            alert = self._desk.get(alert_id)
            if alert is None:
                continue
            target: tuple[AckDelivery, str] | None
            if alert.key.feed_id in LOCAL_ACK_FEEDS:
                acked_here = (alert.status, alert.ack_delivery) == (
                    Status.ACKNOWLEDGED,
                    AckDelivery.NONE,
                )
                target = (AckDelivery.LOCAL, "") if acked_here else None
            else:
                with self._lock:
                    target = self._ledger.delivery(alert_id, alert.status)
            if target is None or (alert.ack_delivery, alert.ack_error) == target:
                continue
            updates.setdefault(alert.key.feed_id, []).append((alert_id, *target))
        for feed_id, batch in updates.items():
            # One save per feed: `ack --all` on thousands must not mean thousands of commits.
            with self._own_changes():
                self._desk.set_ack_deliveries(batch, via=feed_id)

    def _alert_for(self, alert_id: str) -> Alert | None:
        alert = self._desk.get(alert_id)
        if alert is not None or self._store is None:
            return alert
        try:
            # Resolved meanwhile: withdrawing its acknowledgement still needs its details.
            return self._store.get(alert_id)
        except StoreError as exc:
            self._report_store_problem(str(exc))
            return None

    def _forget_gone_alerts(self) -> None:
        """At start: what was queued for alerts no longer active is moot (ACKs) or kept."""
        with self._lock:
            ids = self._ledger.alert_ids()
        active = {a.id for a in self._desk.active()}
        with self._lock:
            gone = [i for i in ids if i not in active]
            for alert_id in gone:
                self._ledger.alert_gone(alert_id)
            self._saved(gone)
            self._outbox.update(ids)

    # -- helpers -----------------------------------------------------------------------------

    def _load_queue(self) -> tuple[list[PendingAck], list[ConfirmedAck]]:
        if self._store is None:
            return [], []
        try:
            return self._store.load_pending_acks(), self._store.load_ack_receipts()
        except StoreError as exc:
            log.error("cannot read the acknowledgement queue: %s", exc)
            return [], []

    def _report_store_problem(self, message: str) -> None:
        if message == self._store_problem:
            return
        self._store_problem = message
        if message:
            log.error("cannot save the acknowledgement queue: %s", message)
        else:
            log.info("saving the acknowledgement queue works again")

    @contextmanager
    def _feed_changes(self) -> Iterator[None]:
        with self._marked(_Origin.FEED):
            yield

    @contextmanager
    def _own_changes(self) -> Iterator[None]:
        with self._marked(_Origin.SELF):
            yield

    @contextmanager
    def _marked(self, origin: _Origin) -> Iterator[None]:
        previous = self._origin.value
        self._origin.value = origin
        try:
            yield
        finally:
            self._origin.value = previous

    def _on_loop(self, action: Callable[[], None]) -> None:
        """Run `action` on the loop thread: now if on it, queued if not, at start if stopped."""
        loop = self._loop
        if loop is None:
            return
        if threading.get_ident() == self._loop_thread:
            action()
        else:
            loop.call_soon_threadsafe(action)

    def _wake_acks(self) -> None:
        self._on_loop(self._ack_wake.set)

    def _loop_task(self, coro: Coroutine[Any, Any, None], name: str) -> asyncio.Task[None]:
        return asyncio.get_running_loop().create_task(coro, name=f"shiftbell: {name}")

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = self._loop_task(coro, name)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def _close_later(self, task: asyncio.Task[None] | None, feed: Feed) -> None:
        closer = self._loop_task(self._close_after(task, feed), f"closing {feed.config.name}")
        self._closers.add(closer)
        closer.add_done_callback(self._closers.discard)

    async def _close_after(self, task: asyncio.Task[None] | None, feed: Feed) -> None:
        if task is not None:
            await _cancel(task)
        await self._close(feed)

    async def _close(self, feed: Feed) -> None:
        try:
            await asyncio.wait_for(feed.close(), CANCEL_GRACE_S)
        except Exception as exc:  # closing is best effort; the feed is gone either way
            log.warning("closing feed %s failed: %s", feed.config.name, error_text(exc))

    async def _bounded(self, call: Awaitable[T], seconds: float, timeout_message: str) -> T:
        """Await an adapter call for at most `seconds` (through the injected sleep)."""
        task = asyncio.ensure_future(call)
        timer = asyncio.ensure_future(self._sleep(seconds))
        try:
            await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            if not task.done():
                await _cancel(task)
        if task.cancelled():
            raise FeedUnreachableError(timeout_message)
        return task.result()

    async def _first_of(
        self, task: asyncio.Task[None], ready: asyncio.Event, seconds: float
    ) -> bool:
        """Wait until `ready` is set or `task` ends (True), or `seconds` pass (False)."""
        waiter = asyncio.ensure_future(ready.wait())
        timer = asyncio.ensure_future(self._sleep(seconds))
        try:
            await asyncio.wait({task, waiter, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            timer.cancel()
        return ready.is_set() or task.done()

    async def _sleep_or_wake(self, seconds: float | None, wake: asyncio.Event) -> None:
        waiter = asyncio.ensure_future(wake.wait())
        waits: set[asyncio.Future[Any]] = {waiter}
        if seconds is not None:
            waits.add(asyncio.ensure_future(self._sleep(seconds)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()


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


async def _cancel(task: asyncio.Future[T]) -> None:
    """Cancel and give the task a moment to clean up; never raises its outcome."""
    if not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=CANCEL_GRACE_S)
    if task.done() and not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it as never retrieved


def _utc_text(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
