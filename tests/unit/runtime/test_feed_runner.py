"""FeedRunner: many feeds at once, backoff, feed-down alerts, acknowledgements.

The feeds here are small in-test doubles of the adapters (the subject is the
feed runner); the desk, the store and the clock are real. Waiting goes through
`VirtualTime`: every sleep the feed runner makes ends when the test moves the fake
clock past it, so minutes of backoff take microseconds and nothing depends on
how fast the machine is. Outcomes are awaited as conditions with a deadline.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.helpers.virtual_time import until
from tests.unit.runtime.feed_doubles import T0, PollingDouble, Rig, StreamDouble, disk, run

from shiftbell.core.alert import Severity
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedRateLimitedError,
    FeedUnreachableError,
)
from shiftbell.core.feed_status import FeedStatus
from shiftbell.runtime.ack_sender import SHIFTBELL_FEED_ID
from shiftbell.runtime.feed_down_watch import feed_down_key

# -- polling ---------------------------------------------------------------------------------


def test_polling_merges_each_snapshot_and_resolves_what_left_it() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock)
        feed.alerts = [disk("disk"), disk("cpu", title="CPU hot", severity=Severity.WARNING)]
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
        await until(lambda: len(rig.alerts("prod")) == 2, "the first snapshot")
        assert {a.source for a in rig.alerts("prod")} == {"prod"}
        assert rig.status("prod") == FeedStatus("prod", True, "polling every 15 s", T0, T0)

        feed.alerts = [disk("disk")]
        await rig.time.advance(15)
        await until(lambda: len(rig.alerts("prod")) == 1, "cpu resolved")
        assert [a.key.source_id for a in rig.alerts("prod")] == ["disk"]
        assert feed.fetched_at == [T0, T0 + timedelta(seconds=15)]
        polled = next(s for s in rig.feed_runner.statuses() if s.name == "prod")
        assert polled.last_contact == T0 + timedelta(seconds=15)
        assert polled.since == T0  # ok all along
        # The window was not told: nothing it shows of a working feed changed.
        assert [s for s in rig.statuses if s.name == "prod"][-2:] == [
            FeedStatus("prod", True, "connecting", T0, None),
            FeedStatus("prod", True, "polling every 15 s", T0, T0),
        ]
        await rig.feed_runner.stop()
        assert feed.closed

    run(scenario)


def test_errors_back_off_honour_retry_after_and_report_since_when() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock, stale_after_s=3600)
        feed.alerts = FeedUnreachableError("cannot reach Alertmanager at http://am (prod)")
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
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
        await rig.feed_runner.stop()

    run(scenario)


def test_a_feed_down_longer_than_its_limit_raises_an_alert_that_resolves_on_recovery() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock, stale_after_s=120)
        feed.alerts = FeedUnreachableError("cannot reach Alertmanager (prod): refused")
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
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
        last_contact = next(s for s in rig.feed_runner.statuses() if s.name == "prod").last_contact
        assert last_contact is not None
        feed.alerts = FeedUnreachableError("Alertmanager server error 502 (prod)")
        await rig.time.advance(15 + 120)
        await until(lambda: bool(rig.alerts(SHIFTBELL_FEED_ID)), "down again")
        summary = rig.alerts(SHIFTBELL_FEED_ID)[0].summary
        assert "502" in summary
        assert f"since {last_contact.strftime('%Y-%m-%d %H:%M:%S')} UTC" in summary
        await rig.feed_runner.stop()

    run(scenario)


def test_a_hanging_feed_does_not_delay_another_and_times_out_by_itself() -> None:
    async def scenario() -> None:
        rig = Rig()
        slow = PollingDouble(rig.clock, "slow")
        slow.hang = True
        fast = PollingDouble(rig.clock, "fast")
        fast.alerts = [disk()]
        rig.feed_runner.add(slow)
        rig.feed_runner.add(fast)
        await rig.feed_runner.start()
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
        await rig.feed_runner.stop()

    run(scenario)


# -- streams ---------------------------------------------------------------------------------


def test_a_stream_merges_events_and_reconnects_with_backoff() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = StreamDouble(rig.clock)
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
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
        await rig.feed_runner.stop()
        assert feed.closed

    run(scenario)


def test_a_stream_that_stays_disconnected_raises_the_feed_down_alert() -> None:
    async def scenario() -> None:
        rig = Rig()
        feed = StreamDouble(rig.clock)
        feed.refuse = FeedAuthError("ntfy rejected the token (401) (push)")
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
        await rig.time.advance(121)
        await until(lambda: bool(rig.alerts(SHIFTBELL_FEED_ID)), "the feed-down alert")
        assert "rejected the token" in rig.alerts(SHIFTBELL_FEED_ID)[0].summary
        await rig.feed_runner.stop()

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
        rig.feed_runner.add(feed)
        rig.feed_runner.add(other)
        await rig.feed_runner.start()
        await until(lambda: len(rig.alerts("prod")) == 1, "the alert")
        rig.desk.acknowledge(rig.alerts("prod")[0].id, "tray")
        await until(lambda: bool(feed.acked), "an ack attempt")
        rig.feed_runner.remove("prod")
        await until(lambda: feed.closed, "closed")
        assert rig.alerts("prod") == []
        assert rig.removed == ["prod"]
        assert rig.feed_runner.acks.pending_acks() == []
        assert [s.name for s in rig.feed_runner.statuses()] == ["other"]
        fetches = len(feed.fetched_at)
        await rig.time.advance(60)
        assert len(feed.fetched_at) == fetches
        assert len(rig.alerts("other")) == 1
        await rig.feed_runner.stop()

    run(scenario)


def test_feed_names_must_be_unique_and_not_shiftbells_own() -> None:
    rig = Rig()
    rig.feed_runner.add(PollingDouble(rig.clock, "prod"))
    with pytest.raises(FeedConfigError, match="already running"):
        rig.feed_runner.add(PollingDouble(rig.clock, "prod"))
    for reserved in ("local", "alertmanager-webhook", "shiftbell"):
        with pytest.raises(FeedConfigError, match="reserved"):
            rig.feed_runner.add(PollingDouble(rig.clock, reserved))
    assert rig.feed_runner.names() == ["prod"]


def test_a_source_that_is_down_is_asked_again_at_least_every_30_s() -> None:
    """after an outage a new alert came 77-279 s late (backoff capped at 300 s)."""

    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock, stale_after_s=3600)
        feed.alerts = FeedUnreachableError("cannot reach Alertmanager at http://am (prod)")
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
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
        await rig.feed_runner.stop()

    run(scenario)


@pytest.mark.parametrize("jump_s", [3600, -3600])
def test_a_wall_clock_jump_is_not_a_feed_down(jump_s: float) -> None:
    """durations are on the steady clock; the wall clock may step either way."""

    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock, stale_after_s=120)
        feed.alerts = [disk()]
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
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
        await rig.feed_runner.stop()

    run(scenario)


def test_after_a_suspend_each_feed_gets_one_interval_before_it_is_down() -> None:
    """every resume from suspend raised a false "Feed ... is down"."""

    async def scenario() -> None:
        rig = Rig()
        feed = PollingDouble(rig.clock, stale_after_s=120)
        feed.alerts = [disk()]
        rig.feed_runner.add(feed)
        await rig.feed_runner.start()
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
        await rig.feed_runner.stop()

    run(scenario)
