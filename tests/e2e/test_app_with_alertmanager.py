"""`shiftbell feed add alertmanager ...` against a running Alertmanager
shows its alerts within one interval, and one acknowledgement silences it at the source.

The real app process (headless, with measurable audio), the real CLI and the real
Debian Alertmanager binary; nothing in between is simulated.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.alertmanager_process import AlertmanagerProcess
from tests.desktop import PulseSink, wait_until
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome
from tests.e2e.test_app_end_to_end import FAST_RAMP, LOUD, SILENT

pytestmark = pytest.mark.e2e

INTERVAL_S = 2
LABELS = {"alertname": "PostgresDown", "instance": "db1:5432", "severity": "critical"}


def test_feed_added_with_the_cli_shows_alerts_and_acknowledges_with_a_silence(
    alertmanager: AlertmanagerProcess, pulse_sink: PulseSink, tmp_path: Path
) -> None:
    host = HeadlessHost(pulse_sink.env, tmp_path)
    app = RunningApp(host, ShiftbellHome(tmp_path, FAST_RAMP))
    try:
        app.start()
        # Added while the app runs: it reloads its feeds, no restart.
        added = app.cli(
            *("feed", "add", "alertmanager", "prod-am", "--url", alertmanager.url),
            *("--interval", str(INTERVAL_S)),
        )
        assert "reloaded its feeds" in added.stdout, added.stdout + added.stderr
        recording = pulse_sink.start_recording()

        fired_at = time.monotonic()
        alertmanager.fire(LABELS, {"summary": "Postgres on db1 is down"})
        alert = wait_until(
            lambda: next(
                (a for a in app.status() if a["title"] == "Postgres on db1 is down"), None
            ),
            INTERVAL_S + 3,  # one interval, plus the app's and Alertmanager's own latency
            message="the Alertmanager alert in `shiftbell status`",
        )
        assert alert["severity"] == "critical"
        assert alert["status"] == "firing"
        recording.wait_for_sound(LOUD, timeout=10, since=fired_at)

        acked_at = time.monotonic()
        app.cli("ack", alert["id"])
        recording.wait_for_silence(SILENT, timeout=5, since=acked_at)
        silence = wait_until(
            lambda: next(
                (s for s in alertmanager.silences() if s["status"]["state"] == "active"), None
            ),
            10,
            message="a silence in Alertmanager",
        )
        assert {(m["name"], m["value"]) for m in silence["matchers"]} == set(LABELS.items())
        wait_until(
            lambda: (
                app.alert(alert["id"])["status"] == "acknowledged"
                and not alertmanager.alerts(active=True, silenced=False)
            ),
            10,
            message="acknowledged in Shiftbell and silenced in Alertmanager",
        )
        # The next polls still see it (silenced = acknowledged), so it neither resolves nor rings.
        polled_after = time.monotonic()
        # rms_between waits until the recording covers two more polls.
        assert recording.rms_between(polled_after, polled_after + 2 * INTERVAL_S) < SILENT
        assert app.alert(alert["id"])["status"] == "acknowledged"

        alertmanager.resolve(LABELS)
        wait_until(lambda: not app.status(), INTERVAL_S + 5, message="resolved in Shiftbell")
    finally:
        host.stop()
