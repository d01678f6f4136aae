"""AckSender: carries the person's acknowledgements to the alerts' sources, until they confirm.

It follows the desk. When the person acknowledges an alert (tray, window, notification,
`shiftbell ack`: every path goes through `AlertDesk.acknowledge`), the desk's listener sees it
firing -> acknowledged with delivery NONE and queues it for the source; un-acknowledging
queues the undo. No caller has to remember to tell it. Changes the feed runner makes to the
desk (a fetch saying an alert is acknowledged at the source) and the sender's own (a delivery
state, a feed-down alert) are told apart by a thread-local marker set around those desk calls
(`feed_changes`, `own_changes`), so an alert acknowledged at the source is never
"acknowledged back" and setting SENDING cannot loop.

The queue (core/acks.py AckLedger) is saved to the store on every change, from inside the
desk's listener, so an acknowledgement is durable the moment the person clicks; it survives a
restart and is retried until the source confirms. Alerts of Shiftbell's own feeds (the local
receiver, Alertmanager's webhook, feed-down alerts) have no source to tell: they are LOCAL at
once. A source that refuses for good (401/403, other 4xx) marks the alert FAILED with its
reason and is not retried until the person retries or the feed's settings change
(`release_feed`).

Threads: `acknowledge`, `unacknowledge`, `retry`, `release_feed`, `drop_feed` and the readers
may be called from any thread; `run` and `stop` run on the loop.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import KW_ONLY, InitVar, dataclass, replace
from datetime import datetime
from typing import Protocol

from shiftbell.core.acks import AckKind, AckLedger, ConfirmedAck, PendingAck, error_text
from shiftbell.core.alert import AckDelivery, AckInfo, Alert, Status
from shiftbell.core.backoff import Backoff
from shiftbell.core.board import Changes
from shiftbell.core.clock import Clock
from shiftbell.core.errors import FeedConfigError, FeedError, StoreError
from shiftbell.receiver.address import LOCAL_FEED_ID, WEBHOOK_FEED_ID
from shiftbell.runtime.desk import AlertDesk
from shiftbell.runtime.waiting import LoopHome, Sleep, bounded, loop_task, sleep_or_wake
from shiftbell.sources.feed import AckReceipt, Feed, PollingFeed, ResolvingFeed
from shiftbell.system.problem_log import ProblemLog

log = logging.getLogger(__name__)

SHIFTBELL_FEED_ID = "shiftbell"  # Shiftbell's own alerts about itself ("Feed X is down")
# Feeds whose alerts have no source to acknowledge at: Shiftbell is the source.
LOCAL_ACK_FEEDS = frozenset({LOCAL_FEED_ID, WEBHOOK_FEED_ID, SHIFTBELL_FEED_ID})
DEFAULT_ACK_TIMEOUT_S = 30.0
# "Acknowledge all" on a busy night must not become a burst that trips a rate limit.
MAX_ACKS_IN_FLIGHT_PER_FEED = 4


class AckQueueStore(Protocol):
    """What the sender needs from the store (store/alert_store.py AlertStore)."""

    def load_pending_acks(self) -> list[PendingAck]: ...
    def save_pending_ack(self, pending: PendingAck) -> None: ...
    def delete_pending_ack(self, alert_id: str) -> None: ...
    def load_ack_receipts(self) -> list[ConfirmedAck]: ...
    def save_ack_receipt(self, receipt: ConfirmedAck) -> None: ...
    def delete_ack_receipt(self, alert_id: str) -> None: ...
    def get(self, alert_id: str) -> Alert | None: ...


class _Origin(enum.Enum):
    FEED = "feed"  # merging what a source reported
    SELF = "self"  # Shiftbell's own bookkeeping (delivery states, feed-down alerts)


class _OriginMarker(threading.local):
    def __init__(self) -> None:
        self.value: _Origin | None = None


@dataclass(eq=False)
class AckSender:
    """The acknowledgement queue and its delivery; see the module docstring.

    Args:
        desk: whose acknowledgements are followed, and where delivery states go.
        clock: backoff deadlines read its steady clock.
        store: where the queue is kept; None keeps it in memory.
        backoff: the retry policy.
        running: the feeds running now, by name (the feed runner's); a request waits
            while its feed is not running.
        on_confirmed: told the feed's name when its source confirmed a request, so the
            runner can tell a poll answered before the confirmation from one after it.
        sleep: how to wait; tests pass a virtual-time sleep.
        ack_timeout_s: bound on one acknowledge / unacknowledge call.
    """

    desk: AlertDesk
    clock: Clock
    store: AckQueueStore | None
    _: KW_ONLY
    backoff: InitVar[Backoff]
    running: Callable[[], Mapping[str, Feed]]
    on_confirmed: Callable[[str], None]
    sleep: Sleep
    ack_timeout_s: float = DEFAULT_ACK_TIMEOUT_S

    def __post_init__(self, backoff: Backoff) -> None:
        # Guards the ledger and the outbox. Lock order: desk, then this, then store.
        self._lock = threading.Lock()
        self._outbox: set[str] = set()  # alert ids whose delivery state may need an update
        self._store_problem = ProblemLog(
            log,
            "cannot save the acknowledgement queue",
            "saving the acknowledgement queue works again",
        )
        pending, receipts = self._load_queue()
        self._ledger = AckLedger(backoff, pending, receipts)
        self._outbox.update(self._ledger.alert_ids())
        # Loop-thread state.
        self._home = LoopHome()
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._inflight_feed: dict[str, str] = {}  # alert id -> feed name, of _inflight
        self._wake = asyncio.Event()
        self._origin = _OriginMarker()
        self.desk.subscribe(self._on_desk_changes)

    # -- any thread --------------------------------------------------------------------------

    def acknowledge(self, alert_id: str) -> None:
        """Queue the acknowledgement of an alert the desk has acknowledged.

        Not needed after `AlertDesk.acknowledge` (followed automatically); harmless twice.
        """
        self._wish_for(alert_id, acknowledged=True)

    def unacknowledge(self, alert_id: str) -> None:
        """Queue the undoing of an alert's acknowledgement at its source."""
        self._wish_for(alert_id, acknowledged=False)

    def _wish_for(self, alert_id: str, *, acknowledged: bool) -> None:
        alert = self.desk.get(alert_id)
        if alert is None:
            what = "acknowledge" if acknowledged else "unacknowledge"
            log.info("%s: no active alert %s", what, alert_id)
            return
        self._wish(alert, acknowledged=acknowledged)

    def retry(self, alert_id: str) -> None:
        """Send a FAILED (held) or waiting acknowledgement again now, with a fresh backoff."""
        with self._lock:
            released = self._ledger.release(self.clock.steady(), alert_id=alert_id)
            self._saved(released)
        self.wake()

    def release_feed(self, feed_id: str) -> None:
        """A feed got new settings (a fixed token, say): its held requests go again."""
        with self._lock:
            released = self._ledger.release(self.clock.steady(), feed_id=feed_id)
            self._saved(released)
        self.wake()

    def drop_feed(self, feed_id: str) -> None:
        """A feed was removed: its requests have no source left to go to."""
        with self._lock:
            dropped = self._ledger.drop_feed(feed_id)
            self._saved(dropped)

    def pending_acks(self) -> list[PendingAck]:
        """Requests not yet confirmed by their source (for status output and tests)."""
        with self._lock:
            return self._ledger.all_pending()

    def wake(self) -> None:
        """Look at the queue again now (a feed started, a request changed)."""
        self._home.call(self._wake.set)

    @contextmanager
    def feed_changes(self) -> Iterator[None]:
        """Around the desk calls that merge what a source reported."""
        with self._marked(_Origin.FEED):
            yield

    @contextmanager
    def own_changes(self) -> Iterator[None]:
        """Around the desk calls of Shiftbell's own bookkeeping, which the queue ignores."""
        with self._marked(_Origin.SELF):
            yield

    # -- loop --------------------------------------------------------------------------------

    def start(self) -> None:
        """Take the running loop as this sender's, and drop what is moot since last time."""
        self._home.attach()
        self._wake = asyncio.Event()  # fresh: an Event belongs to the loop it first ran on
        self._forget_gone_alerts()

    async def run(self) -> None:
        """Send what is due, one task per request; sleep until the next is due or news."""
        try:
            while True:
                self._wake.clear()
                self._send_due()
                delay = self._until_next_due()
                await sleep_or_wake(delay, self._wake, self.sleep)
        finally:
            self._home.detach()

    async def stop(self) -> None:
        """Cancel the requests in flight; the queue stays saved."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._inflight.clear()
        self._inflight_feed.clear()

    def _send_due(self) -> None:
        self._flush_deliveries()
        running = self.running()
        with self._lock:
            due = self._ledger.due(self.clock.steady(), set(running), self._inflight)
        busy_feeds = Counter(self._inflight_feed.values())
        for pending in due:
            if busy_feeds[pending.feed_id] >= MAX_ACKS_IN_FLIGHT_PER_FEED:
                continue  # sent when one of that feed's requests finishes
            busy_feeds[pending.feed_id] += 1
            self._inflight_feed[pending.alert_id] = pending.feed_id
            self._inflight[pending.alert_id] = loop_task(
                self._attempt(pending, running[pending.feed_id]),
                f"acknowledging {pending.alert_id}",
            )

    def _until_next_due(self) -> float | None:
        busy_feeds = Counter(self._inflight_feed.values())
        free = {f for f in self.running() if busy_feeds[f] < MAX_ACKS_IN_FLIGHT_PER_FEED}
        with self._lock:
            next_at = self._ledger.next_due_at(free, self._inflight)
        if next_at is None:
            return None
        return max(0.0, (next_at - self.clock.steady()).total_seconds())

    async def _attempt(self, pending: PendingAck, feed: Feed) -> None:
        name = pending.feed_id
        try:
            alert = self._alert_for(pending.alert_id)
            if alert is None or (pending.kind is AckKind.ACK and not alert.is_active):
                with self._lock:
                    self._ledger.alert_gone(pending.alert_id)
                    self._saved([pending.alert_id])
                return
            try:
                reference, local_only = await self._send(pending, alert, feed)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._failed(pending, alert, exc)
            else:
                log.info("%s of %s confirmed by %s", pending.kind.value, alert.id, name)
                self.on_confirmed(name)
                with self._lock:
                    self._ledger.succeeded(pending, self.clock.steady(), reference, local_only)
                    self._saved([pending.alert_id])
        finally:
            self._inflight.pop(pending.alert_id, None)
            self._inflight_feed.pop(pending.alert_id, None)
            self._wake.set()

    async def _send(self, pending: PendingAck, alert: Alert, feed: Feed) -> tuple[str, bool]:
        """One request to the source: (the receipt's reference, acknowledged here only)."""
        name = pending.feed_id
        if pending.kind is AckKind.ACK:
            if pending.comment or pending.silence_until is not None:
                # The source reads the person's comment and length where it reads who
                # acknowledged (core.alert.AckInfo).
                own = AckInfo(comment=pending.comment, until=pending.silence_until)
                alert = replace(alert, ack_info=own)
            receipt = await bounded(
                feed.acknowledge(alert),
                self.ack_timeout_s,
                self.sleep,
                f"{name} did not confirm the acknowledgement within {self.ack_timeout_s:g} s",
            )
            return receipt.reference, receipt.local_only
        if pending.kind is AckKind.RESOLVE:
            if not isinstance(feed, ResolvingFeed):
                raise FeedConfigError(f"{name} cannot resolve an alert at its source")
            await bounded(
                feed.resolve(replace(alert, ack_info=AckInfo(comment=pending.comment))),
                self.ack_timeout_s,
                self.sleep,
                f"{name} did not confirm resolving it within {self.ack_timeout_s:g} s",
            )
            return "", False
        if isinstance(feed, PollingFeed):
            await bounded(
                feed.unacknowledge(alert, AckReceipt(pending.receipt_reference)),
                self.ack_timeout_s,
                self.sleep,
                f"{name} did not confirm withdrawing the acknowledgement within "
                f"{self.ack_timeout_s:g} s",
            )
        # A stream source has no acknowledgement of its own to withdraw.
        return "", False

    def _failed(self, pending: PendingAck, alert: Alert, exc: Exception) -> None:
        name = pending.feed_id
        if not isinstance(exc, FeedError):
            log.exception("acknowledging %s at %s failed unexpectedly", alert.id, name)
        with self._lock:
            self._ledger.failed(pending, exc, self.clock.steady())
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

    # -- the desk's listener (any thread, under the desk's lock) -----------------------------

    def _on_desk_changes(self, changes: Changes) -> None:
        origin = self._origin.value
        if origin is _Origin.SELF:
            return
        touched: list[str] = []
        with self._lock:
            now = self.clock.steady()
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
            self.wake()

    def _wish(self, alert: Alert, acknowledged: bool) -> None:
        with self._lock:
            self._wish_locked(alert, acknowledged, self.clock.steady())
            self._saved([alert.id])
        self.wake()

    def _wish_locked(self, alert: Alert, acknowledged: bool, now: datetime) -> None:
        if alert.key.feed_id in LOCAL_ACK_FEEDS:
            return  # the outbox sets LOCAL
        if acknowledged:
            info = alert.ack_info
            # Only the person's own words (no author yet), not what the source said last.
            own = info if info is not None and not info.by else AckInfo()
            if own.resolve:
                self._ledger.want_resolved(alert.id, alert.key.feed_id, now, own.comment)
            else:
                self._ledger.want_acknowledged(
                    alert.id, alert.key.feed_id, now, own.comment, own.until
                )
        else:
            self._ledger.want_unacknowledged(alert.id, alert.key.feed_id, now)

    def _saved(self, alert_ids: Iterable[str]) -> None:
        """Persist the ledger's state for these alerts and mark their delivery for update.

        Called with the lock held. A store that fails is logged, not fatal: the queue
        keeps working in memory, and the desk reports the store problem to the person.
        """
        for alert_id in alert_ids:
            self._outbox.add(alert_id)
            if self.store is None:
                continue
            pending = self._ledger.pending(alert_id)
            confirmed = self._ledger.confirmed(alert_id)
            try:
                if pending is None:
                    self.store.delete_pending_ack(alert_id)
                else:
                    self.store.save_pending_ack(pending)
                if confirmed is None:
                    self.store.delete_ack_receipt(alert_id)
                else:
                    self.store.save_ack_receipt(confirmed)
            except StoreError as exc:
                self._store_problem.set(str(exc))
            else:
                self._store_problem.set("")

    # -- delivery states ---------------------------------------------------------------------

    def _flush_deliveries(self) -> None:
        """Bring the alerts' delivery states in line with the ledger (outside any lock)."""
        with self._lock:
            ids = sorted(self._outbox)
            self._outbox.clear()
        updates: dict[str, list[tuple[str, AckDelivery, str]]] = {}  # by feed
        for alert_id in ids:
            alert = self.desk.get(alert_id)
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
            with self.own_changes():
                self.desk.set_ack_deliveries(batch, via=feed_id)

    def _alert_for(self, alert_id: str) -> Alert | None:
        alert = self.desk.get(alert_id)
        if alert is not None or self.store is None:
            return alert
        try:
            # Resolved meanwhile: withdrawing its acknowledgement still needs its details.
            return self.store.get(alert_id)
        except StoreError as exc:
            self._store_problem.set(str(exc))
            return None

    def _forget_gone_alerts(self) -> None:
        """At start: what was queued for alerts no longer active is moot (ACKs) or kept."""
        with self._lock:
            ids = self._ledger.alert_ids()
        active = {a.id for a in self.desk.active()}
        with self._lock:
            gone = [i for i in ids if i not in active]
            for alert_id in gone:
                self._ledger.alert_gone(alert_id)
            self._saved(gone)
            self._outbox.update(ids)

    def _load_queue(self) -> tuple[list[PendingAck], list[ConfirmedAck]]:
        if self.store is None:
            return [], []
        try:
            return self.store.load_pending_acks(), self.store.load_ack_receipts()
        except StoreError as exc:
            log.error("cannot read the acknowledgement queue: %s", exc)
            return [], []

    @contextmanager
    def _marked(self, origin: _Origin) -> Iterator[None]:
        previous = self._origin.value
        self._origin.value = origin
        try:
            yield
        finally:
            self._origin.value = previous
