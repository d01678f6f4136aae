"""FeedSupervisor: many feeds at once, backoff, feed-down alerts, acknowledgements.

The feeds here are small in-test doubles of the adapters (the subject is the
supervisor); the desk, the store and the clock are real. Waiting goes through
`VirtualTime`: every sleep the supervisor makes ends when the test moves the fake
clock past it, so minutes of backoff take microseconds and nothing depends on
how fast the machine is. Outcomes are awaited as conditions with a deadline.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.helpers.virtual_time import VirtualTime, settle, until

from shiftbell.core.acks import AckKind
from shiftbell.core.alert import AckDelivery, Alert, Incoming, Severity, Status
from shiftbell.core.backoff import Backoff
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedRateLimitedError,
    FeedUnreachableError,
)
from shiftbell.core.feed_status import FeedStatus
from shiftbell.runtime.desk import AlertDesk
from shiftbell.runtime.feed_runner import SHIFTBELL_FEED_ID, FeedSupervisor, feed_down_key
from shiftbell.sources.feed import AckReceipt, EventSink, FeedConfig
from shiftbell.store.alert_store import AlertStore

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NEVER = object()


# -- harness ---------------------------------------------------------------------------------


class PollingDouble:
    """A PollingFeed adapter double: scripted fetch and acknowledge outcomes, calls recorded."""

    def __init__(
        self,
        clock: FakeClock,
        name: str = "prod",
        *,
        interval_s: float = 15.0,
        stale_after_s: float = 120.0,
    ) -> None:
        self.config = FeedConfig(
            name,
            "alertmanager",
            "http://127.0.0.1:9093",
            interval_s=interval_s,
            stale_after_s=stale_after_s,
        )
        self.clock = clock
        self.alerts: list[Incoming] | BaseException = []
        self.hang = False
        self.gate: asyncio.Event | None = None
        self.fetched_at: list[datetime] = []
        self.ack_outcome: AckReceipt | BaseException = AckReceipt("silence-1")
        self.acked: list[tuple[datetime, str]] = []
        self.ack_labels: list[tuple[tuple[str, str], ...]] = []
        self.unacked: list[tuple[str, str]] = []
        self.ack_hangs = False
        self.acks_at_once = 0
        self.most_acks_at_once = 0
        self.closed = False

    async def fetch(self) -> list[Incoming]:
        self.fetched_at.append(self.clock.now())
        answer = self.alerts  # the source's state when it served the request
        if self.hang:
            await asyncio.Event().wait()
        if self.gate is not None:
            gate, self.gate = self.gate, None
            await gate.wait()
        if isinstance(answer, BaseException):
            raise answer
        return list(answer)

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        self.acked.append((self.clock.now(), alert.id))
        self.ack_labels.append(alert.labels)
        self.acks_at_once += 1
        self.most_acks_at_once = max(self.most_acks_at_once, self.acks_at_once)
        try:
            if self.ack_hangs:
                await asyncio.Event().wait()
            await asyncio.sleep(0)  # a moment on the wire, so requests can overlap
            if isinstance(self.ack_outcome, BaseException):
                raise self.ack_outcome
            return self.ack_outcome
        finally:
            self.acks_at_once -= 1

    async def unacknowledge(self, alert: Alert, receipt: AckReceipt) -> None:
        self.unacked.append((alert.id, receipt.reference))

    async def test(self) -> str:
        return "ok"

    async def close(self) -> None:
        self.closed = True


class StreamDouble:
    """A StreamFeed adapter double: the test pushes events, errors or a clean close."""

    def __init__(self, clock: FakeClock, name: str = "push") -> None:
        self.config = FeedConfig(name, "ntfy", "http://127.0.0.1:8080")
        self.clock = clock
        self.connected_at: list[datetime] = []
        self.refuse: BaseException | None = None
        self.events: asyncio.Queue[Incoming | BaseException | None] = asyncio.Queue()
        self.closed = False

    async def stream(self, sink: EventSink, connected: Callable[[], None]) -> None:
        self.connected_at.append(self.clock.now())
        if self.refuse is not None:
            raise self.refuse
        connected()
        while True:
            event = await self.events.get()
            if event is None:
                return
            if isinstance(event, BaseException):
                raise event
            sink(event)

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        return AckReceipt(local_only=True)

    async def test(self) -> str:
        return "ok"

    async def close(self) -> None:
        self.closed = True


class Rig:
    """A real desk (optionally on a real store), a fake clock, and a supervisor on virtual time."""

    def __init__(self, store: AlertStore | None = None, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock(T0)
        self.time = VirtualTime(self.clock)
        self.store = store
        self.desk = AlertDesk(self.clock, store)
        self.statuses: list[FeedStatus] = []
        self.removed: list[str] = []
        self.supervisor = FeedSupervisor(
            self.desk,
            self.clock,
            store,
            on_status=self.statuses.append,
            on_removed=self.removed.append,
            # Every jitter draws the ceiling: the backoff schedule is exact (2, 4, 8 ... s).
            backoff=Backoff(base_s=2, cap_s=300, rng=lambda: 1.0),
            sleep=self.time.sleep,
        )

    def status(self, name: str) -> FeedStatus:
        return next(s for s in reversed(self.statuses) if s.name == name)

    def alerts(self, feed_id: str) -> list[Alert]:
        return [a for a in self.desk.active() if a.key.feed_id == feed_id]

    def alert(self, alert_id: str) -> Alert:
        alert = self.desk.get(alert_id)
        assert alert is not None, f"no active alert {alert_id}"
        return alert


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(test())  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "shiftbell.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[AlertStore]:
    opened = AlertStore.open(db_path)
    yield opened
    opened.close()


def disk(source_id: str = "disk", **fields: object) -> Incoming:
    values: dict[str, object] = {
        "title": "Disk full",
        "severity": Severity.CRITICAL,
        "labels": (("alertname", "DiskFull"), ("instance", "db1")),
    }
    values.update(fields)
    return Incoming(source_id, **values)  # type: ignore[arg-type]


# -- polling ---------------------------------------------------------------------------------


def test_polling_merges_each_snapshot_and_resolves_what_left_it() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock)
        feed.alerts = [disk("disk"), disk("cpu", title="CPU hot", severity=Severity.WARNING)]
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await until(lambda: len(rig.alerts("prod")) == 2, "the first snapshot")
        assert {a.source for a in rig.alerts("prod")} == {"prod"}
        assert rig.status("prod") == FeedStatus("prod", True, "polling every 15 s", T0, T0)

        feed.alerts = [disk("disk")]
        await rig.time.advance(15)
        await until(lambda: len(rig.alerts("prod")) == 1, "cpu resolved")
        assert [a.key.source_id for a in rig.alerts("prod")] == ["disk"]
        assert feed.fetched_at == [T0, T0 + timedelta(seconds=15)]
        assert rig.status("prod").last_contact == T0 + timedelta(seconds=15)
        assert rig.status("prod").since == T0  # ok all along
        await rig.supervisor.stop()
        assert feed.closed

    run(scenario)


def test_errors_back_off_honour_retry_after_and_report_since_when() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock, stale_after_s=3600)
        feed.alerts = FeedUnreachableError("cannot reach Alertmanager at http://am (prod)")
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await until(lambda: not rig.status("prod").ok, "the error status")
        assert rig.status("prod") == FeedStatus(
            "prod", False, "cannot reach Alertmanager at http://am (prod)", T0, None
        )
        await rig.time.advance(14)
        # Capped exponential backoff: 2, 4, 8 s after the failures at 0, 2, 6 s.
        assert [(t - T0).total_seconds() for t in feed.fetched_at] == [0, 2, 6, 14]

        feed.alerts = FeedRateLimitedError("Alertmanager rate limit reached (prod)", 90)
        await rig.time.advance(16)  # the fifth try, 16 s after the fourth: rate limited
        assert feed.fetched_at[-1] == T0 + timedelta(seconds=30)
        await rig.time.advance(89)
        assert len(feed.fetched_at) == 5  # waiting the 90 s the server asked for
        assert rig.status("prod").message == "Alertmanager rate limit reached (prod)"
        assert rig.status("prod").since == T0  # still the same outage
        feed.alerts = [disk()]
        await rig.time.advance(1)
        await until(lambda: rig.status("prod").ok, "recovery")
        recovered = T0 + timedelta(seconds=120)
        assert feed.fetched_at[-1] == recovered
        assert rig.status("prod") == FeedStatus(
            "prod", True, "polling every 15 s", recovered, recovered
        )
        # After a success the ordinary interval applies again, not the backoff.
        await rig.time.advance(15)
        assert feed.fetched_at[-1] == recovered + timedelta(seconds=15)
        await rig.supervisor.stop()

    run(scenario)


def test_a_feed_down_longer_than_its_limit_raises_an_alert_that_resolves_on_recovery() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock, stale_after_s=120)
        feed.alerts = FeedUnreachableError("cannot reach Alertmanager (prod): refused")
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await rig.time.advance(119)
        assert rig.alerts(SHIFTBELL_FEED_ID) == []
        await rig.time.advance(1)
        await until(lambda: bool(rig.alerts(SHIFTBELL_FEED_ID)), "the feed-down alert")
        [down] = rig.alerts(SHIFTBELL_FEED_ID)
        assert down.key == feed_down_key("prod")
        assert (down.title, down.severity, down.source) == (
            "Feed prod is down",
            Severity.CRITICAL,
            "Shiftbell",
        )
        assert "cannot reach Alertmanager (prod): refused" in down.summary
        assert "since it started at 2026-03-01 09:00:00 UTC" in down.summary

        feed.alerts = [disk()]
        await rig.time.advance(300)  # the next retry falls within the capped backoff
        await until(lambda: rig.alerts(SHIFTBELL_FEED_ID) == [], "the feed-down alert resolved")
        assert rig.status("prod").ok
        assert [a.id for a in rig.desk.active()] == [rig.alerts("prod")[0].id]

        # Down again after having worked: the summary names the last contact.
        last_contact = rig.status("prod").last_contact
        assert last_contact is not None
        feed.alerts = FeedUnreachableError("Alertmanager server error 502 (prod)")
        await rig.time.advance(15 + 120)
        await until(lambda: bool(rig.alerts(SHIFTBELL_FEED_ID)), "down again")
        summary = rig.alerts(SHIFTBELL_FEED_ID)[0].summary
        assert "502" in summary
        assert f"since {last_contact.strftime('%Y-%m-%d %H:%M:%S')} UTC" in summary
        await rig.supervisor.stop()

    run(scenario)


def test_a_hanging_feed_does_not_delay_another_and_times_out_by_itself() -> None:
    async def scenario() -> None:
        rig = Rig()
        slow = PollingDouble(rig.clock, "slow")
        slow.hang = True
        fast = PollingDouble(rig.clock, "fast")
        fast.alerts = [disk()]
        rig.supervisor.add(slow)
        rig.supervisor.add(fast)
        await rig.supervisor.start()
        await until(lambda: len(rig.alerts("fast")) == 1, "the fast feed's alert")
        for _ in range(4):
            await rig.time.advance(15)
        # The fast feed kept its rhythm while the slow one hung.
        assert [(t - T0).total_seconds() for t in fast.fetched_at] == [0, 15, 30, 45, 60]
        assert rig.status("fast").ok
        # The slow fetch was given up after the 30 s fetch timeout and retried.
        assert rig.status("slow") == FeedStatus(
            "slow", False, "slow did not answer within 30 s", T0 + timedelta(seconds=30), None
        )
        assert [(t - T0).total_seconds() for t in slow.fetched_at] == [0, 32]
        await rig.supervisor.stop()

    run(scenario)


# -- streams ---------------------------------------------------------------------------------


def test_a_stream_merges_events_and_reconnects_with_backoff() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = StreamDouble(rig.clock)
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await until(lambda: rig.status("push").message == "connected", "connected")
        feed.events.put_nowait(disk("m1", title="Backup failed"))
        await until(lambda: len(rig.alerts("push")) == 1, "the event")
        assert rig.alerts("push")[0].title == "Backup failed"

        feed.events.put_nowait(FeedUnreachableError("ntfy stream broke (push)"))
        await until(lambda: not rig.status("push").ok, "the broken stream")
        assert rig.status("push").message == "ntfy stream broke (push)"
        feed.refuse = FeedUnreachableError("cannot reach ntfy (push)")
        await rig.time.advance(2 + 4)
        # Reconnects after 2 s, refused, again after 4 s more.
        assert [(t - T0).total_seconds() for t in feed.connected_at] == [0, 2, 6]
        feed.refuse = None
        await rig.time.advance(8)
        await until(lambda: rig.status("push").ok, "reconnected")
        assert feed.connected_at[-1] == T0 + timedelta(seconds=14)
        feed.events.put_nowait(disk("m2", title="Cert expires"))
        await until(lambda: len(rig.alerts("push")) == 2, "an event after reconnecting")

        # A clean close after a long healthy connection: reconnect soon, backoff reset.
        await rig.time.advance(600)
        feed.events.put_nowait(None)
        await rig.time.advance(2)
        assert feed.connected_at[-1] == T0 + timedelta(seconds=616)
        assert rig.status("push").ok
        # Connected the whole time: no feed-down alert despite 10 quiet minutes.
        assert rig.alerts(SHIFTBELL_FEED_ID) == []
        await rig.supervisor.stop()
        assert feed.closed

    run(scenario)


def test_a_stream_that_stays_disconnected_raises_the_feed_down_alert() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = StreamDouble(rig.clock)
        feed.refuse = FeedAuthError("ntfy rejected the token (401) (push)")
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await rig.time.advance(121)
        await until(lambda: bool(rig.alerts(SHIFTBELL_FEED_ID)), "the feed-down alert")
        assert "rejected the token" in rig.alerts(SHIFTBELL_FEED_ID)[0].summary
        await rig.supervisor.stop()

    run(scenario)


# -- acknowledgements ------------------------------------------------------------------------


def test_an_ack_queued_while_the_source_is_down_is_retried_until_confirmed(
    store: AlertStore,
) -> None:
    async def scenario() -> None:
        rig = Rig(store)
        feed = PollingDouble(rig.clock, stale_after_s=3600)
        feed.alerts = [disk()]
        feed.ack_outcome = FeedUnreachableError("cannot reach Alertmanager (prod)")
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await until(lambda: len(rig.alerts("prod")) == 1, "the alert")
        alert_id = rig.alerts("prod")[0].id
        # The person clicks on the UI thread; the supervisor follows the desk.
        await asyncio.to_thread(rig.desk.acknowledge, alert_id, "tray")
        await until(lambda: rig.alert(alert_id).ack_error != "", "the first failed try")
        acked = rig.alert(alert_id)
        assert (acked.status, acked.ack_delivery) == (Status.ACKNOWLEDGED, AckDelivery.SENDING)
        assert acked.ack_error == "cannot reach Alertmanager (prod)"
        assert [p.kind for p in store.load_pending_acks()] == [AckKind.ACK]

        await rig.time.advance(14)
        assert [(t - T0).total_seconds() for t, _ in feed.acked] == [0, 2, 6, 14]
        # The source is back, and from now on reports the alert as acknowledged.
        feed.ack_outcome = AckReceipt("silence-42")
        feed.alerts = [disk(acknowledged=True)]
        await rig.time.advance(16)
        await until(lambda: rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED, "confirmed")
        assert rig.alert(alert_id).ack_error == ""
        assert feed.ack_labels[-1] == (("alertname", "DiskFull"), ("instance", "db1"))
        assert store.load_pending_acks() == []
        assert [r.reference for r in store.load_ack_receipts()] == ["silence-42"]
        assert rig.supervisor.pending_acks() == []
        await rig.time.advance(15)
        assert rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED
        assert len(feed.acked) == 5

        # Un-acknowledge: the silence is deleted by its id.
        rig.desk.unacknowledge(alert_id, "window")
        await until(lambda: feed.unacked == [(alert_id, "silence-42")], "the undo")
        await until(lambda: store.load_ack_receipts() == [], "the receipt forgotten")
        assert rig.alert(alert_id).ack_delivery is AckDelivery.NONE
        await rig.supervisor.stop()

    run(scenario)


def test_a_permanent_refusal_is_failed_with_its_reason_until_the_settings_change(
    store: AlertStore,
) -> None:
    async def scenario() -> None:
        rig = Rig(store)
        feed = PollingDouble(rig.clock)
        feed.alerts = [disk()]
        reason = "PagerDuty refused access with the API key (403): check the API key in Settings"
        feed.ack_outcome = FeedAuthError(reason)
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await until(lambda: len(rig.alerts("prod")) == 1, "the alert")
        alert_id = rig.alerts("prod")[0].id
        rig.desk.acknowledge(alert_id, "window")
        await until(lambda: rig.alert(alert_id).ack_delivery is AckDelivery.FAILED, "failed")
        assert rig.alert(alert_id).ack_error == reason
        await rig.time.advance(3600)
        assert len(feed.acked) == 1  # not retried by itself

        fixed = PollingDouble(rig.clock)
        fixed.alerts = [disk(acknowledged=True)]  # the source has it once confirmed
        fixed.ack_outcome = AckReceipt("")
        rig.supervisor.replace(fixed)
        await until(lambda: rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED, "sent again")
        assert [aid for _, aid in fixed.acked] == [alert_id]
        await until(lambda: feed.closed, "the old adapter closed")
        await rig.supervisor.stop()

    run(scenario)


def test_person_retry_sends_a_failed_ack_again() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock)
        feed.alerts = [disk()]
        feed.ack_outcome = FeedConfigError("PagerDuty needs from_email (prod)")
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await until(lambda: len(rig.alerts("prod")) == 1, "the alert")
        alert_id = rig.alerts("prod")[0].id
        rig.desk.acknowledge(alert_id, "window")
        await until(lambda: rig.alert(alert_id).ack_delivery is AckDelivery.FAILED, "failed")
        feed.ack_outcome = AckReceipt("")
        feed.alerts = [disk(acknowledged=True)]
        rig.supervisor.retry(alert_id)
        await until(lambda: rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED, "ok")
        assert len(feed.acked) == 2
        # Telling the supervisor explicitly as well is harmless: nothing is sent twice.
        rig.supervisor.acknowledge(alert_id)
        await rig.time.advance(60)
        assert len(feed.acked) == 2
        assert rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED
        await rig.supervisor.stop()

    run(scenario)


def test_a_hanging_ack_times_out_without_holding_up_others_and_bursts_are_capped() -> None:
    async def scenario() -> None:
        rig = Rig()
        slow = PollingDouble(rig.clock, "slow")
        slow.alerts = [disk()]
        slow.ack_hangs = True
        fast = PollingDouble(rig.clock, "fast")
        fast.alerts = [disk(f"d{i}") for i in range(10)]
        rig.supervisor.add(slow)
        rig.supervisor.add(fast)
        await rig.supervisor.start()
        await until(lambda: len(rig.desk.active()) == 11, "the alerts")
        rig.desk.acknowledge_all("tray")
        # Ten at once to one source go out at most four at a time, all within moments.
        await until(
            lambda: all(a.ack_delivery is AckDelivery.CONFIRMED for a in rig.alerts("fast")),
            "the fast feed's acknowledgements",
        )
        assert fast.most_acks_at_once == 4
        slow_id = rig.alerts("slow")[0].id
        assert rig.alert(slow_id).ack_delivery is AckDelivery.SENDING
        await rig.time.advance(30)
        await until(lambda: rig.alert(slow_id).ack_error != "", "the ack timed out")
        assert rig.alert(slow_id).ack_error == (
            "slow did not confirm the acknowledgement within 30 s"
        )
        assert rig.alert(slow_id).ack_delivery is AckDelivery.SENDING  # and is retried
        await rig.time.advance(2)
        assert len(slow.acked) == 2
        await rig.supervisor.stop()

    run(scenario)


def test_pending_acks_survive_a_restart_and_are_confirmed_when_the_source_is_back(
    db_path: Path,
) -> None:
    clock = FakeClock(T0)

    async def before_restart() -> str:
        with AlertStore.open(db_path) as store:
            rig = Rig(store, clock)
            feed = PollingDouble(clock)
            feed.alerts = [disk()]
            feed.ack_outcome = FeedUnreachableError("cannot reach Alertmanager (prod)")
            rig.supervisor.add(feed)
            await rig.supervisor.start()
            await until(lambda: len(rig.alerts("prod")) == 1, "the alert")
            alert_id = rig.alerts("prod")[0].id
            rig.desk.acknowledge(alert_id, "tray")
            await until(lambda: len(feed.acked) == 1, "a first try")
            await until(lambda: rig.alert(alert_id).ack_error != "", "its failure shown")
            await rig.supervisor.stop()
            return alert_id

    async def after_restart(alert_id: str) -> None:
        with AlertStore.open(db_path) as store:
            rig = Rig(store, clock)
            restored = rig.alert(alert_id)
            assert (restored.status, restored.ack_delivery) == (
                Status.ACKNOWLEDGED,
                AckDelivery.SENDING,
            )
            feed = PollingDouble(clock)
            feed.alerts = [disk(acknowledged=True)]  # as the source reports it once it has it
            feed.ack_outcome = AckReceipt("silence-7")
            rig.supervisor.add(feed)
            await rig.supervisor.start()
            await until(
                lambda: rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED, "confirmed"
            )
            # The adapter got the alert as it was saved, labels and all.
            assert feed.ack_labels == [(("alertname", "DiskFull"), ("instance", "db1"))]
            await rig.supervisor.stop()

    async def undo_after_another_restart(alert_id: str) -> None:
        with AlertStore.open(db_path) as store:
            rig = Rig(store, clock)
            assert rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED
            feed = PollingDouble(clock)
            feed.alerts = [disk(acknowledged=True)]
            rig.supervisor.add(feed)
            await rig.supervisor.start()
            rig.desk.unacknowledge(alert_id, "window")
            await until(lambda: feed.unacked == [(alert_id, "silence-7")], "undone by its id")
            await rig.supervisor.stop()

    alert_id = asyncio.run(before_restart())
    clock.advance(600)
    asyncio.run(after_restart(alert_id))
    asyncio.run(undo_after_another_restart(alert_id))


def test_an_alert_acknowledged_at_the_source_is_not_sent_back() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock)
        feed.alerts = [disk("a"), disk("b")]
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await until(lambda: len(rig.alerts("prod")) == 2, "the alerts")
        feed.alerts = [disk("a", acknowledged=True), disk("b")]
        await rig.time.advance(15)
        await until(
            lambda: any(a.status is Status.ACKNOWLEDGED for a in rig.alerts("prod")), "acked"
        )
        await rig.time.advance(30)
        assert feed.acked == []
        # The board marks it acknowledged at the source (the source knows, by definition).
        assert [(a.status, a.ack_delivery) for a in rig.alerts("prod")] == [
            (Status.FIRING, AckDelivery.NONE),
            (Status.ACKNOWLEDGED, AckDelivery.CONFIRMED),
        ]
        await rig.supervisor.stop()

    run(scenario)


def test_shiftbells_own_alerts_and_sourceless_feeds_are_local_at_once() -> None:
    async def scenario() -> None:
        rig = Rig()
        push = StreamDouble(rig.clock)
        rig.supervisor.add(push)
        await rig.supervisor.start()
        await until(lambda: rig.status("push").ok, "connected")
        push.events.put_nowait(disk("m1"))
        await until(lambda: len(rig.alerts("push")) == 1, "the event")
        local = rig.desk.ingest("local", [disk("script")], source="local").new[0]
        webhook = rig.desk.ingest("alertmanager-webhook", [disk("fp")]).new[0]
        rig.desk.acknowledge_all("tray")
        ids = [local.id, webhook.id, rig.alerts("push")[0].id]
        await until(
            lambda: all(rig.alert(i).ack_delivery is AckDelivery.LOCAL for i in ids), "local"
        )
        assert rig.supervisor.pending_acks() == []
        await rig.supervisor.stop()

    run(scenario)


def test_a_poll_answer_older_than_a_confirmation_is_not_merged() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock)
        feed.alerts = [disk()]
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await until(lambda: len(rig.alerts("prod")) == 1, "the alert")
        alert_id = rig.alerts("prod")[0].id
        gate = feed.gate = asyncio.Event()  # the next fetch waits until the test opens it
        await rig.time.advance(15)
        await until(lambda: len(feed.fetched_at) == 2, "a fetch on its way")
        feed.alerts = [disk(acknowledged=True)]  # what the source says once it has the ack
        rig.desk.acknowledge(alert_id, "tray")
        await until(lambda: rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED, "confirmed")
        # The answer in flight predates the acknowledgement: its "not acknowledged" must
        # not be read as the source dropping it, which would wake the person.
        gate.set()
        await until(lambda: len(feed.fetched_at) == 3, "asked again at once")
        assert feed.fetched_at[-1] == T0 + timedelta(seconds=15)
        await settle()
        assert rig.alert(alert_id).status is Status.ACKNOWLEDGED
        assert rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED

        # A fresh answer that does drop it (a silence expired) wakes the person...
        feed.alerts = [disk()]
        await rig.time.advance(15)
        await until(lambda: rig.alert(alert_id).status is Status.FIRING, "fired again")
        # ...and the next acknowledgement is sent anew, not taken as already confirmed.
        feed.alerts = [disk(acknowledged=True)]
        rig.desk.acknowledge(alert_id, "tray")
        await until(lambda: len(feed.acked) == 2, "acknowledged anew")
        await until(lambda: rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED, "ok")
        await rig.supervisor.stop()

    run(scenario)


# -- managing feeds --------------------------------------------------------------------------


def test_removing_a_feed_stops_it_resolves_its_alerts_and_drops_its_queue() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock)
        feed.alerts = [disk()]
        feed.ack_outcome = FeedUnreachableError("down")
        other = PollingDouble(rig.clock, "other")
        other.alerts = [disk()]
        rig.supervisor.add(feed)
        rig.supervisor.add(other)
        await rig.supervisor.start()
        await until(lambda: len(rig.alerts("prod")) == 1, "the alert")
        rig.desk.acknowledge(rig.alerts("prod")[0].id, "tray")
        await until(lambda: bool(feed.acked), "an ack attempt")
        rig.supervisor.remove("prod")
        await until(lambda: feed.closed, "closed")
        assert rig.alerts("prod") == []
        assert rig.removed == ["prod"]
        assert rig.supervisor.pending_acks() == []
        assert [s.name for s in rig.supervisor.statuses()] == ["other"]
        fetches = len(feed.fetched_at)
        await rig.time.advance(60)
        assert len(feed.fetched_at) == fetches
        assert len(rig.alerts("other")) == 1
        await rig.supervisor.stop()

    run(scenario)


def test_feed_names_must_be_unique_and_not_shiftbells_own() -> None:
    rig = Rig()
    rig.supervisor.add(PollingDouble(rig.clock, "prod"))
    with pytest.raises(FeedConfigError, match="already running"):
        rig.supervisor.add(PollingDouble(rig.clock, "prod"))
    for reserved in ("local", "alertmanager-webhook", "shiftbell"):
        with pytest.raises(FeedConfigError, match="reserved"):
            rig.supervisor.add(PollingDouble(rig.clock, reserved))
    assert rig.supervisor.names() == ["prod"]


def test_a_source_that_is_down_is_asked_again_at_least_every_30_s() -> None:
    """after an outage a new alert came 77-279 s late (backoff capped at 300 s)."""

    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock, stale_after_s=3600)
        feed.alerts = FeedUnreachableError("cannot reach Alertmanager at http://am (prod)")
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await rig.time.advance(600)
        gaps = [
            (later - earlier).total_seconds()
            for earlier, later in zip(feed.fetched_at, feed.fetched_at[1:], strict=False)
        ]
        assert gaps[:4] == [2, 4, 8, 16]
        assert max(gaps) == 30  # a 15 s feed: 30 s, or two intervals if that were longer
        feed.alerts = [disk()]
        await rig.time.advance(30)
        await until(lambda: len(rig.alerts("prod")) == 1, "the alert, within 30 s of recovery")
        await rig.supervisor.stop()

    run(scenario)


@pytest.mark.parametrize("jump_s", [3600, -3600])
def test_a_wall_clock_jump_is_not_a_feed_down(jump_s: float) -> None:
    """durations are on the steady clock; the wall clock may step either way."""

    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock, stale_after_s=120)
        feed.alerts = [disk()]
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await rig.time.advance(15)
        rig.clock.jump(jump_s)
        await rig.time.advance(60)
        assert rig.alerts(SHIFTBELL_FEED_ID) == []
        assert len(feed.fetched_at) == 6  # polled every 15 s all along
        feed.alerts = FeedUnreachableError("cannot reach Alertmanager (prod): refused")
        await rig.time.advance(119)
        assert rig.alerts(SHIFTBELL_FEED_ID) == []
        await rig.time.advance(31)  # 120 s after the last contact, by the steady clock
        await until(lambda: bool(rig.alerts(SHIFTBELL_FEED_ID)), "the feed-down alert")
        await rig.supervisor.stop()

    run(scenario)


def test_after_a_suspend_each_feed_gets_one_interval_before_it_is_down() -> None:
    """every resume from suspend raised a false "Feed ... is down"."""

    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock, stale_after_s=120)
        feed.alerts = [disk()]
        rig.supervisor.add(feed)
        await rig.supervisor.start()
        await rig.time.advance(10)
        rig.clock.suspend(3600)  # an hour asleep; the network is not back yet
        feed.alerts = FeedUnreachableError("cannot reach Alertmanager (prod): no route")
        await rig.time.advance(5)  # the poll due 15 s after the last one fails
        await until(lambda: not rig.status("prod").ok, "the failed poll after resume")
        assert rig.alerts(SHIFTBELL_FEED_ID) == []
        await rig.time.advance(15 + 30 - 1)  # one interval and a fetch: still not down
        assert rig.alerts(SHIFTBELL_FEED_ID) == []
        await rig.time.advance(1)
        await until(lambda: bool(rig.alerts(SHIFTBELL_FEED_ID)), "the feed-down alert")
        await rig.supervisor.stop()

    run(scenario)
