"""build_schedule: from a schedule's settings to a source, through its declaration."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tests.helpers.data import TEST_DATA

from shiftbell.core.errors import FeedConfigError
from shiftbell.sources.build import build_schedule
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.grafana_oncall.schedule import GrafanaOnCallSchedule
from shiftbell.sources.ics.schedule import IcsSchedule
from shiftbell.sources.opsgenie.schedule import OpsgenieSchedule
from shiftbell.sources.pagerduty.schedule import PagerDutySchedule
from shiftbell.sources.schedule import ScheduleSource, ScheduleSourceConfig

DATA = TEST_DATA / "ics"
BERLIN = ZoneInfo("Europe/Berlin")


def close(source: ScheduleSource) -> None:
    asyncio.run(source.close())


def test_an_ics_schedule_takes_who_and_days() -> None:
    config = ScheduleSourceConfig(
        "team",
        "ics",
        str(DATA / "team-rotation.ics"),
        {"who": "Bob Keller", "days_ahead": "3"},
    )
    source = build_schedule(config, tz=BERLIN)

    assert isinstance(source, IcsSchedule)
    assert source.lookahead == timedelta(days=3)
    shifts = asyncio.run(source.fetch(datetime(2026, 3, 16, 12, tzinfo=UTC)))
    assert [s.start.day for s in shifts] == [17, 19]


@pytest.mark.parametrize(
    ("kind", "feed_kind", "options", "cls"),
    [
        ("pagerduty", "pagerduty", {"user_id": "PXPGF42"}, PagerDutySchedule),
        (
            "grafana-oncall",
            "grafana-oncall",
            {"user": "alice"},
            GrafanaOnCallSchedule,
        ),
        (
            "opsgenie",
            "opsgenie",
            {"user": "d@x", "schedules": "Ops"},
            OpsgenieSchedule,
        ),
    ],
)
def test_vendor_schedules_sign_in_through_a_feed(
    kind: str, feed_kind: str, options: dict[str, str], cls: type
) -> None:
    config = ScheduleSourceConfig("mine", kind, options={"feed": "work", **options})
    account = FeedConfig("work", feed_kind, "https://oncall.example.com")

    source = build_schedule(config, tz=BERLIN, feed=account, secret="key")

    assert isinstance(source, cls)
    assert source.name == "mine"
    close(source)
    with pytest.raises(FeedConfigError, match="set feed to that feed's name"):
        build_schedule(config, tz=BERLIN)


@pytest.mark.parametrize("days", ["0", "61", "two", "-3"])
def test_days_ahead_must_be_a_sensible_whole_number(days: str) -> None:
    config = ScheduleSourceConfig("team", "ics", "/tmp/x.ics", {"days_ahead": days})

    with pytest.raises(FeedConfigError, match=f"days_ahead = '{days}' must be a whole number"):
        build_schedule(config, tz=BERLIN)


def test_a_vendor_schedule_refuses_another_vendors_feed() -> None:
    config = ScheduleSourceConfig("mine", "pagerduty", options={"feed": "team"})
    account = FeedConfig("team", "ntfy", "https://ntfy.sh", {"topics": "a"})
    with pytest.raises(FeedConfigError) as caught:
        build_schedule(config, tz=BERLIN, feed=account, secret="")
    assert str(caught.value) == (
        "PagerDuty schedule mine: feed team is a ntfy feed, not PagerDuty: a PagerDuty schedule "
        "signs in through a PagerDuty feed"
    )


def test_an_unknown_schedule_option_names_the_known_ones() -> None:
    config = ScheduleSourceConfig("team", "ics", "/tmp/x.ics", {"whom": "Dana"})
    with pytest.raises(FeedConfigError) as caught:
        build_schedule(config, tz=BERLIN)
    assert str(caught.value) == (
        "schedule team: unknown option 'whom': the options of ics schedules are who, days_ahead, "
        "days_behind, in Settings > Schedule > team"
    )
