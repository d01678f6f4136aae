"""Who is on call besides the person: from a team calendar, PagerDuty, Grafana IRM and JSM Ops
(the fakes beside the sources' tests), kept in the schedule's saved copy, and told now/next."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.helpers.data import TEST_DATA
from tests.unit.sources.grafana_oncall.test_grafana_oncall_schedule import NOW as IRM_NOW
from tests.unit.sources.grafana_oncall.test_grafana_oncall_schedule import TOKEN as IRM_TOKEN
from tests.unit.sources.grafana_oncall.test_grafana_oncall_schedule import feed as irm_feed
from tests.unit.sources.grafana_oncall.test_grafana_oncall_schedule import (
    oncall_with_three_schedules,
)
from tests.unit.sources.opsgenie.fake_opsgenie_schedules import FakeOpsgenieSchedules
from tests.unit.sources.opsgenie.test_opsgenie_schedule import NOW as OG_NOW
from tests.unit.sources.opsgenie.test_opsgenie_schedule import add_payments
from tests.unit.sources.opsgenie.test_opsgenie_schedule import feed as og_feed
from tests.unit.sources.pagerduty.fake_pagerduty_oncall import FakePagerDutyOnCall, oncall

from shiftbell.core.schedule import Shift
from shiftbell.core.team import team_on_call
from shiftbell.runtime.schedule_cache import ScheduleCache
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.grafana_oncall.schedule import GrafanaOnCallSchedule
from shiftbell.sources.ics.schedule import IcsSchedule
from shiftbell.sources.opsgenie.schedule import OpsgenieSchedule
from shiftbell.sources.pagerduty.schedule import PagerDutySchedule
from shiftbell.sources.vendor_schedule import VendorSchedule

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_team_calendar_read_for_one_person_knows_the_others() -> None:
    schedule = IcsSchedule(
        "sre", str(TEST_DATA / "ics" / "team-rotation.ics"), tz=BERLIN, who="Carol Nguyen"
    )
    now = datetime(2026, 3, 16, 12, tzinfo=UTC)

    async def both() -> tuple[list[Shift], list[Shift]]:
        mine = await schedule.fetch(now)
        return mine, await schedule.fetch_team(now)

    mine, team = asyncio.run(both())
    assert [s.start.day for s in mine] == [18]
    assert [(s.start.day, s.label) for s in team] == [
        (16, "Alice Martin"),  # from the attendee's name, not the summary "Primary"
        (17, "Primary: Bob Keller"),
        (18, "Secondary"),
        (19, "Bob Keller"),
    ]
    told = team_on_call(team, now)
    assert [s.label for s in told.now] == ["Alice Martin"]
    assert [s.label for s in told.next] == ["Primary: Bob Keller"]


def test_a_calendar_of_the_persons_own_shifts_has_no_team() -> None:
    schedule = IcsSchedule("mine", str(TEST_DATA / "ics" / "team-rotation.ics"), tz=BERLIN)
    now = datetime(2026, 3, 16, 12, tzinfo=UTC)

    async def both() -> list[Shift]:
        await schedule.fetch(now)
        return await schedule.fetch_team(now)

    assert asyncio.run(both()) == []


def test_pagerduty_team_from_the_schedules_that_reach_the_person(tmp_path: Path) -> None:
    z = "Z"
    entries = [
        oncall(f"2026-03-09T09:00:00{z}", f"2026-03-16T09:00:00{z}"),  # me, this week
        oncall(f"2026-03-16T09:00:00{z}", f"2026-03-23T09:00:00{z}", user_id="PBOB123"),
        oncall(f"2026-03-09T09:00:00{z}", f"2026-03-16T09:00:00{z}", user_id="PSEC1", level=2),
    ]
    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    with FakePagerDutyOnCall(oncalls=entries) as pd:
        feed = FeedConfig(name="work-pd", kind="pagerduty", url=pd.url)
        schedule = PagerDutySchedule("pd", feed, pd.token)
        cache = ScheduleCache(tmp_path)

        async def refresh() -> None:
            try:
                await cache.refresh(schedule, now)
            finally:
                await schedule.close()

        asyncio.run(refresh())
        asked = pd.server.requests_to("/oncalls")[-1]
    assert asked.query["schedule_ids[]"] == ["PI7DH85"]
    copy = ScheduleCache(tmp_path).load("pd")  # from the file, as after a restart
    assert copy is not None
    assert [(s.label, s.source) for s in copy.team] == [
        ("Earline Greenholt", "Payments Primary"),
        ("Someone Else", "Payments Primary"),  # level 2 left out: it is not who is on call
    ]
    told = team_on_call(copy.team, now)
    assert [s.label for s in told.now] == ["Earline Greenholt"]
    assert [s.start for s in told.next] == [datetime(2026, 3, 16, 9, tzinfo=UTC)]
    assert told.next[0].start - now < timedelta(days=7)


async def team_of(schedule: VendorSchedule, now: datetime) -> list[Shift]:
    try:
        await schedule.fetch(now)
        return await schedule.fetch_team(now)
    finally:
        await schedule.close()


def test_grafana_irm_knows_the_team_from_the_final_shifts_it_already_read() -> None:
    with oncall_with_three_schedules() as oncall:
        irm = GrafanaOnCallSchedule("irm", irm_feed(oncall.url), IRM_TOKEN, user="alice")
        team = asyncio.run(team_of(irm, IRM_NOW))
        assert len(oncall.server.requests) == 6  # the fetch's, no more
    told = team_on_call(team, IRM_NOW)
    assert [(s.label, s.source) for s in told.now] == [("bob", "Primary")]
    assert [(s.label, s.source) for s in told.next] == [("alice", "Primary")]


def test_jsm_ops_knows_the_team_from_its_timeline() -> None:
    with FakeOpsgenieSchedules() as og:
        add_payments(og)
        jsm = OpsgenieSchedule(
            "og",
            og_feed(og.url),
            og.api_key,
            schedules=["Payments_Schedule"],
            user="dana@example.com",
        )
        team = asyncio.run(team_of(jsm, OG_NOW))
    told = team_on_call(team, OG_NOW)
    assert [(s.label, s.source) for s in told.now] == [
        ("evan@example.com", "Payments_Schedule / Weekdays")
    ]
    assert [s.label for s in told.next] == ["dana@example.com"]
