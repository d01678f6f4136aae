"""`shiftbell feed add alertmanager ...` against a running Alertmanager
shows its alerts within one interval, and one acknowledgement silences it at the source.

The real app process (headless, with measurable audio), the real CLI and the real
Debian Alertmanager binary; nothing in between is simulated.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from subprocess import CompletedProcess

import pytest
from tests.alertmanager_process import AlertmanagerProcess
from tests.desktop import PulseSink, wait_until
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome
from tests.e2e.test_app_end_to_end import FAST_RAMP, LOUD, SILENT

pytestmark = pytest.mark.e2e

INTERVAL_S = 2
LABELS = {"alertname": "PostgresDown", "instance": "db1:5432", "severity": "critical"}


@pytest.fixture
def app(pulse_sink: PulseSink, tmp_path: Path) -> Iterator[RunningApp]:
    host = HeadlessHost(pulse_sink.env, tmp_path)
    running = RunningApp(host, ShiftbellHome(tmp_path, FAST_RAMP))
    try:
        running.start()
        yield running
    finally:
        host.stop()


def add_feed(app: RunningApp, alertmanager: AlertmanagerProcess) -> CompletedProcess[str]:
    return app.cli(
        *("feed", "add", "alertmanager", "prod-am", "--url", alertmanager.url),
        *("--interval", str(INTERVAL_S)),
    )


def test_feed_added_with_the_cli_shows_alerts_and_acknowledges_with_a_silence(
    alertmanager: AlertmanagerProcess, pulse_sink: PulseSink, app: RunningApp
) -> None:
    # Added while the app runs: it reloads its feeds, no restart.
    added = add_feed(app, alertmanager)
    assert "reloaded its feeds" in added.stdout, added.stdout + added.stderr
    recording = pulse_sink.start_recording()

    fired_at = time.monotonic()
    alertmanager.fire(LABELS, {"summary": "Postgres on db1 is down"})
    alert = wait_until(
        lambda: next((a for a in app.status() if a["title"] == "Postgres on db1 is down"), None),
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


def test_a_colleagues_silence_says_who_acknowledged_and_until_when(
    alertmanager: AlertmanagerProcess, app: RunningApp
) -> None:
    add_feed(app, alertmanager)
    alertmanager.fire(LABELS, {"summary": "Postgres on db1 is down"})
    wait_until(lambda: app.status(), INTERVAL_S + 3, message="the alert")
    alertmanager.silence(LABELS, "alex", "I'm on it - Alex", hours=2)
    ends = next(s["endsAt"] for s in alertmanager.silences())
    alert = wait_until(
        lambda: next((a for a in app.status() if a["acknowledged_by"]), None),
        INTERVAL_S + 3,
        message="the silence's author in `shiftbell status --json`",
    )
    assert alert["status"] == "acknowledged"
    assert (alert["acknowledged_by"], alert["ack_comment"]) == ("alex", "I'm on it - Alex")
    assert datetime.fromisoformat(alert["silenced_until"]) == datetime.fromisoformat(ends)


def test_silence_one_alert_for_an_hour_with_a_comment(
    alertmanager: AlertmanagerProcess, app: RunningApp
) -> None:
    add_feed(app, alertmanager)
    alertmanager.fire(LABELS, {"summary": "Postgres on db1 is down"})
    alert = wait_until(lambda: next(iter(app.status()), None), INTERVAL_S + 3, message="alert")
    app.cli("ack", alert["id"])  # acknowledged first, following the alert
    wait_until(lambda: alertmanager.silences(), 10, message="the acknowledgement's silence")

    said = app.cli("silence", alert["id"], "1h", "--comment", "db1 maintenance - Alex").stdout
    assert said.startswith(f"Silenced {alert['id']}: Postgres on db1 is down for 1h")

    def chosen() -> dict[str, object] | None:
        active = [s for s in alertmanager.silences() if s["status"]["state"] == "active"]
        return active[0] if len(active) == 1 and "(until" in active[0]["createdBy"] else None

    silence = wait_until(chosen, 10, message="one silence of the chosen length")
    starts = datetime.fromisoformat(str(silence["startsAt"]))
    ends = datetime.fromisoformat(str(silence["endsAt"]))
    assert timedelta(minutes=59) < ends - starts < timedelta(minutes=62)
    assert silence["comment"] == "db1 maintenance - Alex"
    assert str(silence["createdBy"]).endswith(" UTC)")  # the person, via Shiftbell, until
    # The acknowledgement that followed the alert is expired: nothing outlives the hour.
    wait_until(
        lambda: app.alert(alert["id"])["ack_comment"] == "db1 maintenance - Alex",
        INTERVAL_S + 3,
        message="the silence's comment in status --json",
    )


def test_links_and_taking_an_acknowledgement_back_on_a_real_alertmanager(
    alertmanager: AlertmanagerProcess, pulse_sink: PulseSink, app: RunningApp
) -> None:
    add_feed(app, alertmanager)
    runbook = "https://wiki.example.com/runbooks/postgres-down"
    alertmanager.fire(LABELS, {"summary": "Postgres on db1 is down", "runbook_url": runbook})
    alert = wait_until(lambda: next(iter(app.status()), None), INTERVAL_S + 3, message="the alert")
    links = {link["title"]: link["url"] for link in alert["links"]}
    assert links["Runbook"] == runbook
    assert links["In Alertmanager"].startswith(f"{alertmanager.url}/#/alerts?")

    app.cli("ack", alert["id"], "--comment", "Restarting db1 - Alex")
    [silence] = wait_until(
        lambda: [s for s in alertmanager.silences() if s["status"]["state"] == "active"],
        10,
        message="the acknowledgement's silence",
    )
    # The person's comment and name reach the team, in Alertmanager's own silence.
    assert silence["comment"] == "Restarting db1 - Alex"
    assert silence["createdBy"].endswith(" via Shiftbell")
    recording = pulse_sink.start_recording()
    taken_back_at = time.monotonic()
    said = app.cli("unack", alert["id"])
    assert said.stdout == f"Un-acknowledged {alert['id']}: Postgres on db1 is down fires again.\n"
    # At the source too: the silence is expired, so Alertmanager notifies about it again.
    wait_until(
        lambda: all(s["status"]["state"] == "expired" for s in alertmanager.silences()),
        10,
        message="the silence expired in Alertmanager",
    )
    recording.wait_for_sound(LOUD, timeout=10, since=taken_back_at)
    # Still ringing through the next polls: the source agrees it is not acknowledged.
    polled_after = time.monotonic()
    assert recording.rms_between(polled_after, polled_after + 2 * INTERVAL_S) > LOUD
    assert app.alert(alert["id"])["status"] == "firing"
