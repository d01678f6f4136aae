"""AckSender, through the feed runner that owns it: acknowledgements queued, retried with
backoff, capped per feed, kept across restarts, never sent back to the source that reported
them, and local at once for Shiftbell's own alerts."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from tests.helpers.virtual_time import settle, until
from tests.unit.runtime.feed_doubles import T0, PollingDouble, Rig, StreamDouble, disk, run

from shiftbell.core.acks import AckKind
from shiftbell.core.alert import AckDelivery, Status
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedUnreachableError,
)
from shiftbell.sources.feed import AckReceipt
from shiftbell.store.alert_store import AlertStore

# -- acknowledgements ------------------------------------------------------------------------


def test_an_ack_queued_while_the_source_is_down_is_retried_until_confirmed(
    store: AlertStore,
) -> None:
    async def scenario() -> None:
        rig = Rig(store)
        feed = PollingDouble(rig.clock, stale_after_s=3600)
        feed.alerts = [disk()]
        feed.ack_outcome = FeedUnreachableError("cannot reach Alertmanager (prod)")
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
        await until(lambda: len(rig.alerts("prod")) == 1, "the alert")
        alert_id = rig.alerts("prod")[0].id
        # The person clicks on the UI thread; the feed_runner follows the desk.
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
        assert rig.feed_runner.acks.pending_acks() == []
        await rig.time.advance(15)
        assert rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED
        assert len(feed.acked) == 5

        # Un-acknowledge: the silence is deleted by its id.
        rig.desk.unacknowledge(alert_id, "window")
        await until(lambda: feed.unacked == [(alert_id, "silence-42")], "the undo")
        await until(lambda: store.load_ack_receipts() == [], "the receipt forgotten")
        assert rig.alert(alert_id).ack_delivery is AckDelivery.NONE
        await rig.feed_runner.stop()

    run(scenario)


def test_resolve_is_sent_until_the_source_confirms_and_the_next_poll_resolves_it(
    store: AlertStore,
) -> None:
    async def scenario() -> None:
        rig = Rig(store)
        feed = PollingDouble(rig.clock, stale_after_s=3600)
        feed.alerts = [disk()]
        feed.resolve_outcome = FeedUnreachableError("cannot reach PagerDuty (prod)")
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
        await until(lambda: len(rig.alerts("prod")) == 1, "the alert")
        alert_id = rig.alerts("prod")[0].id
        await asyncio.to_thread(rig.desk.resolve, alert_id, "window", "failed over")
        await until(lambda: rig.alert(alert_id).ack_error != "", "the first failed try")
        asked = rig.alert(alert_id)
        # It stops alarming at once: acknowledged here while the source is asked.
        assert (asked.status, asked.ack_delivery) == (Status.ACKNOWLEDGED, AckDelivery.SENDING)
        assert [p.kind for p in store.load_pending_acks()] == [AckKind.RESOLVE]
        assert feed.acked == []  # resolving, not acknowledging

        feed.resolve_outcome = None
        await rig.time.advance(2)
        await until(lambda: store.load_pending_acks() == [], "the request done")
        assert feed.resolved == [(alert_id, "failed over")] * 2
        feed.alerts = []  # the source no longer lists it
        await rig.time.advance(15)
        await until(lambda: rig.alerts("prod") == [], "resolved on the next poll")
        await rig.feed_runner.stop()

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
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
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
        rig.feed_runner.replace(fixed)
        await until(lambda: rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED, "sent again")
        assert [aid for _, aid in fixed.acked] == [alert_id]
        await until(lambda: feed.closed, "the old adapter closed")
        await rig.feed_runner.stop()

    run(scenario)


def test_person_retry_sends_a_failed_ack_again() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock)
        feed.alerts = [disk()]
        feed.ack_outcome = FeedConfigError("PagerDuty needs from_email (prod)")
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
        await until(lambda: len(rig.alerts("prod")) == 1, "the alert")
        alert_id = rig.alerts("prod")[0].id
        rig.desk.acknowledge(alert_id, "window")
        await until(lambda: rig.alert(alert_id).ack_delivery is AckDelivery.FAILED, "failed")
        feed.ack_outcome = AckReceipt("")
        feed.alerts = [disk(acknowledged=True)]
        rig.feed_runner.acks.retry(alert_id)
        await until(lambda: rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED, "ok")
        assert len(feed.acked) == 2
        # Telling the feed_runner explicitly as well is harmless: nothing is sent twice.
        rig.feed_runner.acks.acknowledge(alert_id)
        await rig.time.advance(60)
        assert len(feed.acked) == 2
        assert rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED
        await rig.feed_runner.stop()

    run(scenario)


def test_a_hanging_ack_times_out_without_holding_up_others_and_bursts_are_capped() -> None:
    async def scenario() -> None:
        rig = Rig()
        slow = PollingDouble(rig.clock, "slow")
        slow.alerts = [disk()]
        slow.ack_hangs = True
        fast = PollingDouble(rig.clock, "fast")
        fast.alerts = [disk(f"d{i}") for i in range(10)]
        rig.feed_runner.add(slow)
        rig.feed_runner.add(fast)
        await rig.feed_runner.start()
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
        await rig.feed_runner.stop()

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
            rig.feed_runner.add(feed)
            await rig.feed_runner.start()
            await until(lambda: len(rig.alerts("prod")) == 1, "the alert")
            alert_id = rig.alerts("prod")[0].id
            rig.desk.acknowledge(alert_id, "tray")
            await until(lambda: len(feed.acked) == 1, "a first try")
            await until(lambda: rig.alert(alert_id).ack_error != "", "its failure shown")
            await rig.feed_runner.stop()
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
            rig.feed_runner.add(feed)
            await rig.feed_runner.start()
            await until(
                lambda: rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED, "confirmed"
            )
            # The adapter got the alert as it was saved, labels and all.
            assert feed.ack_labels == [(("alertname", "DiskFull"), ("instance", "db1"))]
            await rig.feed_runner.stop()

    async def undo_after_another_restart(alert_id: str) -> None:
        with AlertStore.open(db_path) as store:
            rig = Rig(store, clock)
            assert rig.alert(alert_id).ack_delivery is AckDelivery.CONFIRMED
            feed = PollingDouble(clock)
            feed.alerts = [disk(acknowledged=True)]
            rig.feed_runner.add(feed)
            await rig.feed_runner.start()
            rig.desk.unacknowledge(alert_id, "window")
            await until(lambda: feed.unacked == [(alert_id, "silence-7")], "undone by its id")
            await rig.feed_runner.stop()

    alert_id = asyncio.run(before_restart())
    clock.advance(600)
    asyncio.run(after_restart(alert_id))
    asyncio.run(undo_after_another_restart(alert_id))


def test_an_alert_acknowledged_at_the_source_is_not_sent_back() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock)
        feed.alerts = [disk("a"), disk("b")]
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
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
        await rig.feed_runner.stop()

    run(scenario)


def test_shiftbells_own_alerts_and_sourceless_feeds_are_local_at_once() -> None:
    async def scenario() -> None:
        rig = Rig()
        push = StreamDouble(rig.clock)
        rig.feed_runner.add(push)
        await rig.feed_runner.start()
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
        assert rig.feed_runner.acks.pending_acks() == []
        await rig.feed_runner.stop()

    run(scenario)


def test_a_poll_answer_older_than_a_confirmation_is_not_merged() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock)
        feed.alerts = [disk()]
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
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
        await rig.feed_runner.stop()

    run(scenario)
