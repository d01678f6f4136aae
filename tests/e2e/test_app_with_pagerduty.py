"""The real app with a PagerDuty feed (our fake of its REST API, real HTTP on 127.0.0.1):
silencing an incident for an hour is PagerDuty's snooze with the comment as a note, when
PagerDuty triggers it again the app alarms again, and resolving it resolves the incident."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.desktop import wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.e2e.test_app_end_to_end import FAST_RAMP
from tests.unit.sources.pagerduty.fake_pagerduty import FakePagerDuty

pytestmark = pytest.mark.e2e

INTERVAL_S = 5  # PagerDuty's shortest (its rate limit)
INCIDENT = "PT4KHLK"


def test_silence_an_incident_for_an_hour_is_a_snooze_and_it_alarms_again_after(
    headless_app: Callable[..., RunningApp],
) -> None:
    app = headless_app(FAST_RAMP)
    app.start()
    with FakePagerDuty() as pagerduty:
        app.cli(
            *("feed", "add", "pagerduty", "work-pd", "--url", pagerduty.url),
            *("--interval", str(INTERVAL_S), "--token-stdin", "--allow-file-secrets"),
            stdin=pagerduty.token + "\n",
        )

        def incident() -> dict[str, object] | None:
            return next((a for a in app.status() if a["key"] == INCIDENT), None)

        alert = wait_until(incident, INTERVAL_S + 5, message="the incident in Shiftbell")
        assert alert["status"] == "firing"
        said = app.cli("silence", str(alert["id"]), "1h", "--comment", "db1 failover - Alex")
        assert said.stdout.startswith(f"Silenced {alert['id']}")

        # The snooze, then the note: both in by the time the note is.
        wait_until(lambda: INCIDENT in pagerduty.notes, 15, message="PagerDuty's snooze and note")
        assert 3500 <= pagerduty.snoozes[INCIDENT] <= 3600
        assert pagerduty.notes[INCIDENT] == ["db1 failover - Alex"]
        assert pagerduty.status_of(INCIDENT) == "acknowledged"
        silenced = app.alert(str(alert["id"]))
        assert silenced["status"] == "acknowledged"
        assert silenced["ack_comment"] == "db1 failover - Alex"
        assert silenced["silenced_until"]

        # The hour is up: PagerDuty triggers the incident again, and Shiftbell alarms again.
        pagerduty.end_snooze(INCIDENT)
        wait_until(
            lambda: app.alert(str(alert["id"]))["status"] == "firing",
            INTERVAL_S * 2 + 5,
            message="the incident firing again in Shiftbell",
        )

        said = app.cli("resolve", str(alert["id"]), "--comment", "replica promoted")
        assert said.stdout.startswith(f"Resolving {alert['id']}")
        wait_until(
            lambda: pagerduty.status_of(INCIDENT) == "resolved", 15, message="resolved at PagerDuty"
        )
        assert pagerduty.notes[INCIDENT][-1] == "replica promoted"
        wait_until(lambda: incident() is None, INTERVAL_S * 2 + 5, message="gone from Shiftbell")
