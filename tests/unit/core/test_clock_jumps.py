"""Time done right: a wall clock that steps changes no duration.

Seen before the fix: with the wall clock stepped back an hour, a 1-minute snooze lasted
over an hour and a warning's chime every 60 s stopped.
"""

from datetime import timedelta

import pytest

from shiftbell.core.alert import Incoming, Severity
from shiftbell.core.board import AlertBoard
from shiftbell.core.clock import FakeClock
from shiftbell.core.escalation import (
    AlarmAges,
    AlarmState,
    EscalationSettings,
    Sound,
    alarm_state,
)
from shiftbell.core.snooze import Snooze

SETTINGS = EscalationSettings()
HOUR = timedelta(hours=1)


def state(
    board: AlertBoard, clock: FakeClock, ages: AlarmAges, snooze: Snooze | None = None
) -> AlarmState:
    return alarm_state(
        board.active(), SETTINGS, clock.now(), snooze, ages=ages, steady=clock.steady()
    )


@pytest.mark.parametrize("jump", [HOUR, -HOUR])
def test_the_ramp_and_the_siren_step_ignore_a_wall_clock_jump(jump: timedelta) -> None:
    clock, board, ages = FakeClock(), AlertBoard(), AlarmAges()
    board.merge_event("am", Incoming("db", "db", Severity.CRITICAL), clock.now())
    clock.advance(30)
    assert state(board, clock, ages).loop_volume == pytest.approx(0.65)
    clock.jump(jump)
    assert state(board, clock, ages).loop_volume == pytest.approx(0.65)
    clock.advance(89)
    assert state(board, clock, ages).loop_sound is Sound.ALARM
    clock.advance(1)
    assert state(board, clock, ages).loop_sound is Sound.SIREN  # at 2 min, as ever


@pytest.mark.parametrize("jump", [HOUR, -HOUR])
def test_a_one_minute_snooze_lasts_a_minute_whatever_the_wall_clock_does(
    jump: timedelta,
) -> None:
    clock, board, ages = FakeClock(), AlertBoard(), AlarmAges()
    board.merge_event("am", Incoming("db", "db", Severity.CRITICAL), clock.now())
    minute = timedelta(minutes=1)
    snooze = Snooze.of(board.active(), clock.now() + minute, clock.steady() + minute)
    clock.advance(10)
    clock.jump(jump)
    assert not state(board, clock, ages, snooze).audible
    clock.advance(49)
    assert not state(board, clock, ages, snooze).audible
    clock.advance(1)
    assert state(board, clock, ages, snooze).audible


def test_the_chime_repeats_every_minute_after_the_wall_clock_steps_back() -> None:
    clock, board, ages = FakeClock(), AlertBoard(), AlarmAges()
    board.merge_event("am", Incoming("disk", "disk", Severity.WARNING), clock.now())
    dues = {state(board, clock, ages).chime_due}
    clock.advance(30)
    clock.jump(-HOUR)
    for _ in range(4):
        clock.advance(60)
        dues.add(state(board, clock, ages).chime_due)
    assert len(dues) == 5  # one chime at once, then one each minute


def test_a_snooze_read_back_from_disk_is_tied_to_the_steady_clock() -> None:
    clock = FakeClock()
    on_disk = Snooze(clock.now() + timedelta(minutes=5))
    timed = on_disk.timed(clock.now(), clock.steady())
    clock.jump(-HOUR)
    clock.advance(timedelta(minutes=5))
    assert timed.over(clock.now(), clock.steady())
    assert not on_disk.over(clock.now())  # by the wall clock alone it would last an hour more
