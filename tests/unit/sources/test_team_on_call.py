"""Who is on call besides the person: from a team calendar and from PagerDuty's schedules
(the fakes beside the sources' tests), kept in the schedule's saved copy, and told now/next."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from tests.helpers.data import TEST_DATA
from tests.unit.sources.pagerduty.fake_pagerduty_oncall import FakePagerDutyOnCall, oncall

from shiftbell.core.schedule import Shift
from shiftbell.core.team import team_on_call
from shiftbell.runtime.schedule_cache import ScheduleCache
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.ics.schedule import IcsSchedule
from shiftbell.sources.pagerduty.schedule import PagerDutySchedule

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
