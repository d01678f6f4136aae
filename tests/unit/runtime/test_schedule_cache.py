"""ScheduleCache: the last good shifts survive broken refreshes and restarts."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.helpers.data import TEST_DATA
from tests.unit.sources.ics.fake_calendar import CalendarServer

from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedRateLimitedError,
    FeedUnreachableError,
)
from shiftbell.core.schedule import OnCallSchedule, Shift
from shiftbell.runtime.schedule_cache import (
    Freshness,
    Problem,
    ScheduleCache,
    ScheduleCopy,
    on_call_schedule,
)
from shiftbell.sources.ics.schedule import IcsSchedule
from shiftbell.sources.schedule import ScheduleSource

DATA = TEST_DATA / "ics"
BERLIN = ZoneInfo("Europe/Berlin")
# 09:30 in Berlin (CET) on a Tuesday.
START = datetime(2026, 3, 10, 8, 30, tzinfo=UTC)


def shift(day: int, source: str = "team") -> Shift:
    start = datetime(2026, 3, day, 17, 0, tzinfo=UTC)
    return Shift(start, start + timedelta(hours=14), source, f"night {day}")


class ScriptedSource:
    """A schedule source that answers what the test tells it to: shifts, or an error."""

    noun = "calendar"
    lookahead = timedelta(days=14)

    def __init__(self, name: str = "team") -> None:
        self.name = name
        self.answer: list[Shift] | FeedError = []
        self.asked: list[datetime] = []

    async def fetch(self, now: datetime) -> list[Shift]:
        self.asked.append(now)
        if isinstance(self.answer, FeedError):
            raise self.answer
        return list(self.answer)

    async def close(self) -> None:
        pass


def refresh(cache: ScheduleCache, source: ScheduleSource, now: datetime) -> ScheduleCopy:
    return asyncio.run(cache.refresh(source, now))


def test_a_good_fetch_is_stored_and_read_back_after_a_restart(tmp_path: Path) -> None:
    source = ScriptedSource()
    source.answer = [shift(10), shift(17)]

    fresh = refresh(ScheduleCache(tmp_path), source, START)
    restarted = ScheduleCache(tmp_path).load("team")

    assert fresh.freshness is Freshness.FRESH
    assert fresh.shifts == (shift(10), shift(17))
    assert fresh.known_until == START + timedelta(days=14)
    assert fresh.describe(START, BERLIN) == ""
    assert restarted == fresh
    assert ScheduleCache(tmp_path).load_all() == {"team": fresh}
    assert source.asked == [START]


def test_a_broken_refresh_keeps_the_last_good_copy_and_says_since_when(tmp_path: Path) -> None:
    clock = FakeClock(START)
    cache = ScheduleCache(tmp_path)
    source = ScriptedSource()
    source.answer = [shift(10), shift(17)]
    good = refresh(cache, source, clock.now())

    source.answer = FeedUnreachableError("calendar team: cannot reach cal.example.com")
    first_failure = refresh(cache, source, clock.advance(timedelta(hours=1, minutes=12)))
    later_failure = refresh(cache, source, clock.advance(timedelta(minutes=15)))

    for copy in (first_failure, later_failure):
        assert copy.shifts == good.shifts
        assert copy.fetched_at == START
        assert copy.known_until == good.known_until
        assert copy.freshness is Freshness.STALE
        assert copy.problem is Problem.UNREACHABLE
        assert copy.error == "calendar team: cannot reach cal.example.com"
    assert later_failure.describe(clock.now(), BERLIN) == (
        "calendar team unreachable since 10:42: showing the copy from 09:30"
    )
    # The file on disk still has every shift, and the first failure, after a restart.
    assert ScheduleCache(tmp_path).load("team") == later_failure


def test_failing_since_survives_a_restart_and_clears_on_success(tmp_path: Path) -> None:
    source = ScriptedSource()
    source.answer = [shift(10)]
    refresh(ScheduleCache(tmp_path), source, START)
    source.answer = FeedAuthError("calendar team: cal.example.com refused the calendar link")
    refresh(ScheduleCache(tmp_path), source, START + timedelta(hours=1))

    after_restart = refresh(ScheduleCache(tmp_path), source, START + timedelta(days=1))

    assert after_restart.failing_since == START + timedelta(hours=1)
    assert after_restart.problem is Problem.REFUSED
    assert after_restart.describe(START + timedelta(hours=2), BERLIN) == (
        "calendar team refused access since 10:30: showing the copy from 09:30"
    )
    # A day later the times carry their day.
    assert after_restart.describe(START + timedelta(days=2), BERLIN) == (
        "calendar team refused access since Tue 10 Mar 10:30: showing the copy from "
        "Tue 10 Mar 09:30"
    )

    source.answer = [shift(17)]
    recovered = refresh(ScheduleCache(tmp_path), source, START + timedelta(days=2))
    assert recovered.freshness is Freshness.FRESH
    assert (recovered.error, recovered.failing_since, recovered.shifts) == ("", None, (shift(17),))


def test_a_failure_with_no_copy_yet(tmp_path: Path) -> None:
    source = ScriptedSource()
    source.answer = FeedPayloadError("calendar team: not a readable iCalendar file")

    copy = refresh(ScheduleCache(tmp_path), source, START)

    assert copy.freshness is Freshness.MISSING
    assert copy.shifts == ()
    assert copy.describe(START, BERLIN) == (
        "calendar team unreadable since 09:30: no copy saved yet"
    )


def test_an_unreadable_copy_on_disk_is_left_alone_by_a_failure(tmp_path: Path) -> None:
    cache = ScheduleCache(tmp_path)
    source = ScriptedSource()
    source.answer = [shift(10)]
    refresh(cache, source, START)
    (path,) = tmp_path.glob("*.json")
    path.write_text('{"version": 1, "name": "team", "shifts": [{"start": "bro', encoding="utf-8")
    damaged = path.read_text(encoding="utf-8")

    restarted = ScheduleCache(tmp_path)
    source.answer = FeedUnreachableError("calendar team: cannot reach cal.example.com")
    copy = refresh(restarted, source, START + timedelta(hours=1))

    assert restarted.load_all() == {}
    assert copy.freshness is Freshness.MISSING
    assert path.read_text(encoding="utf-8") == damaged  # maybe someone can still read it
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary files left


def test_schedules_with_awkward_names_get_their_own_files(tmp_path: Path) -> None:
    cache = ScheduleCache(tmp_path)
    names = ["Team A", "team-a", "on/call: ../../etc", "Bereitschaft Köln"]
    for day, name in enumerate(names, start=10):
        cache.record_success(name, "calendar", [shift(day, name)], START, START)

    assert set(ScheduleCache(tmp_path).load_all()) == set(names)
    assert all(p.parent == tmp_path for p in tmp_path.iterdir())
    stored = json.loads(next(tmp_path.glob("Team-A-*.json")).read_text(encoding="utf-8"))
    assert stored["shifts"][0]["start"] == "2026-03-10T17:00:00+00:00"

    cache.forget("Team A")
    assert set(ScheduleCache(tmp_path).load_all()) == set(names) - {"Team A"}


def test_a_broken_or_gone_calendar_keeps_the_copy_end_to_end(tmp_path: Path) -> None:
    cache = ScheduleCache(tmp_path)
    with CalendarServer((DATA / "dst-berlin.ics").read_bytes()) as calendar:
        schedule = IcsSchedule("night", calendar.link, tz=BERLIN)

        async def scenario() -> list[ScheduleCopy]:
            copies = [await cache.refresh(schedule, datetime(2026, 3, 27, 12, tzinfo=UTC))]
            calendar.body = (DATA / "broken.ics").read_bytes()
            copies.append(await cache.refresh(schedule, datetime(2026, 3, 27, 13, tzinfo=UTC)))
            calendar.body = (DATA / "dst-berlin.ics").read_bytes()
            calendar.server.fail_next(404)
            copies.append(await cache.refresh(schedule, datetime(2026, 3, 27, 14, tzinfo=UTC)))
            calendar.server.stop()
            copies.append(await cache.refresh(schedule, datetime(2026, 3, 27, 15, tzinfo=UTC)))
            await schedule.close()
            return copies

        good, broken, missing, dead = asyncio.run(scenario())

    assert len(good.shifts) == 3
    assert [c.problem for c in (broken, missing, dead)] == [
        Problem.UNREADABLE,
        Problem.FAILING,
        Problem.UNREACHABLE,
    ]
    assert all(c.shifts == good.shifts for c in (broken, missing, dead))
    assert dead.describe(datetime(2026, 3, 27, 15, tzinfo=UTC), BERLIN) == (
        "calendar night unreachable since 14:00: showing the copy from 13:00"
    )
    assert ScheduleCache(tmp_path).load("night") == dead


def test_on_call_schedule_from_the_copies() -> None:
    week = ScheduleCopy("a", "calendar", (shift(10, "a"),), START, START + timedelta(days=14))
    short = ScheduleCopy("b", "calendar", (shift(11, "b"),), START, START + timedelta(days=3))
    never = ScheduleCopy("c", "calendar")

    assert on_call_schedule([]) == OnCallSchedule.unknown()
    both = on_call_schedule([week, short])
    assert both.shifts == (shift(10, "a"), shift(11, "b"))
    assert both.known_until == START + timedelta(days=3)
    # One schedule that never fetched knows nothing: the person counts as on call.
    assert not on_call_schedule([week, never]).covers(START)
    assert both.covers(START)


@pytest.mark.parametrize(
    ("error", "problem"),
    [
        (FeedUnreachableError("x"), Problem.UNREACHABLE),
        (FeedAuthError("x"), Problem.REFUSED),
        (FeedPayloadError("x"), Problem.UNREADABLE),
        (FeedRateLimitedError("x"), Problem.RATE_LIMITED),
        (FeedConfigError("x"), Problem.MISCONFIGURED),
        (FeedError("x"), Problem.FAILING),
    ],
)
def test_problem_words(error: FeedError, problem: Problem) -> None:
    assert Problem.of(error) is problem
