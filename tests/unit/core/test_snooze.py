"""Snooze never hides something new: it holds what fired when pressed."""

from datetime import timedelta

from shiftbell.core.alert import Incoming, Severity, Status
from shiftbell.core.board import AlertBoard
from shiftbell.core.clock import FakeClock
from shiftbell.core.escalation import EscalationSettings, Sound, alarm_state
from shiftbell.core.snooze import AlertSnoozes, Snooze

SETTINGS = EscalationSettings()


def fire(board: AlertBoard, clock: FakeClock, key: str, severity: Severity) -> None:
    board.merge_event("am", Incoming(key, key, severity), clock.now())


def test_a_new_critical_during_a_snooze_alarms_at_once() -> None:
    clock, board = FakeClock(), AlertBoard()
    fire(board, clock, "disk", Severity.WARNING)
    snooze = Snooze.of(board.active(), clock.now() + timedelta(minutes=15))
    clock.advance(30)
    assert not alarm_state(board.active(), SETTINGS, clock.now(), snooze).audible
    fire(board, clock, "db", Severity.CRITICAL)
    state = alarm_state(board.active(), SETTINGS, clock.now(), snooze)
    assert state.loop_sound is Sound.ALARM and state.loop_volume == 0.3
    assert state.snoozed  # the warning is still held back
    assert snooze.holding(board.active(), clock.now())[0].title == "disk"


def test_an_alert_rising_in_severity_during_a_snooze_alarms() -> None:
    clock, board = FakeClock(), AlertBoard()
    fire(board, clock, "disk", Severity.WARNING)
    snooze = Snooze.of(board.active(), clock.now() + timedelta(minutes=15))
    fire(board, clock, "disk", Severity.CRITICAL)
    state = alarm_state(board.active(), SETTINGS, clock.now(), snooze)
    assert state.loop_sound is not None and not state.snoozed


def test_an_alert_firing_again_after_its_acknowledgement_is_not_under_an_old_snooze() -> None:
    clock, board = FakeClock(), AlertBoard()
    fire(board, clock, "db", Severity.CRITICAL)
    (alert,) = board.active()
    snooze = Snooze.of([alert], clock.now() + timedelta(minutes=15))
    board.acknowledge(alert.id, clock.now())
    assert snooze.holding(board.active(), clock.now()) == []  # over: nothing left to hold
    clock.advance(60)
    board.unacknowledge(alert.id, clock.now())
    assert board.active()[0].status is Status.FIRING
    assert alarm_state(board.active(), SETTINGS, clock.now(), snooze).loop_sound is not None


def test_nothing_firing_means_nothing_to_snooze_and_the_end_brings_the_alarm_back() -> None:
    clock, board = FakeClock(), AlertBoard()
    assert Snooze.of(board.active(), clock.now() + timedelta(minutes=5)).covered == ()
    fire(board, clock, "db", Severity.CRITICAL)
    snooze = Snooze.of(board.active(), clock.now() + timedelta(minutes=5))
    clock.advance(timedelta(minutes=5))
    state = alarm_state(board.active(), SETTINGS, clock.now(), snooze)
    assert state.loop_sound is not None and not state.snoozed


def test_one_alert_snoozed_stays_quiet_until_its_time_then_alarms_by_itself() -> None:
    clock, board = FakeClock(), AlertBoard()
    fire(board, clock, "disk", Severity.CRITICAL)
    fire(board, clock, "db", Severity.CRITICAL)
    disk, db = sorted(board.active(), key=lambda a: a.title)[::-1]
    snoozes = AlertSnoozes()
    assert snoozes.snooze(
        disk, clock.now() + timedelta(hours=1), clock.steady() + timedelta(hours=1)
    )
    own = snoozes.by_id

    # The other still alarms; alone, the snoozed one is silent.
    assert alarm_state(board.active(), SETTINGS, clock.now(), alert_snoozes=own).audible
    board.acknowledge(db.id, clock.now())
    quiet = alarm_state(board.active(), SETTINGS, clock.now(), alert_snoozes=own)
    assert not quiet.audible and quiet.snoozed

    clock.advance(3600)
    assert snoozes.prune(board.active(), clock.now(), clock.steady()) == [disk.id]
    assert alarm_state(board.active(), SETTINGS, clock.now(), alert_snoozes=snoozes.by_id).audible


def test_an_alert_snooze_ends_when_the_alert_stops_firing_and_skips_what_does_not_fire() -> None:
    clock, board = FakeClock(), AlertBoard()
    fire(board, clock, "disk", Severity.WARNING)
    [disk] = board.active()
    snoozes = AlertSnoozes()
    later = clock.now() + timedelta(hours=1)
    snoozes.snooze(disk, later, later)
    assert snoozes.until(disk.id) == later
    board.acknowledge(disk.id, clock.now())
    [acked] = board.active()
    assert snoozes.prune(board.active(), clock.now()) == [disk.id]
    assert snoozes.snooze(acked, later, later) is None and snoozes.until(disk.id) is None
