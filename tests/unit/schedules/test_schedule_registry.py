"""build_source: from a schedule's settings to a source, issue 4."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shiftbell.core.errors import FeedConfigError
from shiftbell.feeds.base import FeedConfig, FeedKind
from shiftbell.schedules.base import ScheduleKind, ScheduleSource, ScheduleSourceConfig
from shiftbell.schedules.grafana_oncall import GrafanaOnCallSchedule
from shiftbell.schedules.ics import IcsSchedule
from shiftbell.schedules.opsgenie import OpsgenieSchedule
from shiftbell.schedules.pagerduty import PagerDutySchedule
from shiftbell.schedules.registry import build_source

DATA = Path(__file__).resolve().parents[2] / "data" / "ics"
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
