"""Snooze never hides something new, on the real app with recorded sound.

Seen before the fix: while snoozed, a brand-new critical alert only notified (RMS 0.0000)
and a restart ended the snooze.
"""

from __future__ import annotations

import time

import pytest
from tests.desktop import PulseSink, wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.e2e.test_app_end_to_end import FAST_RAMP, LOUD, SILENT
from tests.faults.helpers import HeadlessApp

pytestmark = pytest.mark.e2e


@pytest.fixture
def app(headless_app: HeadlessApp) -> RunningApp:
    running = headless_app(FAST_RAMP)
    running.start()
    return running


def test_a_new_critical_alarms_through_a_snooze_which_survives_a_restart(
    app: RunningApp, pulse_sink: PulseSink
) -> None:
    recording = pulse_sink.start_recording()
    sent_at = time.monotonic()
    first = app.cli("send", "Disk almost full", "--severity", "critical").stdout.strip()
    recording.wait_for_sound(LOUD, timeout=10, since=sent_at)

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
