"""A sound server that hangs must not freeze the window: raising the output for a looping
alarm runs `pactl` off the caller's thread, so `follow` returns at once while pactl waits,
and the output is still raised, then put back, once the server answers.

Seen before: `pactl` ran on the UI thread with a 2 s timeout per call (five calls to raise
the output), so a hung sound server could hold the window for ten seconds just as the alarm
started and the person reached for Acknowledge.
"""

from __future__ import annotations

import stat
from pathlib import Path

from tests.desktop import wait_until

from shiftbell.core.escalation import AlarmState, Sound
from shiftbell.ui.output_override import OutputOverride

# A pactl that answers only once the test lets it (the file `go` exists), as a hung sound
# server would, and records what it was asked to set.
FAKE_PACTL = """#!/bin/sh
while [ ! -e "{dir}/go" ]; do sleep 0.02; done
case "$1" in
  get-default-sink) echo speakers ;;
  get-sink-mute) echo "Mute: yes" ;;
  get-sink-volume) echo "Volume: front-left: 19661 /  30% / -31.37 dB" ;;
  set-*) echo "$*" >> "{dir}/set.log" ;;
esac
"""


def fake_pactl(tmp_path: Path) -> Path:
    script = tmp_path / "pactl"
    script.write_text(FAKE_PACTL.format(dir=tmp_path))
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_a_hung_sound_server_does_not_hold_the_caller_and_the_output_is_raised_later(
    tmp_path: Path,
) -> None:
    override = OutputOverride(pactl=str(fake_pactl(tmp_path)))
    ringing = AlarmState(loop_sound=Sound.ALARM, loop_volume=0.3)

    override.follow(ringing)  # returns while pactl hangs: the window keeps answering
    override.follow(ringing)
    assert not override.active
    assert not (tmp_path / "set.log").exists()

    (tmp_path / "go").touch()  # the sound server answers again
    wait_until(lambda: override.active, 10, message="the output raised")
    log = tmp_path / "set.log"
    assert log.read_text().splitlines() == [
        "set-sink-mute speakers 0",
        "set-sink-volume speakers 70%",
    ]

    override.follow(AlarmState())  # the alarm stops: put back, only what was changed
    wait_until(lambda: not override.active and len(log.read_text().splitlines()) == 4, 10)
    assert log.read_text().splitlines()[2:] == [
        "set-sink-volume speakers 30%",
        "set-sink-mute speakers 1",
    ]
    override.restore()  # at quit: nothing left to put back, and it does not wait long
    override.follow(ringing)  # after quit: nothing is asked any more
    assert len(log.read_text().splitlines()) == 4
