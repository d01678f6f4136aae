"""The alarm's player process runs while something sounds, not through the whole shift.

It held Qt Multimedia and about 70 MB for a process silent nearly all the time (issue 13).
Now it starts with the app (to find out at once whether the alarm can sound), ends when
nothing sounds, and starts again for the test alarm and for an alarm: both are heard, in
the recording of the real sink, and the player ends again once they are over.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.desktop import PulseSink, wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.e2e.test_app_end_to_end import FAST_RAMP, LOUD, SILENT
from tests.faults.helpers import HeadlessApp

from shiftbell.ui.alarm_process import IDLE_EXIT_MS

pytestmark = pytest.mark.e2e

ENDS_WITHIN_S = IDLE_EXIT_MS / 1000 + 10


def players(app: RunningApp) -> list[int]:
    """The app's sound player processes running now."""
    assert app.proc is not None
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == app.proc.pid and b"shiftbell.ui.sound_worker" in command:
            found.append(int(entry.name))
    return found


def ended(app: RunningApp, times: int) -> bool:
    return app.log().count("alarm sound player ended: nothing to sound") >= times and not players(
        app
    )


def test_the_player_runs_only_while_something_sounds(
    headless_app: HeadlessApp, pulse_sink: PulseSink
) -> None:
    app = headless_app(FAST_RAMP)
    app.start()
    wait_until(lambda: "alarm sound player ready" in app.log(), 10, message="the output checked")
    wait_until(lambda: ended(app, 1), ENDS_WITHIN_S, message="the player ended, nothing to sound")
    assert "sound" not in app.problems().lower() and "alarm" not in app.problems().lower()

    recording = pulse_sink.start_recording()
    asked_at = time.monotonic()
    app.cli("test-alarm")
    recording.wait_for_sound(LOUD, timeout=10, since=asked_at)
    wait_until(lambda: ended(app, 2), ENDS_WITHIN_S, message="the player ended after the test")

    sent_at = time.monotonic()
    app.cli("send", "Disk full on db1", "--severity", "critical")
    recording.wait_for_sound(LOUD, timeout=10, since=sent_at)
    assert len(players(app)) == 1
    # Sounding for longer than the player's idle time: it stays while the alarm does.
    loud_until = sent_at + IDLE_EXIT_MS / 1000 + 2
    assert recording.rms_between(loud_until - 1, loud_until, timeout=ENDS_WITHIN_S) > LOUD
    assert len(players(app)) == 1
    app.cli("ack", "--all")
    recording.wait_for_silence(SILENT, timeout=5, since=time.monotonic())
    wait_until(lambda: ended(app, 3), ENDS_WITHIN_S, message="the player ended after the ack")
