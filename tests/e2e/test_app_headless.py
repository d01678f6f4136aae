"""No display at all: the app says so, runs headless, and still wakes the person."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.desktop import PulseSink, require_tools, wait_until
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


def test_a_sound_server_that_starts_after_the_app_is_picked_up_without_a_restart(
    tmp_path: Path,
) -> None:
    """Login races: Shiftbell autostarts before the sound server. It must not stay mute."""
    require_tools(*PulseSink.TOOLS)
    sink = PulseSink()  # not started yet: its socket does not exist
    env = {
        "XDG_RUNTIME_DIR": str(sink.runtime_dir),
        "PULSE_SERVER": f"unix:{sink.socket}",
        "PULSE_CLIENTCONFIG": str(sink.tmpdir / "client.conf"),
    }
    (sink.tmpdir / "client.conf").write_text("autospawn = no\n")
    host = HeadlessHost(env, tmp_path)
    app = RunningApp(host, ShiftbellHome(tmp_path, FAST_RAMP))
    try:
        app.start()
        pid = app.proc.pid if app.proc else 0
        wait_until(
            lambda: "waiting for a sound server" in app.log(),
            10,
            message="the app noticing it has no sound server",
        )
        assert "No sound server" in app.problems()
        sink.start()
        wait_until(lambda: "alarm sound player ready" in app.log(), 10, message="the player on it")
        assert app.health()["pid"] == pid, "the same app, not restarted"
        assert "No sound server" not in app.problems()
        recording = sink.start_recording()
        sent_at = time.monotonic()
        app.cli("send", "Disk full on db1", "--severity", "critical")
        recording.wait_for_sound(LOUD, timeout=10, since=sent_at)
        app.cli("ack", "--all")
        recording.wait_for_silence(SILENT, timeout=5, since=time.monotonic())
    finally:
        host.stop()
        sink.stop()
