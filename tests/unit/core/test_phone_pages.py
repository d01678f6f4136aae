"""When an unanswered alarm goes to the phone (core/phone_pages.py), on a fake clock."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from shiftbell.core.alert import Alert, Incoming, Severity
from shiftbell.core.board import AlertBoard
from shiftbell.core.clock import FakeClock
from shiftbell.core.escalation import AlarmAges, EscalationSettings, ScheduleSettings
from shiftbell.core.phone_pages import before_sleep, pages_due
from shiftbell.core.schedule import OnCallSchedule, Shift, on_call_state

SETTINGS = EscalationSettings()  # critical: to the phone after 180 s; others never
START = datetime(2026, 1, 10, 3, tzinfo=UTC)


def fire(board: AlertBoard, at: datetime, severity: Severity, key: str = "k") -> Alert:
    return board.merge_event("local", Incoming(key, "disk full", severity), at).new[0]


def test_a_critical_goes_to_the_phone_at_its_time_and_not_before() -> None:
    alert = fire(AlertBoard(), START, Severity.CRITICAL)
    at = START + timedelta(seconds=179)
    assert pages_due([alert], SETTINGS, at, sent={}) == []
    assert pages_due([alert], SETTINGS, at + timedelta(seconds=1), sent={}) == [alert]


def test_sent_once_per_alarm_stretch_and_again_after_it_fires_anew() -> None:
    board = AlertBoard()
    alert = fire(board, START, Severity.CRITICAL)
    later = START + timedelta(minutes=10)
    assert pages_due([alert], SETTINGS, later, sent={alert.id: alert.alarm_since}) == []
    board.acknowledge(alert.id, later)
    again = board.unacknowledge(alert.id, later + timedelta(minutes=1)).updated[0]
    assert again.alarm_since != alert.alarm_since
    sent = {alert.id: alert.alarm_since}
    assert pages_due([again], SETTINGS, later + timedelta(minutes=3), sent=sent) == []
    assert pages_due([again], SETTINGS, later + timedelta(minutes=4), sent=sent) == [again]


def test_acknowledged_and_other_severities_do_not_go() -> None:
    board = AlertBoard()
    warning = fire(board, START, Severity.WARNING, "w")
    info = fire(board, START, Severity.INFO, "i")
    critical = fire(board, START, Severity.CRITICAL, "c")
    acked = board.acknowledge(critical.id, START).updated[0]
    day = START + timedelta(days=1)
    assert pages_due([warning, info, acked], SETTINGS, day, sent={}) == []


def test_a_per_severity_time_and_zero_for_never() -> None:
    settings = replace(
        SETTINGS,
        warning=replace(SETTINGS.warning, phone_after=timedelta(seconds=30)),
        critical=replace(SETTINGS.critical, phone_after=None),
    )
    board = AlertBoard()
    warning = fire(board, START, Severity.WARNING, "w")
    critical = fire(board, START, Severity.CRITICAL, "c")
    assert pages_due([warning, critical], settings, START + timedelta(hours=1), sent={}) == [
        warning
    ]


def test_counted_on_the_steady_clock_so_a_wall_clock_jump_sends_nothing() -> None:
    clock = FakeClock(START)
    alert = fire(AlertBoard(), clock.now(), Severity.CRITICAL)
    ages = AlarmAges()
    assert (
        pages_due([alert], SETTINGS, clock.now(), sent={}, ages=ages, steady=clock.steady()) == []
    )
    clock.jump(timedelta(hours=2))  # NTP steps the wall clock; no time has passed
    assert (
        pages_due([alert], SETTINGS, clock.now(), sent={}, ages=ages, steady=clock.steady()) == []
    )
    clock.advance(180)
    due = pages_due([alert], SETTINGS, clock.now(), sent={}, ages=ages, steady=clock.steady())
    assert due == [alert]


def test_snoozed_waits_for_the_snooze_then_goes_at_once() -> None:
    alert = fire(AlertBoard(), START, Severity.CRITICAL)
    at = START + timedelta(minutes=10)
    assert pages_due([alert], SETTINGS, at, sent={}, snoozed=lambda a: True) == []
    assert pages_due([alert], SETTINGS, at, sent={}, snoozed=lambda a: False) == [alert]


def test_held_off_call_goes_nowhere_and_counts_from_the_shift_start() -> None:
    no_alarm_off_call = ScheduleSettings(off_shift_critical_alarms=False)
    shift_start = START + timedelta(hours=1)
    schedule = OnCallSchedule([Shift(shift_start, shift_start + timedelta(hours=8), "cal")])
    alert = fire(AlertBoard(), START, Severity.CRITICAL)
    before = START + timedelta(minutes=50)
    off = on_call_state(schedule, None, before)
    assert (
        pages_due([alert], SETTINGS, before, sent={}, on_call=off, schedule=no_alarm_off_call) == []
    )
    two_min_in = shift_start + timedelta(minutes=2)
    on = on_call_state(schedule, None, two_min_in)
    kept = {"on_call": on, "schedule": no_alarm_off_call}
    assert pages_due([alert], SETTINGS, two_min_in, sent={}, **kept) == []  # type: ignore[arg-type]
    three_in = shift_start + timedelta(minutes=3)
    on = on_call_state(schedule, None, three_in)
    assert pages_due(
        [alert], SETTINGS, three_in, sent={}, on_call=on, schedule=no_alarm_off_call
    ) == [alert]


def test_longest_alarming_first() -> None:
    board = AlertBoard()
    young = fire(board, START + timedelta(minutes=1), Severity.CRITICAL, "young")
    old = fire(board, START, Severity.CRITICAL, "old")
    assert pages_due([young, old], SETTINGS, START + timedelta(minutes=9), sent={}) == [old, young]


def test_before_sleep_hands_over_every_unsent_alert_that_would_go_however_young() -> None:
    board = AlertBoard()
    young = fire(board, START, Severity.CRITICAL, "young")
    sent_already = fire(board, START, Severity.CRITICAL, "sent")
    warning = fire(board, START, Severity.WARNING, "w")
    sent = {sent_already.id: sent_already.alarm_since}
    assert before_sleep([young, sent_already, warning], SETTINGS, sent=sent) == [young]
