"""No display at all: the app says so, runs headless, and still wakes the person (issue 2)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.desktop import PulseSink, wait_until
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome
from tests.e2e.test_app_end_to_end import FAST_RAMP, LOUD, SILENT

pytestmark = pytest.mark.e2e


@pytest.fixture
def headless_app(pulse_sink: PulseSink, tmp_path: Path) -> Iterator[RunningApp]:
    host = HeadlessHost(pulse_sink.env, tmp_path)
    app = RunningApp(host, ShiftbellHome(tmp_path, FAST_RAMP))
    try:
        yield app
    finally:
        host.stop()


def test_without_a_display_it_runs_headless_alarms_and_resumes_firing_after_restart(
    headless_app: RunningApp, pulse_sink: PulseSink
) -> None:
    app = headless_app
    assert "DISPLAY" not in app.env and "QT_QPA_PLATFORM" not in app.env
    app.start()
    wait_until(lambda: "No display available" in app.log(), 10, message="the headless notice")

    recording = pulse_sink.start_recording()
    sent_at = time.monotonic()
    alert_id = app.cli("send", "Payments queue stuck", "--severity", "critical").stdout.strip()
    recording.wait_for_sound(LOUD, timeout=10, since=sent_at)

    # A firing alert alarms again after a restart.
    assert app.stop() == 0
    stopped_at = time.monotonic()
    recording.wait_for_silence(SILENT, timeout=5, since=stopped_at)
    app.start()
    assert app.alert(alert_id)["status"] == "firing"
    recording.wait_for_sound(LOUD, timeout=10, since=time.monotonic())

    acked_at = time.monotonic()
    app.cli("ack", "--all")
    quiet_at = recording.wait_for_silence(SILENT, timeout=5, since=acked_at)
    assert quiet_at - acked_at < 0.5
    assert app.alert(alert_id)["status"] == "acknowledged"
