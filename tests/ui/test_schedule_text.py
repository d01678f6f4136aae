"""The Schedule tab's and the tray's words for the on-call state, as plain data.

Fixed times in explicit zones; no QApplication. The week used: Wednesday 4 March 2026,
10:00 in Berlin (CET, UTC+1). Europe moves its clocks forward on Sunday 29 March 2026
at 02:00; New York moved on Sunday 8 March 2026.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from shiftbell.core.errors import FeedUnreachableError
from shiftbell.core.schedule import (
    ALWAYS_ON_CALL,
    OPEN_END,
    OnCallSchedule,
    OnCallState,
    Override,
    Shift,
    on_call_state,
)
from shiftbell.runtime.schedule_cache import Problem, ScheduleCopy
from shiftbell.ui.schedule_text import (
    SPAN,
    ScheduleSourceStatus,
    clock_time,
    duration_text,
    explanation,
    headline,
    next_shift_change,
    relative_time,
    shift_row,
    source_line,
    source_status,
    tray_line,
    upcoming_shifts,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=BERLIN)  # Wednesday

WEEKLY = Shift(
    datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN),  # Monday
    datetime(2026, 3, 10, 9, 0, tzinfo=BERLIN),  # Tuesday next week
    "PagerDuty",
    "Primary",
)
FRIDAY_NIGHT = Shift(
    datetime(2026, 3, 6, 18, 0, tzinfo=BERLIN),
    datetime(2026, 3, 7, 9, 0, tzinfo=BERLIN),
    "Team calendar",
    "Weekend cover",
)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def state_of(
    shifts: tuple[Shift, ...] = (),
    override: Override | None = None,
    now: datetime = NOW,
    known_until: datetime | None = None,
) -> OnCallState:
    return on_call_state(OnCallSchedule(shifts, known_until=known_until), override, now)


# -- times --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (at(2026, 3, 4, 12, 0), "12:00"),
        (at(2026, 3, 4, 23, 59), "23:59"),
        (at(2026, 3, 5, 0, 30), "Thu 00:30"),
        (at(2026, 3, 10, 9, 0), "Tue 09:00"),  # six days on: the weekday still says which
        (at(2026, 3, 11, 9, 0), "Wed 11 Mar 09:00"),  # a week on: "Wed" alone would be today
        (at(2026, 3, 2, 22, 0), "Mon 22:00"),
        (OPEN_END, "further notice"),
    ],
)
def test_clock_time_names_the_day_only_when_it_is_not_today(when: datetime, text: str) -> None:
    assert clock_time(when, NOW, BERLIN) == text


def test_clock_time_is_in_the_zone_passed_in() -> None:
    noon_utc = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)
    assert clock_time(noon_utc, NOW, BERLIN) == "13:00"
    assert clock_time(noon_utc, NOW, NEW_YORK) == "07:00"


@pytest.mark.parametrize(
    ("when", "text"),
    [
        (NOW + timedelta(seconds=20), "now"),
        (NOW + timedelta(minutes=25), "in 25 min"),
        (NOW + timedelta(hours=3, minutes=20), "in 3 h 20 min"),
        (NOW + timedelta(hours=2), "in 2 h"),
        (at(2026, 3, 4, 21, 0), "in 11 h"),
        (at(2026, 3, 5, 9, 0), "tomorrow"),
        (at(2026, 3, 6, 18, 0), "in 2 days"),
        (at(2026, 3, 18, 9, 0), "in 14 days"),
    ],
)
def test_relative_time(when: datetime, text: str) -> None:
    assert relative_time(when, NOW, BERLIN) == text


def test_relative_time_counts_real_hours_across_the_clock_change() -> None:
    # 23:30 CET to 04:30 CEST reads as 5 hours on the wall clock, but is 4.
    late = at(2026, 3, 28, 23, 30)
    assert relative_time(at(2026, 3, 29, 4, 30), late, BERLIN) == "in 4 h"
    # Days are calendar days: the shorter day still counts as one.
    assert relative_time(at(2026, 3, 30, 9, 0), at(2026, 3, 28, 12, 0), BERLIN) == "in 2 days"


@pytest.mark.parametrize(
    ("length", "text"),
    [
        (timedelta(hours=15), "15 h"),
        (timedelta(hours=8, minutes=30), "8 h 30 min"),
        (timedelta(minutes=45), "45 min"),
        (timedelta(days=7), "7 days"),
        (timedelta(days=1, hours=2, minutes=10), "1 day 2 h"),
        (timedelta(0), "0 min"),
    ],
)
def test_duration_text(length: timedelta, text: str) -> None:
    assert duration_text(length) == text


# -- the headline -------------------------------------------------------------------------


def test_on_call_says_until_when() -> None:
    state = state_of((WEEKLY, FRIDAY_NIGHT))
    assert headline(state, NOW, BERLIN) == "On call until Tue 09:00"
    # Overlapping shifts are one stretch of duty, which names everything it is made of.
    assert explanation(state, NOW, BERLIN) == (
        "Since Mon 09:00 · PagerDuty, Team calendar · Primary, Weekend cover"
    )
    assert tray_line(state, NOW, BERLIN) == "On call until Tue 09:00"


def test_off_call_says_when_the_next_shift_starts_and_how_far_off() -> None:
    state = state_of((FRIDAY_NIGHT,))
    assert headline(state, NOW, BERLIN) == "Off call — next shift Fri 18:00 (in 2 days)"
    assert explanation(state, NOW, BERLIN) == (
        f"Next: Fri 18:00{SPAN}Sat 09:00 · Team calendar · Weekend cover"
    )
    # The tooltip is read in passing: no "(in 2 days)".
    assert tray_line(state, NOW, BERLIN) == "Off call — next shift Fri 18:00"


def test_off_call_until_the_schedule_runs_out_says_so() -> None:
    # The sources were asked up to Thursday noon: after that Shiftbell counts as on call.
    state = state_of((FRIDAY_NIGHT,), known_until=at(2026, 3, 5, 12, 0))
    assert headline(state, NOW, BERLIN) == "Off call until Thu 12:00 (tomorrow)"
    assert "counts you as on call" in explanation(state, NOW, BERLIN)


def test_off_call_with_nothing_ahead() -> None:
    state = state_of((Shift(at(2026, 3, 1, 9, 0), at(2026, 3, 2, 9, 0), "PagerDuty"),))
    assert headline(state, NOW, BERLIN) == "Off call — no shifts ahead"
    assert explanation(state, NOW, BERLIN) == "Your schedule has no further shifts."


def test_an_open_ended_shift_is_on_call_until_further_notice() -> None:
    state = state_of((Shift(at(2026, 3, 1, 9, 0), OPEN_END, "PagerDuty", "Always on"),))
    assert headline(state, NOW, BERLIN) == "On call until further notice"


def test_an_on_call_override_says_you_said_so_and_what_the_schedule_says() -> None:
    override = Override(True, at(2026, 3, 4, 12, 0), since=NOW - timedelta(minutes=5))
    state = state_of((FRIDAY_NIGHT,), override)
    assert headline(state, NOW, BERLIN) == "On call until 12:00 (you said so)"
    assert explanation(state, NOW, BERLIN) == (
        "Your schedule says: off call, next shift Fri 18:00."
    )
    assert tray_line(state, NOW, BERLIN) == "On call until 12:00 (you said so)"


def test_an_off_call_override_in_the_middle_of_a_shift() -> None:
    state = state_of((WEEKLY,), Override(False, at(2026, 3, 4, 14, 0), since=NOW))
    assert headline(state, NOW, BERLIN) == "Off call until 14:00 (you said so)"
    assert explanation(state, NOW, BERLIN) == "Your schedule says: on shift until Tue 09:00."


def test_no_schedule_configured_means_on_call_and_says_how_to_add_one() -> None:
    assert headline(ALWAYS_ON_CALL, NOW, BERLIN, configured=False) == (
        "On call (no schedule configured)"
    )
    assert "shiftbell schedule add" in explanation(ALWAYS_ON_CALL, NOW, BERLIN, configured=False)


def test_a_schedule_that_knows_nothing_yet_counts_as_on_call() -> None:
    # Configured, but never fetched: the schedule knows nothing from the start of time.
    state = state_of((), known_until=datetime.min.replace(tzinfo=UTC))
    assert headline(state, NOW, BERLIN) == "On call (schedule unknown)"
    assert "counts you as on call" in explanation(state, NOW, BERLIN)


def test_next_shift_change_is_the_end_of_the_current_stretch_or_the_next_start() -> None:
    assert next_shift_change(state_of((WEEKLY,))) == WEEKLY.end
    assert next_shift_change(state_of((FRIDAY_NIGHT,))) == FRIDAY_NIGHT.start
    assert next_shift_change(ALWAYS_ON_CALL) is None


# -- the shift list -----------------------------------------------------------------------


def test_current_shift_row_is_marked_and_says_what_is_left() -> None:
    row = shift_row(WEEKLY, NOW, BERLIN)
    assert row.current
    assert row.day == "Mon 2 Mar"
    # Eight days after it began: the end needs its date.
    assert row.hours == f"09:00{SPAN}Tue 10 Mar 09:00"
    assert row.length == "8 days · 5 days 23 h left"
    assert row.origin == "PagerDuty · Primary"


def test_a_shift_across_midnight_names_the_day_it_ends() -> None:
    row = shift_row(FRIDAY_NIGHT, NOW, BERLIN)
    assert not row.current
    assert (row.day, row.hours, row.length) == ("Fri 6 Mar", f"18:00{SPAN}Sat 09:00", "15 h")


def test_a_new_york_night_shift_is_shown_in_the_persons_zone() -> None:
    # 22:00-06:00 in New York (EST, UTC-5) is 04:00-12:00 the next day in Berlin.
    night = Shift(
        datetime(2026, 3, 6, 22, 0, tzinfo=NEW_YORK),
        datetime(2026, 3, 7, 6, 0, tzinfo=NEW_YORK),
        "NOC calendar",
    )
    assert shift_row(night, NOW, NEW_YORK).hours == f"22:00{SPAN}Sat 06:00"
    berlin = shift_row(night, NOW, BERLIN)
    assert (berlin.day, berlin.hours, berlin.length) == ("Sat 7 Mar", f"04:00{SPAN}12:00", "8 h")
    assert berlin.origin == "NOC calendar"


def test_the_night_the_clocks_go_forward_is_an_hour_shorter() -> None:
    night = Shift(at(2026, 3, 29, 0, 0), at(2026, 3, 29, 8, 0), "Team calendar", "Night")
    row = shift_row(night, NOW, BERLIN)
    assert (row.day, row.hours, row.length) == ("Sun 29 Mar", f"00:00{SPAN}08:00", "7 h")


def test_an_all_day_shift_says_all_day() -> None:
    day = Shift(at(2026, 3, 8, 0, 0), at(2026, 3, 9, 0, 0), "Team calendar", "Holiday cover")
    row = shift_row(day, NOW, BERLIN)
    assert (row.hours, row.length) == ("all day", "1 day")


def test_an_open_ended_row() -> None:
    row = shift_row(Shift(at(2026, 3, 1, 9, 0), OPEN_END, "PagerDuty"), NOW, BERLIN)
    assert (row.hours, row.length, row.current) == (f"09:00{SPAN}open end", "open end", True)


def test_upcoming_shifts_keep_the_running_and_the_next_14_days_in_order() -> None:
    ended = Shift(at(2026, 3, 3, 18, 0), at(2026, 3, 4, 9, 0), "Team calendar")
    later = Shift(at(2026, 3, 18, 10, 0), at(2026, 3, 18, 18, 0), "Team calendar")
    last_in = Shift(at(2026, 3, 18, 9, 0), at(2026, 3, 18, 17, 0), "Team calendar")
    shown = upcoming_shifts([later, FRIDAY_NIGHT, ended, last_in, WEEKLY], NOW)
    assert shown == [WEEKLY, FRIDAY_NIGHT, last_in]


# -- the sources --------------------------------------------------------------------------


def test_source_lines() -> None:
    fresh = ScheduleSourceStatus("Team calendar", True, fetched_at=at(2026, 3, 4, 9, 30))
    assert source_line(fresh, NOW, BERLIN) == "Team calendar: up to date · fetched 09:30"
    stale = ScheduleSourceStatus(
        "Team calendar", False, "unreachable since 10:42", at(2026, 3, 4, 9, 30), stale=True
    )
    assert source_line(stale, NOW, BERLIN) == (
        "Team calendar: unreachable since 10:42 · showing the copy from 09:30"
    )
    never = ScheduleSourceStatus("PagerDuty", False, "refused access")
    assert source_line(never, NOW, BERLIN) == (
        "PagerDuty: refused access · no copy yet, so you count as on call"
    )
    assert source_line(ScheduleSourceStatus("X", False), NOW, BERLIN).startswith("X: not working")


def test_source_status_from_the_cache() -> None:
    fetched = at(2026, 3, 4, 9, 30)
    fresh = ScheduleCopy("Team", "calendar", (FRIDAY_NIGHT,), fetched_at=fetched)
    assert source_status(fresh, NOW, BERLIN) == ScheduleSourceStatus("Team", True, "", fetched)

    failing = ScheduleCopy(
        "Team",
        "calendar",
        (FRIDAY_NIGHT,),
        fetched_at=fetched,
        problem=Problem.of(FeedUnreachableError("calendar Team: connection refused")),
        error="calendar Team: connection refused",
        failing_since=at(2026, 3, 3, 22, 5),
    )
    status = source_status(failing, NOW, BERLIN)
    assert status == ScheduleSourceStatus(
        "Team",
        False,
        "unreachable since Tue 22:05",
        fetched,
        stale=True,
        detail="calendar Team: connection refused",
    )
    assert source_line(status, NOW, BERLIN) == (
        "Team: unreachable since Tue 22:05 · showing the copy from 09:30"
    )

    waiting = source_status(ScheduleCopy("Team", "calendar"), NOW, BERLIN)
    assert (waiting.ok, waiting.message, waiting.stale) == (False, "not fetched yet", False)
