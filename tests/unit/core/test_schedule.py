"""The schedule model: shifts, merged stretches, overrides, quiet hours, reminders."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shiftbell.core.clock import FakeClock
from shiftbell.core.schedule import (
    OPEN_END,
    OnCallReason,
    OnCallSchedule,
    OnCallState,
    Override,
    QuietHours,
    Shift,
    on_call_state,
    reminder_due,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(month: int, day: int, hour: int = 0, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def local_shift(
    day: date, start: time, end: time, tz: ZoneInfo, source: str = "cal", label: str = ""
) -> Shift:
    """A shift as a calendar writes it: wall-clock times in a zone, over midnight if end < start."""
    end_day = day if end > start else day + timedelta(days=1)
    return Shift(
        datetime.combine(day, start, tzinfo=tz),
        datetime.combine(end_day, end, tzinfo=tz),
        source,
        label,
    )


# -- Shift -------------------------------------------------------------------------------------


def test_a_shift_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match=r"must end after it starts.*pagerduty"):
        Shift(utc(3, 1, 9), utc(3, 1, 9), "pagerduty")
    with pytest.raises(ValueError, match="must end after it starts"):
        Shift(utc(3, 1, 9), utc(3, 1, 8), "pagerduty")


def test_a_shift_needs_aware_times() -> None:
    with pytest.raises(ValueError, match=r"time zone.*naive"):
        Shift(datetime(2026, 3, 1, 9), utc(3, 1, 17), "cal")


def test_a_shift_covers_its_start_but_not_its_end() -> None:
    shift = Shift(utc(3, 1, 9), utc(3, 1, 17), "cal")
    assert shift.contains(utc(3, 1, 9))
    assert shift.contains(utc(3, 1, 16, 59))
    assert not shift.contains(utc(3, 1, 17))
    assert not shift.contains(utc(3, 1, 8, 59))
    assert shift.duration == timedelta(hours=8)
    assert not shift.open_ended
    assert Shift(utc(3, 1, 9), OPEN_END, "pagerduty").open_ended


# -- OnCallSchedule ----------------------------------------------------------------------------


def test_overlapping_shifts_from_two_sources_merge_for_on_call_but_stay_for_display() -> None:
    ics = Shift(utc(3, 2, 9), utc(3, 2, 17), "team-calendar", "Primary")
    pd = Shift(utc(3, 2, 15), utc(3, 2, 21), "pagerduty", "Ops rotation")
    later = Shift(utc(3, 3, 9), utc(3, 3, 17), "team-calendar", "Primary")
    schedule = OnCallSchedule([later, pd, ics])

    assert schedule.shifts == (ics, pd, later)  # sorted, all kept
    merged = schedule.on_call_at(utc(3, 2, 16))
    assert merged == Shift(
        utc(3, 2, 9), utc(3, 2, 21), "team-calendar, pagerduty", "Primary, Ops rotation"
    )
    # The same stretch from anywhere inside it, including the part only PagerDuty covers.
    assert schedule.on_call_at(utc(3, 2, 9)) == merged
    assert schedule.on_call_at(utc(3, 2, 20, 59)) == merged
    assert schedule.on_call_at(utc(3, 2, 21)) is None
    assert schedule.shifts_at(utc(3, 2, 16)) == (ics, pd)
    assert schedule.shifts_at(utc(3, 2, 18)) == (pd,)
    assert schedule.stretches == (merged, later)


def test_touching_shifts_are_one_stretch_and_duplicates_count_once() -> None:
    day = Shift(utc(3, 2, 9), utc(3, 2, 17), "cal", "Day")
    night = Shift(utc(3, 2, 17), utc(3, 3, 9), "cal", "Night")
    schedule = OnCallSchedule([night, day, day])
    assert schedule.shifts == (day, night)
    assert schedule.stretches == (Shift(utc(3, 2, 9), utc(3, 3, 9), "cal", "Day, Night"),)
    state = on_call_state(schedule, None, utc(3, 2, 12))
    assert state.until == utc(3, 3, 9)  # not 17:00, when only the label changes


def test_a_shift_inside_a_longer_one_does_not_shorten_the_stretch() -> None:
    week = Shift(utc(3, 2), utc(3, 9), "pagerduty")
    inner = Shift(utc(3, 3), utc(3, 4), "cal")
    after = Shift(utc(3, 5), utc(3, 6), "cal")
    schedule = OnCallSchedule([week, inner, after])
    assert schedule.stretches == (Shift(utc(3, 2), utc(3, 9), "pagerduty, cal"),)


def test_next_shift_is_the_next_stretch_not_the_current_one() -> None:
    first = Shift(utc(3, 2, 9), utc(3, 2, 17), "cal")
    second = Shift(utc(3, 4, 9), utc(3, 4, 17), "cal")
    schedule = OnCallSchedule([first, second])
    assert schedule.next_shift_after(utc(3, 1)) == first
    assert schedule.next_shift_after(utc(3, 2, 9)) == second  # first has begun
    assert schedule.next_shift_after(utc(3, 2, 12)) == second
    assert schedule.next_shift_after(utc(3, 4, 9)) is None
    assert OnCallSchedule().next_shift_after(utc(3, 1)) is None


def test_shifts_between_lists_the_next_14_days_including_partial_ones() -> None:
    now = utc(3, 1, 12)
    running = Shift(utc(2, 28, 18), utc(3, 1, 18), "cal")
    inside = Shift(utc(3, 7, 9), utc(3, 7, 17), "pagerduty")
    straddling = Shift(utc(3, 15, 9), utc(3, 15, 17), "cal")
    beyond = Shift(utc(3, 16, 9), utc(3, 16, 17), "cal")
    past = Shift(utc(2, 20, 9), utc(2, 20, 17), "cal")
    schedule = OnCallSchedule([beyond, straddling, inside, running, past])
    assert schedule.shifts_between(now, now + timedelta(days=14)) == (running, inside, straddling)


def test_schedules_compare_by_what_they_say() -> None:
    a = Shift(utc(3, 2, 9), utc(3, 2, 17), "cal")
    assert OnCallSchedule([a]) == OnCallSchedule([a, a])
    assert OnCallSchedule([a]) != OnCallSchedule([a], known_until=utc(4, 1))
    assert OnCallSchedule() != OnCallSchedule.unknown()
    assert OnCallSchedule.unknown() == OnCallSchedule.unknown()


# -- on call state -----------------------------------------------------------------------------


@pytest.mark.parametrize("schedule", [None, OnCallSchedule.unknown()])
def test_no_schedule_means_on_call_with_full_escalation(schedule: OnCallSchedule | None) -> None:
    state = on_call_state(schedule, None, utc(3, 1, 3))
    assert state == OnCallState(
        on_call=True,
        current=None,
        until=None,
        next_shift=None,
        overridden=False,
        since=None,
        schedule_known=False,
    )
    assert state.reason is OnCallReason.NO_SCHEDULE


def test_an_empty_schedule_means_off_call_for_good() -> None:
    state = on_call_state(OnCallSchedule(), None, utc(3, 1, 3))
    assert not state.on_call
    assert state.until is None and state.since is None and state.next_shift is None
    assert state.reason is OnCallReason.OFF_SHIFT


def test_on_and_off_shift_say_until_when_and_since_when() -> None:
    shift = Shift(utc(3, 2, 9), utc(3, 2, 17), "cal")
    nxt = Shift(utc(3, 4, 9), utc(3, 4, 17), "cal")
    schedule = OnCallSchedule([shift, nxt])

    before = on_call_state(schedule, None, utc(3, 2, 8))
    assert (before.on_call, before.until, before.next_shift) == (False, utc(3, 2, 9), shift)
    assert before.since is None and before.current is None

    during = on_call_state(schedule, None, utc(3, 2, 12))
    assert during.on_call and during.reason is OnCallReason.SHIFT
    assert (during.current, during.since, during.until, during.next_shift) == (
        shift,
        utc(3, 2, 9),
        utc(3, 2, 17),
        nxt,
    )

    after = on_call_state(schedule, None, utc(3, 2, 17))
    assert not after.on_call
    assert (after.since, after.until, after.next_shift) == (utc(3, 2, 17), utc(3, 4, 9), nxt)


def test_an_open_ended_shift_has_no_until() -> None:
    schedule = OnCallSchedule([Shift(utc(3, 2, 9), OPEN_END, "pagerduty")])
    state = on_call_state(schedule, None, utc(5, 1))
    assert state.on_call and state.until is None and state.since == utc(3, 2, 9)


def test_beyond_what_the_schedule_knows_the_person_is_on_call_again() -> None:
    # The sources were asked up to April 1st; a calendar that stops refreshing
    # must not leave the alarm quiet for ever.
    shift = Shift(utc(3, 2, 9), utc(3, 2, 17), "cal")
    schedule = OnCallSchedule([shift], known_until=utc(4, 1))
    off = on_call_state(schedule, None, utc(3, 20))
    assert not off.on_call and off.until == utc(4, 1)
    unknown = on_call_state(schedule, None, utc(4, 1))
    assert unknown.on_call and unknown.reason is OnCallReason.NO_SCHEDULE
    assert unknown.since == utc(4, 1) and unknown.until is None
    # A shift running into the unknown stays on call with no end.
    running = OnCallSchedule([Shift(utc(3, 31, 20), utc(4, 1, 8), "cal")], known_until=utc(4, 1))
    assert on_call_state(running, None, utc(3, 31, 21)).until is None


# Shift 09:00-17:00 UTC on March 2nd, next one on March 4th.
SHIFT = Shift(utc(3, 2, 9), utc(3, 2, 17), "cal")
NEXT = Shift(utc(3, 4, 9), utc(3, 4, 17), "cal")


def h(hours: float) -> datetime:
    """Hours from midnight UTC on March 2nd, the day of SHIFT."""
    return utc(3, 2) + timedelta(hours=hours)


@pytest.mark.parametrize(
    ("override", "now", "on_call", "overridden", "since", "until"),
    [
        # "I am on call" while off shift, ending before the shift: off again at its end.
        (Override(True, h(6), since=h(5)), h(5), True, True, h(5), h(6)),
        # ... ending inside the shift: on call straight through to the shift's end.
        (Override(True, h(12), since=h(5)), h(6), True, True, h(5), h(17)),
        # ... ending exactly when the shift starts: still one stretch.
        (Override(True, h(9), since=h(5)), h(6), True, True, h(5), h(17)),
        # "I am off call" during the shift, ending inside it: on call again at its end.
        (Override(False, h(13), since=h(10)), h(11), False, True, h(10), h(13)),
        # ... ending after the shift: off until the next shift.
        (Override(False, h(20), since=h(10)), h(11), False, True, h(10), NEXT.start),
        # ... set while already off: changes nothing but the label.
        (Override(False, h(20), since=h(18)), h(19), False, True, h(17), NEXT.start),
        # Expired: the schedule decides again; the override's end is when the answer changed.
        (Override(False, h(13), since=h(10)), h(13), True, False, h(13), h(17)),
        (Override(True, h(6), since=h(5)), h(7), False, False, h(6), h(9)),
        # Set for later: not in force yet, but it already says when the answer changes.
        (Override(False, h(14), since=h(12)), h(11), True, False, h(9), h(12)),
        # No start known: reaches back, so there is no "since".
        (Override(True, h(6)), h(5), True, True, None, h(6)),
    ],
)
def test_overrides_and_their_expiry(
    override: Override,
    now: datetime,
    on_call: bool,
    overridden: bool,
    since: datetime | None,
    until: datetime,
) -> None:
    state = on_call_state(OnCallSchedule([SHIFT, NEXT]), override, now)
    assert state.on_call is on_call
    assert state.overridden is overridden
    assert state.since == since
    assert state.until == until
    if overridden:
        assert state.reason is OnCallReason.OVERRIDE
    # The scheduled shifts are reported as they are, whatever the override says.
    assert state.current == (SHIFT if SHIFT.contains(now) else None)


def test_an_override_expires_on_a_fake_clock_without_anyone_clearing_it() -> None:
    clock = FakeClock(utc(3, 2, 10))
    schedule = OnCallSchedule([SHIFT])
    override = Override(False, clock.now() + timedelta(hours=1), since=clock.now())
    assert not on_call_state(schedule, override, clock.now()).on_call
    clock.advance(timedelta(minutes=59, seconds=59))
    assert not on_call_state(schedule, override, clock.now()).on_call
    clock.advance(1)
    state = on_call_state(schedule, override, clock.now())
    assert state.on_call and not state.overridden and state.reason is OnCallReason.SHIFT


def test_an_override_also_overrides_no_schedule() -> None:
    off = on_call_state(None, Override(False, utc(3, 2, 8), utc(3, 1, 22)), utc(3, 2, 1))
    assert not off.on_call and off.overridden and off.until == utc(3, 2, 8)
    assert off.reason is OnCallReason.OVERRIDE


def test_an_override_must_end_after_it_starts() -> None:
    with pytest.raises(ValueError, match="end after it starts"):
        Override(True, utc(3, 2, 5), since=utc(3, 2, 5))


# -- time zones and daylight saving ------------------------------------------------------------


def test_a_shift_across_midnight_in_new_york_seen_from_utc() -> None:
    # 22:00-06:00 New York on January 15th (EST, UTC-5) is 03:00-11:00 UTC on the 16th.
    shift = local_shift(date(2026, 1, 15), time(22), time(6), NEW_YORK)
    schedule = OnCallSchedule([shift])
    assert shift.duration == timedelta(hours=8)
    expected = {
        utc(1, 16, 2, 59): False,
        utc(1, 16, 3): True,  # 22:00 in New York, still the 15th there
        utc(1, 16, 5): True,  # local midnight
        utc(1, 16, 10, 59): True,
        utc(1, 16, 11): False,  # 06:00 in New York
    }
    assert {t: on_call_state(schedule, None, t).on_call for t in expected} == expected
    state = on_call_state(schedule, None, utc(1, 16, 4))
    assert state.until == utc(1, 16, 11)
    assert state.until is not None and state.until.astimezone(NEW_YORK).hour == 6


def test_the_same_night_shift_in_summer_moves_an_hour_in_utc() -> None:
    # EDT is UTC-4: the shift is 02:00-10:00 UTC in July.
    schedule = OnCallSchedule([local_shift(date(2026, 7, 15), time(22), time(6), NEW_YORK)])
    assert on_call_state(schedule, None, utc(7, 16, 2)).on_call
    assert not on_call_state(schedule, None, utc(7, 16, 10)).on_call
    assert not on_call_state(schedule, None, utc(7, 16, 1, 59)).on_call


def test_a_shift_over_the_spring_forward_lasts_seven_hours() -> None:
    # Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST. 00:00-08:00 local is 23:00-06:00 UTC.
    shift = local_shift(date(2026, 3, 29), time(0), time(8), BERLIN)
    schedule = OnCallSchedule([shift])
    assert shift.duration == timedelta(hours=7)
    assert shift.start == utc(3, 28, 23) and shift.end == utc(3, 29, 6)
    assert on_call_state(schedule, None, utc(3, 29, 1)).on_call  # 03:00 CEST, just after the jump
    assert on_call_state(schedule, None, utc(3, 29, 5, 59)).on_call
    assert not on_call_state(schedule, None, utc(3, 29, 6)).on_call  # 08:00 CEST
    assert on_call_state(schedule, None, utc(3, 29, 2)).until == utc(3, 29, 6)


def test_a_shift_over_the_fall_back_lasts_nine_hours() -> None:
    # Berlin, 2026-10-25: 03:00 CEST becomes 02:00 CET. 00:00-08:00 local is 22:00-07:00 UTC.
    shift = local_shift(date(2026, 10, 25), time(0), time(8), BERLIN)
    schedule = OnCallSchedule([shift])
    assert shift.duration == timedelta(hours=9)
    assert shift.start == utc(10, 24, 22) and shift.end == utc(10, 25, 7)
    # 02:30 happens twice in Berlin that night; both are inside the shift.
    first = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=0)
    second = datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=1)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    assert on_call_state(schedule, None, first).on_call
    assert on_call_state(schedule, None, second).on_call
    assert on_call_state(schedule, None, utc(10, 25, 6, 59)).on_call
    assert not on_call_state(schedule, None, utc(10, 25, 7)).on_call  # 08:00 CET


def test_a_daily_shift_keeps_its_wall_clock_hours_across_the_change() -> None:
    shifts = [local_shift(date(2026, 3, d), time(0), time(8), BERLIN) for d in (28, 29, 30)]
    schedule = OnCallSchedule(shifts)
    assert [s.duration.total_seconds() / 3600 for s in schedule.stretches] == [8, 7, 8]
    assert [s.start.astimezone(BERLIN).hour for s in schedule.stretches] == [0, 0, 0]
    # Off call on the 29th at 09:00 CEST: the next shift is the 30th at 00:00 CEST.
    state = on_call_state(schedule, None, datetime(2026, 3, 29, 9, tzinfo=BERLIN))
    assert state.next_shift == shifts[2]
    assert state.until == datetime(2026, 3, 30, 0, tzinfo=BERLIN) == utc(3, 29, 22)


# -- reminders ---------------------------------------------------------------------------------


def test_the_reminder_fires_once_per_shift_on_a_fake_clock() -> None:
    # Two shifts, plus a hand-over inside the second that must not remind again.
    first = Shift(utc(3, 2, 9), utc(3, 2, 17), "cal")
    second = Shift(utc(3, 3, 9), utc(3, 3, 13), "cal")
    handover = Shift(utc(3, 3, 13), utc(3, 3, 21), "pagerduty")
    schedule = OnCallSchedule([first, second, handover])
    clock = FakeClock(utc(3, 2, 0))
    lead = timedelta(minutes=15)
    last: datetime | None = None
    reminded: list[tuple[datetime, datetime]] = []
    while clock.now() < utc(3, 4):
        shift = reminder_due(schedule, clock.now(), lead, last)
        if shift is not None:
            reminded.append((clock.now(), shift.start))
            last = shift.start
        clock.advance(timedelta(seconds=30))
    assert reminded == [(utc(3, 2, 8, 45), utc(3, 2, 9)), (utc(3, 3, 8, 45), utc(3, 3, 9))]


def test_no_reminder_for_a_shift_already_running_or_without_a_lead() -> None:
    shift = Shift(utc(3, 2, 9), utc(3, 2, 17), "cal")
    schedule = OnCallSchedule([shift])
    lead = timedelta(minutes=15)
    assert reminder_due(schedule, utc(3, 2, 8, 44), lead, None) is None
    assert reminder_due(schedule, utc(3, 2, 8, 45), lead, None) == shift
    assert reminder_due(schedule, utc(3, 2, 8, 59), lead, None) == shift
    assert reminder_due(schedule, utc(3, 2, 9), lead, None) is None  # started: nothing to announce
    assert reminder_due(schedule, utc(3, 2, 8, 50), timedelta(0), None) is None
    assert reminder_due(None, utc(3, 2, 8, 50), lead, None) is None
    assert reminder_due(OnCallSchedule.unknown(), utc(3, 2, 8, 50), lead, None) is None


def test_a_restart_inside_the_lead_with_the_last_reminder_remembered_stays_quiet() -> None:
    shift = Shift(utc(3, 2, 9), utc(3, 2, 17), "cal")
    schedule = OnCallSchedule([shift])
    lead = timedelta(minutes=15)
    assert reminder_due(schedule, utc(3, 2, 8, 55), lead, utc(3, 2, 9)) is None
    # A shift moved later by its source is news: remind again.
    moved = OnCallSchedule([Shift(utc(3, 2, 9, 10), utc(3, 2, 17), "cal")])
    assert reminder_due(moved, utc(3, 2, 8, 56), lead, utc(3, 2, 9)) is not None


# -- quiet hours -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [(21, 59, False), (22, 0, True), (23, 59, True), (0, 0, True), (6, 59, True), (7, 0, False)],
)
def test_quiet_hours_across_midnight(hour: int, minute: int, quiet: bool) -> None:
    hours = QuietHours(time(22), time(7), BERLIN)
    assert hours.crosses_midnight
    assert hours.contains(datetime(2026, 1, 10, hour, minute, tzinfo=BERLIN)) is quiet


def test_quiet_hours_within_one_day() -> None:
    hours = QuietHours(time(13), time(14, 30), BERLIN)
    assert not hours.crosses_midnight
    assert not hours.contains(datetime(2026, 1, 10, 12, 59, tzinfo=BERLIN))
    assert hours.contains(datetime(2026, 1, 10, 13, tzinfo=BERLIN))
    assert not hours.contains(datetime(2026, 1, 10, 14, 30, tzinfo=BERLIN))


def test_quiet_hours_are_read_in_the_zone_passed_in() -> None:
    hours = QuietHours(time(22), time(7), NEW_YORK)
    # 03:30 UTC is 22:30 in New York (EST): quiet there, though broad daylight nowhere near.
    assert hours.contains(utc(1, 16, 3, 30))
    assert not hours.contains(utc(1, 16, 12))  # 07:00 in New York
    assert not QuietHours(time(22), time(7), BERLIN).contains(utc(1, 16, 12))
    # In summer (EDT, UTC-4) the window ends an hour earlier in UTC.
    assert hours.contains(utc(7, 16, 10, 59))  # 06:59 EDT
    assert not hours.contains(utc(7, 16, 11))  # 07:00 EDT


def test_quiet_hours_follow_the_wall_clock_over_daylight_saving() -> None:
    hours = QuietHours(time(22), time(7), BERLIN)
    # The spring-forward night is 8 hours of quiet, the fall-back night 10.
    assert hours.last_end(utc(3, 29, 12)) == utc(3, 29, 5)  # 07:00 CEST
    assert hours.last_end(utc(10, 25, 12)) == utc(10, 25, 6)  # 07:00 CET
    assert hours.contains(utc(3, 29, 4, 59)) and not hours.contains(utc(3, 29, 5))
    assert hours.contains(utc(10, 25, 5, 59)) and not hours.contains(utc(10, 25, 6))


def test_last_end_is_today_or_yesterday() -> None:
    hours = QuietHours(time(22), time(7), BERLIN)
    assert hours.last_end(datetime(2026, 1, 10, 7, tzinfo=BERLIN)) == datetime(
        2026, 1, 10, 7, tzinfo=BERLIN
    )
    assert hours.last_end(datetime(2026, 1, 10, 6, 59, tzinfo=BERLIN)) == datetime(
        2026, 1, 9, 7, tzinfo=BERLIN
    )


def test_quiet_hours_parse_and_say_what_is_wrong() -> None:
    assert QuietHours.parse("22:00-07:00", BERLIN) == QuietHours(time(22), time(7), BERLIN)
    assert QuietHours.parse(" 7:30 \u2013 9:05 ", BERLIN) == QuietHours(
        time(7, 30), time(9, 5), BERLIN
    )
    assert QuietHours.parse("22:00-07:00", BERLIN).text == "22:00-07:00"
    assert QuietHours.problem("22:00-07:00") is None
    assert QuietHours.problem("22.00-07.00") == "is not a time range: write it like 22:00-07:00"
    with pytest.raises(ValueError, match="write it like 22:00-07:00"):
        QuietHours.parse("10pm-7am", BERLIN)
    with pytest.raises(ValueError, match="does not exist"):
        QuietHours.parse("22:00-24:00", BERLIN)
    with pytest.raises(ValueError, match="same time"):
        QuietHours.parse("22:00-22:00", BERLIN)
    with pytest.raises(ValueError, match="wall-clock"):
        QuietHours(time(22, tzinfo=UTC), time(7), BERLIN)


def test_an_override_taken_back_before_it_began_is_gone_otherwise_it_ends_now() -> None:
    said = Override(False, h(10), since=h(5))
    assert said.cleared(h(5)) is None
    assert said.cleared(h(7)) == Override(False, h(7), since=h(5))
    assert said.cleared(h(12)) == said  # already over: nothing changes
    assert Override(True, h(10)).cleared(h(7)) == Override(True, h(7))
