"""Snooze never hides something new, on the real app with recorded sound.

Seen before the fix: while snoozed, a brand-new critical alert only notified (RMS 0.0000)
and a restart ended the snooze.
"""

from __future__ import annotations

import time

import pytest
from tests.desktop import PulseSink, Recorder, wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.e2e.test_app_end_to_end import FAST_RAMP, LOUD, SILENT
from tests.faults.helpers import HeadlessApp

pytestmark = pytest.mark.e2e


@pytest.fixture
def app(headless_app: HeadlessApp) -> RunningApp:
    running = headless_app(FAST_RAMP)
    running.start()
    return running


def ringing(app: RunningApp, pulse_sink: PulseSink) -> tuple[Recorder, str]:
    """A critical alert sent, and heard: the recording and the alert's id."""
    recording = pulse_sink.start_recording()
    sent_at = time.monotonic()
    alert_id = app.cli("send", "Disk almost full", "--severity", "critical").stdout.strip()
    recording.wait_for_sound(LOUD, timeout=10, since=sent_at)
    return recording, alert_id


def test_a_new_critical_alarms_through_a_snooze_which_survives_a_restart(
    app: RunningApp, pulse_sink: PulseSink
) -> None:
    recording, first = ringing(app, pulse_sink)

    snoozed_at = time.monotonic()
    app.cli("snooze", "15")
    recording.wait_for_silence(SILENT, timeout=5, since=snoozed_at)
    assert "Alarm snoozed until" in app.cli("status").stdout

    # A restart keeps the snooze: still silent, still said.
    app.stop()
    app.start()
    restarted_at = time.monotonic()
    assert "Alarm snoozed until" in app.cli("status").stdout
    assert recording.rms_between(restarted_at, restarted_at + 2) < SILENT

    new_at = time.monotonic()
    second = app.cli("send", "Database primary down", "--severity", "critical").stdout.strip()
    heard_at = recording.wait_for_sound(LOUD, timeout=5, since=new_at)
    assert heard_at - new_at < 2.0
    assert {a["id"]: a["status"] for a in app.status()} == {first: "firing", second: "firing"}

    acked_at = time.monotonic()
    app.cli("ack", second)
    recording.wait_for_silence(SILENT, timeout=5, since=acked_at)  # the first is still snoozed
    wait_until(lambda: "Alarm snoozed until" in app.cli("status").stdout, 5, message="snooze")


def test_one_alert_snoozed_stays_quiet_through_a_restart_then_rings_by_itself(
    app: RunningApp, pulse_sink: PulseSink
) -> None:
    recording, alert_id = ringing(app, pulse_sink)

    snoozed_at = time.monotonic()
    said = app.cli("snooze", alert_id, "12s").stdout
    assert said.startswith(f"Snoozed {alert_id}: Disk almost full until ")
    recording.wait_for_silence(SILENT, timeout=5, since=snoozed_at)
    assert app.alert(alert_id)["snoozed_until"] is not None

    # A restart keeps it: silent again once the app is back, until the time is up.
    app.stop()
    app.start()
    restarted_at = time.monotonic()
    assert app.alert(alert_id)["snoozed_until"] is not None
    heard_at = recording.wait_for_sound(LOUD, timeout=20, since=restarted_at)
    # Not before its time (12 s after the snooze), and by itself within a few seconds of it.
    assert 12 - 1 < heard_at - snoozed_at < 12 + 5
    wait_until(lambda: app.alert(alert_id)["snoozed_until"] is None, 5, message="snooze over")
    assert app.alert(alert_id)["status"] == "firing"
