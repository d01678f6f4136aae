"""build_source: from a schedule's settings to a source."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from tests.helpers.data import TEST_DATA

from shiftbell.core.errors import FeedConfigError
from shiftbell.sources.feed import FeedConfig, FeedKind
from shiftbell.sources.grafana_oncall.schedule import GrafanaOnCallSchedule
from shiftbell.sources.ics.schedule import IcsSchedule
from shiftbell.sources.opsgenie.schedule import OpsgenieSchedule
from shiftbell.sources.pagerduty.schedule import PagerDutySchedule
from shiftbell.sources.schedule import ScheduleKind, ScheduleSource, ScheduleSourceConfig
from shiftbell.sources.schedule_registry import build_source

DATA = TEST_DATA / "ics"
BERLIN = ZoneInfo("Europe/Berlin")


def close(source: ScheduleSource) -> None:
    asyncio.run(source.close())


def test_an_ics_schedule_takes_who_and_days() -> None:
    config = ScheduleSourceConfig(
        "team",
        ScheduleKind.ICS,
        str(DATA / "team-rotation.ics"),
        {"who": "Bob Keller", "days_ahead": "3"},
    )
    source = build_source(config, tz=BERLIN)

    assert isinstance(source, IcsSchedule)
    assert source.lookahead == timedelta(days=3)
    shifts = asyncio.run(source.fetch(datetime(2026, 3, 16, 12, tzinfo=UTC)))
    assert [s.start.day for s in shifts] == [17, 19]


@pytest.mark.parametrize(
    ("kind", "feed_kind", "options", "cls"),
    [
        (ScheduleKind.PAGERDUTY, FeedKind.PAGERDUTY, {"user_id": "PXPGF42"}, PagerDutySchedule),
        (
            ScheduleKind.GRAFANA_ONCALL,
            FeedKind.GRAFANA_ONCALL,
            {"user": "alice"},
            GrafanaOnCallSchedule,
        ),
        (
            ScheduleKind.OPSGENIE,
            FeedKind.OPSGENIE,
            {"user": "d@x", "schedules": "Ops"},
            OpsgenieSchedule,
        ),
    ],
)
def test_vendor_schedules_sign_in_through_a_feed(
    kind: ScheduleKind, feed_kind: FeedKind, options: dict[str, str], cls: type
) -> None:
    config = ScheduleSourceConfig("mine", kind, options={"feed": "work", **options})
    account = FeedConfig("work", feed_kind, "https://oncall.example.com")

    source = build_source(config, tz=BERLIN, feed=account, secret="key")

    assert isinstance(source, cls)
    assert source.name == "mine"
    close(source)
    with pytest.raises(FeedConfigError, match="set feed to that feed's name"):
        build_source(config, tz=BERLIN)


@pytest.mark.parametrize("days", ["0", "61", "two", "-3"])
def test_days_ahead_must_be_a_sensible_whole_number(days: str) -> None:
    config = ScheduleSourceConfig("team", ScheduleKind.ICS, "/tmp/x.ics", {"days_ahead": days})

    with pytest.raises(FeedConfigError, match=f"days_ahead = '{days}' must be a whole number"):
        build_source(config, tz=BERLIN)
