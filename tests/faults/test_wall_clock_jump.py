"""A wall clock stepped back an hour while the app runs, with libfaketime.

Only the app's wall clock moves (FAKETIME_DONT_FAKE_MONOTONIC); what is measured is
the sound. Seen before the fix: a warning's chime every 60 s stopped entirely.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from tests.desktop import PulseSink, in_ci
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome
from tests.e2e.test_app_end_to_end import LOUD

pytestmark = pytest.mark.e2e

LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")
CHIME_EVERY_2_S = """\
[escalation.warning]
sound = "chime"
loop = false
volume_start = 0.7
volume_end = 0.7
repeat_every_s = 2
"""


def require_libfaketime() -> None:
    if LIBFAKETIME.exists() and shutil.which("faketime") is not None:
        return
    message = "libfaketime (Debian package faketime) is missing"
    if in_ci():
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


@pytest.mark.parametrize("step", ["-3600", "+3600"])
def test_the_chime_keeps_its_beat_when_the_wall_clock_steps(
    step: str, pulse_sink: PulseSink, tmp_path: Path
) -> None:
    require_libfaketime()
    offset = tmp_path / "faketime-offset"
    offset.write_text("+0\n")
    host = HeadlessHost(pulse_sink.env, tmp_path)
    app = RunningApp(host, ShiftbellHome(tmp_path, CHIME_EVERY_2_S))
    app.env.update(
        {
            "LD_PRELOAD": str(LIBFAKETIME),
            "FAKETIME_TIMESTAMP_FILE": str(offset),
            # Re-read the offset file at most once a second. With no cache at all every clock
            # read reads the file, and the app needed 38 s to start here (20 s allowed); the
            # step below is seen within a second, and every 2 s window still needs its chime.
            "FAKETIME_CACHE_DURATION": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }
    )
    try:
        app.start()
        recording = pulse_sink.start_recording()
        sent_at = time.monotonic()
        app.cli("send", "Disk 85 % full", "--severity", "warning")
        recording.wait_for_sound(LOUD, timeout=10, since=sent_at)

        offset.write_text(f"{step}\n")
        jumped_at = time.monotonic()
        # Every 2 s window after the step holds a chime (each is shorter than 2 s).
        windows = [
            recording.rms_between(jumped_at + 2 * n, jumped_at + 2 * (n + 1), timeout=10)
            for n in range(4)
        ]
        assert all(rms > LOUD for rms in windows), windows
        assert app.alert(next(a["id"] for a in app.status()))["status"] == "firing"
    finally:
        host.stop()
