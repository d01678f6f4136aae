from dataclasses import replace
from datetime import timedelta

import pytest

from shiftbell.core.alert import Alert, Incoming, Severity
from shiftbell.core.board import AlertBoard
from shiftbell.core.clock import FakeClock
from shiftbell.core.escalation import (
    EscalationSettings,
    SeverityPolicy,
    Sound,
    Stage,
    alarm_state,
    level_for,
)
from shiftbell.core.snooze import Snooze

SETTINGS = EscalationSettings()


def make(board: AlertBoard, clock: FakeClock, severity: Severity, key: str = "k") -> Alert:
    return board.merge_event("local", Incoming(key, "t", severity), clock.now()).new[0]


@pytest.mark.parametrize(
    ("seconds", "volume", "sound", "stage", "raise_window"),
    [
        (0, 0.30, Sound.ALARM, Stage.SOUND, False),
        (30, 0.65, Sound.ALARM, Stage.SOUND, False),
        (60, 1.00, Sound.ALARM, Stage.SOUND, False),
        (119, 1.00, Sound.ALARM, Stage.SOUND, False),
        (120, 1.00, Sound.SIREN, Stage.HARSH, False),
        (239, 1.00, Sound.SIREN, Stage.HARSH, False),
        (240, 1.00, Sound.SIREN, Stage.WINDOW, True),
        (3600, 1.00, Sound.SIREN, Stage.WINDOW, True),
    ],
)
def test_critical_defaults_ramp_then_siren_then_window(
    seconds: int, volume: float, sound: Sound, stage: Stage, raise_window: bool
) -> None:
    clock = FakeClock()
    alert = make(AlertBoard(), clock, Severity.CRITICAL)
    level = level_for(alert, SETTINGS, clock.now() + timedelta(seconds=seconds))
    assert level.sound is sound
    assert level.volume == pytest.approx(volume)
    assert level.stage is stage
    assert level.raise_window is raise_window
    assert level.loop


def test_info_is_notification_only() -> None:
    clock = FakeClock()
    alert = make(AlertBoard(), clock, Severity.INFO)
    level = level_for(alert, SETTINGS, clock.now() + timedelta(hours=1))
    assert level.sound is None and level.stage is Stage.NOTIFY


def test_warning_chimes_every_minute_without_ramp() -> None:
    clock = FakeClock()
    alert = make(AlertBoard(), clock, Severity.WARNING)
    start = clock.now()
    first = level_for(alert, SETTINGS, start + timedelta(seconds=1))
    assert first.sound is Sound.CHIME and not first.loop
    assert first.chime_due == start
    assert level_for(alert, SETTINGS, start + timedelta(seconds=59)).chime_due == start
    later = level_for(alert, SETTINGS, start + timedelta(seconds=61))
    assert later.chime_due == start + timedelta(seconds=60)
    assert later.volume == first.volume


def test_acknowledged_alert_is_silent() -> None:
    clock = FakeClock()
    board = AlertBoard()
    alert = make(board, clock, Severity.CRITICAL)
    acked = board.acknowledge(alert.id, clock.now()).updated[0]
    assert level_for(acked, SETTINGS, clock.now()).stage is Stage.NOTIFY
    assert not alarm_state([acked], SETTINGS, clock.now()).audible


def test_alarm_state_loudest_loop_wins_and_mutes_the_chime() -> None:
    clock = FakeClock()
    board = AlertBoard()
    make(board, clock, Severity.WARNING, "w")
    state = alarm_state(board.active(), SETTINGS, clock.now())
    assert state.loop_sound is None and state.chime_due == clock.now()
    clock.advance(130)
    make(board, clock, Severity.CRITICAL, "c1")
    clock.advance(10)
    state = alarm_state(board.active(), SETTINGS, clock.now())
    assert state.loop_sound is Sound.ALARM
    assert state.loop_volume == pytest.approx(0.3 + 0.7 * 10 / 60)
    assert state.chime_due is None
    assert state.stage is Stage.SOUND


def test_snooze_silences_until_it_ends_then_alarms_again() -> None:
    clock = FakeClock()
    board = AlertBoard()
    make(board, clock, Severity.CRITICAL)
    snooze = Snooze.of(board.active(), clock.now() + timedelta(minutes=5))
    snoozed = alarm_state(board.active(), SETTINGS, clock.now(), snooze)
    assert snoozed.snoozed and not snoozed.audible and not snoozed.raise_window
    clock.set(snooze.until)
    again = alarm_state(board.active(), SETTINGS, clock.now(), snooze)
    assert not again.snoozed and again.loop_sound is Sound.SIREN


def test_policy_is_configurable_per_severity() -> None:
    clock = FakeClock()
    alert = make(AlertBoard(), clock, Severity.INFO)
    loud_info = replace(SETTINGS, info=SeverityPolicy(sound=Sound.ALARM, loop=True))
    level = level_for(alert, loud_info, clock.now())
    assert level.sound is Sound.ALARM and level.volume == 1.0


def test_clock_going_backwards_does_not_produce_negative_volume() -> None:
    clock = FakeClock()
    alert = make(AlertBoard(), clock, Severity.CRITICAL)
    level = level_for(alert, SETTINGS, clock.now() - timedelta(minutes=10))
    assert level.volume == pytest.approx(0.3)
