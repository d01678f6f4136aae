"""Escalation that follows the on-call schedule and quiet hours."""

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from shiftbell.core.alert import Alert, Incoming, Severity
from shiftbell.core.board import AlertBoard
from shiftbell.core.clock import FakeClock
from shiftbell.core.escalation import (
    EscalationSettings,
    ScheduleSettings,
    Sound,
    Stage,
    Suppression,
    alarm_state,
    level_for,
)
from shiftbell.core.schedule import (
    ALWAYS_ON_CALL,
    OnCallSchedule,
    OnCallState,
    Override,
    QuietHours,
    Shift,
    on_call_state,
)
from shiftbell.core.snooze import Snooze

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
ESCALATION = EscalationSettings()
NIGHTS = QuietHours(time(22), time(7), BERLIN)
OFF = Suppression.OFF_SHIFT
QUIET = Suppression.QUIET_HOURS


def fire(
    at: datetime, severity: Severity, key: str = "k", board: AlertBoard | None = None
) -> Alert:
    board = board if board is not None else AlertBoard()
    return board.merge_event("local", Incoming(key, "disk full", severity), at).new[0]


# -- the table of cases ------------------------------------------------------------------------

# 03:00 in Berlin is inside the quiet hours, 12:00 is not; both are inside SHIFT.
IN_QUIET = datetime(2026, 1, 10, 3, tzinfo=BERLIN)
OUT_OF_QUIET = datetime(2026, 1, 10, 12, tzinfo=BERLIN)
SHIFT = Shift(datetime(2026, 1, 9, 18, tzinfo=UTC), datetime(2026, 1, 10, 18, tzinfo=UTC), "cal")


def situation(who: str, now: datetime) -> OnCallState | None:
    """The on-call answer for one column of the table, computed the way the app will."""
    until = now + timedelta(hours=1)
    on_shift = OnCallSchedule([SHIFT])
    no_shift = OnCallSchedule()
    if who == "no-schedule":
        return None
    if who == "on-shift":
        return on_call_state(on_shift, None, now)
    if who == "off-shift":
        return on_call_state(no_shift, None, now)
    if who == "override-on":  # off by the schedule, "I am on call" by the person
        return on_call_state(no_shift, Override(True, until), now)
    if who == "override-off":  # on by the schedule, "I am off call" by the person
        return on_call_state(on_shift, Override(False, until), now)
    raise AssertionError(who)


W, C, I = Severity.WARNING, Severity.CRITICAL, Severity.INFO  # noqa: E741


@pytest.mark.parametrize(
    ("who", "severity", "quiet", "off_crit", "quiet_crit", "sound", "held"),
    [
        # No schedule: today's behaviour.
        ("no-schedule", W, None, True, True, Sound.CHIME, set()),
        ("no-schedule", C, None, True, True, Sound.ALARM, set()),
        ("no-schedule", I, None, True, True, None, set()),  # info never sounds: nothing held
        # On shift: full escalation.
        ("on-shift", W, OUT_OF_QUIET, True, True, Sound.CHIME, set()),
        ("on-shift", C, OUT_OF_QUIET, True, True, Sound.ALARM, set()),
        ("on-shift", C, OUT_OF_QUIET, False, True, Sound.ALARM, set()),  # the flag is for off shift
        # Off shift: notification only, critical alarms unless turned off.
        ("off-shift", W, OUT_OF_QUIET, True, True, None, {OFF}),
        ("off-shift", C, OUT_OF_QUIET, True, True, Sound.ALARM, set()),
        ("off-shift", C, OUT_OF_QUIET, False, True, None, {OFF}),
        ("off-shift", I, OUT_OF_QUIET, True, True, None, set()),
        # Overrides count like the schedule would.
        ("override-on", W, OUT_OF_QUIET, True, True, Sound.CHIME, set()),
        ("override-off", W, OUT_OF_QUIET, True, True, None, {OFF}),
        ("override-off", C, OUT_OF_QUIET, True, True, Sound.ALARM, set()),
        ("override-off", C, OUT_OF_QUIET, False, True, None, {OFF}),
        # Quiet hours apply on and off shift, with or without a schedule; critical gets through.
        ("on-shift", W, IN_QUIET, True, True, None, {QUIET}),
        ("on-shift", C, IN_QUIET, True, True, Sound.ALARM, set()),
        ("on-shift", C, IN_QUIET, True, False, None, {QUIET}),
        ("no-schedule", W, IN_QUIET, True, True, None, {QUIET}),
        ("override-on", W, IN_QUIET, True, True, None, {QUIET}),
        # Off shift in quiet hours: both must let a critical alert through.
        ("off-shift", W, IN_QUIET, True, True, None, {OFF, QUIET}),
        ("off-shift", C, IN_QUIET, True, True, Sound.ALARM, set()),
        ("off-shift", C, IN_QUIET, False, True, None, {OFF}),
        ("off-shift", C, IN_QUIET, True, False, None, {QUIET}),
        ("off-shift", C, IN_QUIET, False, False, None, {OFF, QUIET}),
    ],
)  # fmt: skip
def test_policy_table(
    who: str,
    severity: Severity,
    quiet: datetime | None,
    off_crit: bool,
    quiet_crit: bool,
    sound: Sound | None,
    held: set[Suppression],
) -> None:
    now = quiet if quiet is not None else OUT_OF_QUIET
    schedule = ScheduleSettings(
        off_shift_critical_alarms=off_crit,
        quiet_hours=NIGHTS if quiet is not None else None,
        quiet_hours_critical_alarms=quiet_crit,
    )
    alert = fire(now - timedelta(seconds=30), severity)
    on_call = situation(who, now)
    level = level_for(alert, ESCALATION, now, on_call=on_call, schedule=schedule)
    assert level.sound is sound
    assert level.suppressed_by == held
    assert level.stage is (Stage.SOUND if sound is not None else Stage.NOTIFY)
    state = alarm_state([alert], ESCALATION, now, on_call=on_call, schedule=schedule)
    assert state.audible is (sound is not None)
    assert state.suppressed_by == held


# -- defaults keep today's behaviour -----------------------------------------------------------


@pytest.mark.parametrize("severity", list(Severity))
def test_without_schedule_arguments_nothing_changes(severity: Severity) -> None:
    clock = FakeClock()
    alert = fire(clock.now(), severity)
    unknown = on_call_state(None, None, clock.now())
    assert unknown == ALWAYS_ON_CALL
    for seconds in (0, 1, 30, 59, 60, 61, 119, 120, 239, 240, 3600):
        now = clock.now() + timedelta(seconds=seconds)
        today = level_for(alert, ESCALATION, now)
        assert level_for(alert, ESCALATION, now, on_call=None, schedule=ScheduleSettings()) == today
        assert level_for(alert, ESCALATION, now, on_call=unknown) == today
        assert alarm_state([alert], ESCALATION, now, on_call=unknown) == alarm_state(
            [alert], ESCALATION, now
        )
    assert level_for(alert, ESCALATION, clock.now() + timedelta(minutes=5)).suppressed_by == set()


# -- when a held-back alert is let through -----------------------------------------------------


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=NEW_YORK)


# A night shift in New York, 22:00-06:00; the app's clock runs in UTC.
NIGHT_SHIFT = OnCallSchedule([Shift(ny(15, 22), ny(16, 6), "cal")])


def walk(
    alert: Alert, clock: FakeClock, schedule: ScheduleSettings, override: Override | None = None
) -> tuple[Stage, Sound | None, float, datetime | None]:
    on_call = on_call_state(NIGHT_SHIFT, override, clock.now())
    level = level_for(alert, ESCALATION, clock.now(), on_call=on_call, schedule=schedule)
    return level.stage, level.sound, round(level.volume, 3), level.chime_due


def test_a_critical_alert_held_off_shift_ramps_from_the_start_of_the_shift() -> None:
    quiet_off_shift = ScheduleSettings(off_shift_critical_alarms=False)
    clock = FakeClock(ny(15, 21, 50).astimezone(UTC))
    alert = fire(clock.now(), Severity.CRITICAL)
    assert walk(alert, clock, quiet_off_shift) == (Stage.NOTIFY, None, 0.0, None)
    clock.set(ny(15, 21, 59).astimezone(UTC))
    assert walk(alert, clock, quiet_off_shift)[0] is Stage.NOTIFY
    # The shift starts ten minutes after the alert fired: the ramp begins, not the siren.
    clock.set(ny(15, 22).astimezone(UTC))
    assert walk(alert, clock, quiet_off_shift) == (Stage.SOUND, Sound.ALARM, 0.3, None)
    clock.advance(30)
    assert walk(alert, clock, quiet_off_shift) == (Stage.SOUND, Sound.ALARM, 0.65, None)
    clock.advance(90)
    assert walk(alert, clock, quiet_off_shift) == (Stage.HARSH, Sound.SIREN, 1.0, None)
    clock.advance(120)
    state = walk(alert, clock, quiet_off_shift)
    assert state == (Stage.WINDOW, Sound.SIREN, 1.0, None)


def test_a_critical_alert_that_alarmed_off_shift_does_not_start_over() -> None:
    clock = FakeClock(ny(15, 21, 50).astimezone(UTC))
    alert = fire(clock.now(), Severity.CRITICAL)
    assert walk(alert, clock, ScheduleSettings())[1] is Sound.ALARM
    clock.set(ny(15, 22).astimezone(UTC))
    # Ten minutes of alarm already: still the window at the front, not a fresh 30 %.
    assert walk(alert, clock, ScheduleSettings()) == (Stage.WINDOW, Sound.SIREN, 1.0, None)


def test_a_warning_held_off_shift_chimes_from_the_start_of_the_shift() -> None:
    # Fired at 21:50:20: chimes counted from the firing would fall at hh:mm:20.
    clock = FakeClock(ny(15, 21, 50).astimezone(UTC) + timedelta(seconds=20))
    alert = fire(clock.now(), Severity.WARNING)
    assert walk(alert, clock, ScheduleSettings())[0] is Stage.NOTIFY
    start = ny(15, 22).astimezone(UTC)
    clock.set(start)
    assert walk(alert, clock, ScheduleSettings()) == (Stage.SOUND, Sound.CHIME, 0.7, start)
    clock.advance(59)
    assert walk(alert, clock, ScheduleSettings())[3] == start
    clock.advance(1)
    assert walk(alert, clock, ScheduleSettings())[3] == start + timedelta(seconds=60)
    # At 06:00 New York the shift ends and the warning goes back to a notification.
    clock.set(ny(16, 6).astimezone(UTC))
    assert walk(alert, clock, ScheduleSettings())[0] is Stage.NOTIFY


def test_i_am_on_call_starts_the_ramp_when_said() -> None:
    quiet_off_shift = ScheduleSettings(off_shift_critical_alarms=False)
    clock = FakeClock(ny(15, 12).astimezone(UTC))
    alert = fire(clock.now(), Severity.CRITICAL)
    clock.advance(timedelta(minutes=20))
    said = Override(True, clock.now() + timedelta(hours=2), since=clock.now())
    assert walk(alert, clock, quiet_off_shift, said) == (Stage.SOUND, Sound.ALARM, 0.3, None)
    # Said without a time: the override reaches back, so the alert is 20 minutes old.
    vague = Override(True, clock.now() + timedelta(hours=2))
    assert walk(alert, clock, quiet_off_shift, vague)[0] is Stage.WINDOW


def test_i_am_off_call_ending_mid_shift_ramps_from_its_end() -> None:
    clock = FakeClock(ny(15, 23).astimezone(UTC))
    break_ = Override(False, ny(16, 1).astimezone(UTC), since=clock.now())
    alert = fire(clock.now() + timedelta(minutes=5, seconds=20), Severity.WARNING)
    clock.advance(timedelta(minutes=30))
    assert walk(alert, clock, ScheduleSettings(), break_)[0] is Stage.NOTIFY
    clock.set(ny(16, 1).astimezone(UTC))  # the override has expired; the caller still passes it
    assert walk(alert, clock, ScheduleSettings(), break_)[3] == clock.now()


def test_a_warning_held_in_quiet_hours_chimes_from_their_end_even_over_daylight_saving() -> None:
    settings = ScheduleSettings(quiet_hours=NIGHTS)
    # Berlin, night of the spring-forward change: quiet until 07:00 CEST = 05:00 UTC.
    clock = FakeClock(datetime(2026, 3, 29, 1, 0, 20, tzinfo=UTC))  # 03:00:20 CEST
    warning = fire(clock.now(), Severity.WARNING)
    critical = fire(clock.now(), Severity.CRITICAL, key="c")

    def level(alert: Alert) -> tuple[Stage, datetime | None]:
        found = level_for(alert, ESCALATION, clock.now(), schedule=settings)
        return found.stage, found.chime_due

    assert level(warning) == (Stage.NOTIFY, None)
    assert level(critical)[0] is Stage.SOUND  # critical gets through quiet hours
    clock.set(datetime(2026, 3, 29, 4, 59, 59, tzinfo=UTC))
    assert level(warning) == (Stage.NOTIFY, None)
    clock.set(datetime(2026, 3, 29, 5, tzinfo=UTC))
    assert level(warning) == (Stage.SOUND, clock.now())
    # The critical one alarmed all night and keeps its place in the escalation.
    assert level(critical)[0] is Stage.WINDOW


def test_alarm_state_names_why_it_is_quiet_even_when_snoozed() -> None:
    clock = FakeClock(OUT_OF_QUIET.astimezone(UTC))
    board = AlertBoard()
    fire(clock.now(), Severity.WARNING, "w", board)
    fire(clock.now(), Severity.CRITICAL, "c", board)
    off = on_call_state(OnCallSchedule(), None, clock.now())
    state = alarm_state(board.active(), ESCALATION, clock.now(), on_call=off)
    # The critical alert alarms; the warning is held back, and the tray can say so.
    assert state.loop_sound is Sound.ALARM and state.suppressed_by == {OFF}
    snoozed = alarm_state(
        board.active(),
        ESCALATION,
        clock.now(),
        Snooze.of(board.active(), clock.now() + timedelta(minutes=5)),
        on_call=off,
        schedule=ScheduleSettings(off_shift_critical_alarms=False),
    )
    assert snoozed.snoozed and not snoozed.audible and snoozed.suppressed_by == {OFF}


def test_an_acknowledged_alert_is_never_counted_as_held_back() -> None:
    clock = FakeClock(OUT_OF_QUIET.astimezone(UTC))
    board = AlertBoard()
    alert = fire(clock.now(), Severity.WARNING, board=board)
    acked = board.acknowledge(alert.id, clock.now()).updated[0]
    off = on_call_state(OnCallSchedule(), None, clock.now())
    assert level_for(acked, ESCALATION, clock.now(), on_call=off).suppressed_by == set()


def test_a_louder_info_policy_is_held_back_like_a_warning() -> None:
    clock = FakeClock(OUT_OF_QUIET.astimezone(UTC))
    loud_info = replace(ESCALATION, info=replace(ESCALATION.warning))
    alert = fire(clock.now(), Severity.INFO)
    off = on_call_state(OnCallSchedule(), None, clock.now())
    assert level_for(alert, loud_info, clock.now()).sound is Sound.CHIME
    assert level_for(alert, loud_info, clock.now(), on_call=off).suppressed_by == {OFF}


def test_a_night_shift_seen_from_utc_decides_the_alarm() -> None:
    # 22:00-06:00 New York is 03:00-11:00 UTC in January; the clock ticks in UTC.
    warning_at = datetime(2026, 1, 16, 2, 50, tzinfo=UTC)
    alert = fire(warning_at, Severity.WARNING)
    expected = {
        datetime(2026, 1, 16, 2, 59, tzinfo=UTC): Stage.NOTIFY,
        datetime(2026, 1, 16, 3, 0, tzinfo=UTC): Stage.SOUND,
        datetime(2026, 1, 16, 10, 59, tzinfo=UTC): Stage.SOUND,
        datetime(2026, 1, 16, 11, 0, tzinfo=UTC): Stage.NOTIFY,
    }
    found = {
        t: level_for(alert, ESCALATION, t, on_call=on_call_state(NIGHT_SHIFT, None, t)).stage
        for t in expected
    }
    assert found == expected
