"""The local receiver over real HTTP on 127.0.0.1, with a real AlertDesk and a fake clock.

The server runs on an asyncio loop in a background thread, as it does in the app;
the tests talk to it with httpx from the test thread.
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.helpers.data import TEST_DATA
from tests.helpers.loop_thread import LoopThread

from shiftbell.core.alert import Alert, AlertKey, Incoming, Severity, Status
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import FeedError
from shiftbell.receiver.server import (
    LOCAL_FEED_ID,
    WEBHOOK_FEED_ID,
    LocalReceiver,
    ReceiverCommands,
)
from shiftbell.runtime.desk import AlertDesk

DATA = TEST_DATA
TOKEN = "test-token-4f9c2b7e1a"


@dataclass
class Harness:
    desk: AlertDesk
    clock: FakeClock
    receiver: LocalReceiver
    http: httpx.Client
    calls: list[str] = field(default_factory=list)
    # source id -> why its acknowledgement cannot be taken back (as app.py answers per feed)
    no_unack: dict[str, str] = field(default_factory=dict)
    # source id -> why it cannot be resolved from Shiftbell
    no_resolve: dict[str, str] = field(default_factory=dict)

    def post(self, path: str, body: object) -> httpx.Response:
        return self.http.post(path, json=body)

    def put(self, path: str, body: object) -> httpx.Response:
        return self.http.put(path, json=body)

    def board(self) -> dict[str, Alert]:
        return {a.key.source_id: a for a in self.desk.active()}


@pytest.fixture
def loop_thread() -> Iterator[LoopThread]:
    runner = LoopThread()
    yield runner
    runner.close()


def _level(alert: Alert) -> int:
    return 7 if alert.status is Status.FIRING else 0


@pytest.fixture
def harness(loop_thread: LoopThread) -> Iterator[Harness]:
    clock = FakeClock()
    desk = AlertDesk(clock, store=None)
    calls: list[str] = []
    commands = ReceiverCommands(
        show_window=lambda: calls.append("show"),
        test_alarm=lambda: calls.append("test-alarm"),
        snooze=lambda minutes: calls.append(f"snooze {minutes}"),
        reload=lambda: calls.append("reload"),
    )
    no_unack: dict[str, str] = {}
    no_resolve: dict[str, str] = {}
    receiver = LocalReceiver(
        desk,
        TOKEN,
        0,
        level_of=_level,
        commands=commands,
        why_no_unack=lambda alert: no_unack.get(alert.key.source_id, ""),
        why_no_resolve=lambda alert: no_resolve.get(alert.key.source_id, ""),
    )
    loop_thread.run(receiver.start())
    http = httpx.Client(
        base_url=receiver.url,
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
        trust_env=False,
    )
    yield Harness(desk, clock, receiver, http, calls, no_unack, no_resolve)
    http.close()
    loop_thread.run(receiver.stop())


def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


# -- listening -------------------------------------------------------------------------------


def test_binds_loopback_on_a_free_port(harness: Harness) -> None:
    assert harness.receiver.url.startswith("http://127.0.0.1:")
    assert harness.receiver.port > 0
    health = harness.http.get("/api/v1/health")
    assert health.status_code == 200
    assert health.json()["app"] == "shiftbell"
    assert isinstance(health.json()["pid"], int)


def test_port_in_use_is_a_feed_error_naming_port_and_config(
    loop_thread: LoopThread, tmp_path: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        receiver = LocalReceiver(
            AlertDesk(FakeClock()),
            TOKEN,
            port,
            level_of=_level,
            commands=ReceiverCommands(lambda: None, lambda: None),
            config_path=tmp_path / "config.toml",
        )
        with pytest.raises(FeedError) as caught:
            loop_thread.run(receiver.start())
    message = str(caught.value)
    assert f"port {port} on 127.0.0.1 is in use by another program" in message
    assert f"set [receiver] port in {tmp_path / 'config.toml'}" in message


# -- authorization ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, "missing token"),
        ({"Authorization": "Bearer not-the-token"}, "wrong token"),
        ({"Authorization": f"Basic {TOKEN}"}, "missing token"),
    ],
)
def test_requests_without_the_right_token_are_refused(
    harness: Harness, headers: dict[str, str], expected: str
) -> None:
    with httpx.Client(base_url=harness.receiver.url, trust_env=False) as anonymous:
        response = anonymous.post("/api/v1/alerts", json={"title": "x"}, headers=headers)
    assert response.status_code == 401
    assert expected in response.json()["error"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert harness.desk.active() == []


def test_token_never_reaches_the_log(harness: Harness, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    harness.post("/api/v1/alerts", {"title": "Disk full"})
    with httpx.Client(base_url=harness.receiver.url, trust_env=False) as other:
        other.get("/api/v1/alerts", headers={"Authorization": f"Bearer {TOKEN}x"})
    assert "refused GET /api/v1/alerts (401)" in caplog.text
    assert TOKEN not in caplog.text


# -- generic alerts --------------------------------------------------------------------------


def test_post_creates_alert_and_answers_with_it(harness: Harness) -> None:
    response = harness.post("/api/v1/alerts", _load("local/single.json"))
    assert response.status_code == 201
    [body] = response.json()["alerts"]
    alert = harness.board()["backup-nightly"]
    assert body["id"] == alert.id
    assert body["key"] == "backup-nightly"
    assert body["severity"] == "critical"
    assert body["status"] == "firing"
    assert body["level"] == 7
    assert body["labels"] == {"host": "nas1", "job": "nightly-backup"}
    assert body["started_at"] == "2026-01-01T12:00:00+00:00"
    assert body["acknowledged_at"] is None
    assert alert.key == AlertKey(LOCAL_FEED_ID, "backup-nightly")
    assert alert.source == "local"


def test_same_key_updates_and_no_key_is_always_new(harness: Harness) -> None:
    first = harness.post("/api/v1/alerts", {"title": "Disk 90%", "key": "disk"}).json()
    harness.clock.advance(30)
    again = harness.post("/api/v1/alerts", {"title": "Disk 95%", "key": "disk"})
    assert again.status_code == 200
    assert again.json()["alerts"][0]["id"] == first["alerts"][0]["id"]
    assert harness.board()["disk"].title == "Disk 95%"

    one = harness.post("/api/v1/alerts", {"title": "Ping"}).json()["alerts"][0]
    two = harness.post("/api/v1/alerts", {"title": "Ping"}).json()["alerts"][0]
    assert one["key"] != two["key"]
    assert len(harness.desk.active()) == 3


def test_resolve_by_key(harness: Harness) -> None:
    harness.post("/api/v1/alerts", {"title": "Disk 90%", "key": "disk"})
    response = harness.post(
        "/api/v1/alerts", {"title": "Disk 90%", "key": "disk", "status": "resolved"}
    )
    assert response.status_code == 200
    [body] = response.json()["alerts"]
    assert body["status"] == "resolved"
    assert body["resolved_at"] == "2026-01-01T12:00:00+00:00"
    assert harness.desk.active() == []


def test_resolving_an_unknown_key_reports_it_and_changes_nothing(harness: Harness) -> None:
    response = harness.post("/api/v1/alerts", {"title": "x", "key": "gone", "status": "resolved"})
    assert response.status_code == 200
    assert response.json() == {"alerts": [], "not_found": ["gone"]}


def test_batch_merges_every_event(harness: Harness) -> None:
    response = harness.post("/api/v1/alerts", _load("local/batch.json"))
    assert response.status_code == 201
    assert [a["title"] for a in response.json()["alerts"]] == [
        "Certificate expires in 6 days",
        "Queue depth above 10k",
        "Weekly report ready",
    ]
    assert {a.severity for a in harness.desk.active()} == {
        Severity.INFO,
        Severity.WARNING,
        Severity.CRITICAL,
    }


def test_batch_with_one_bad_item_changes_nothing(harness: Harness) -> None:
    harness.post("/api/v1/alerts", {"title": "Already here", "key": "old"})
    before = harness.desk.active()
    response = harness.post("/api/v1/alerts", _load("local/batch-with-bad-item.json"))
    assert response.status_code == 400
    assert response.json()["error"] == "alerts[2].title: required, a non-empty string"
    assert harness.desk.active() == before


def test_malformed_json_is_refused_and_board_unchanged(harness: Harness) -> None:
    harness.post("/api/v1/alerts", {"title": "Already here", "key": "old"})
    before = harness.desk.active()
    response = harness.http.post(
        "/api/v1/alerts",
        content=b'{"title": "x",\n "severity": }',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"].startswith("request body is not valid JSON: Expecting value")
    assert "line 2 column" in response.json()["error"]
    assert harness.desk.active() == before


def test_wrong_shape_names_the_field(harness: Harness) -> None:
    response = harness.post("/api/v1/alerts", {"title": "x", "severity": "apocalyptic"})
    assert response.status_code == 400
    assert response.json()["error"].startswith("alert.severity: unknown severity 'apocalyptic'")
    assert harness.desk.active() == []


def test_oversized_body_is_a_json_413(harness: Harness) -> None:
    huge = [{"title": "x" * 1000, "key": str(i)} for i in range(1100)]
    response = harness.post("/api/v1/alerts", huge)
    assert response.status_code == 413
    assert "larger than 1048576 bytes" in response.json()["error"]
    assert harness.desk.active() == []


def test_unknown_route_and_method_are_json_404_405(harness: Harness) -> None:
    missing = harness.http.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json() == {"error": "no such endpoint: GET /api/v1/nothing-here"}
    wrong_method = harness.http.delete("/api/v1/alerts")
    assert wrong_method.status_code == 405
    assert "DELETE /api/v1/alerts" in wrong_method.json()["error"]


# -- snapshot --------------------------------------------------------------------------------


def test_put_snapshot_resolves_keys_not_listed(harness: Harness) -> None:
    harness.post("/api/v1/alerts", _load("local/batch.json"))
    response = harness.put("/api/v1/alerts", _load("local/snapshot.json"))
    assert response.status_code == 201  # replica-lag is new
    assert [a["key"] for a in response.json()["alerts"]] == ["queue-depth", "replica-lag"]
    assert {a["title"] for a in response.json()["resolved"]} == {
        "Certificate expires in 6 days",
        "Weekly report ready",
    }
    assert set(harness.board()) == {"queue-depth", "replica-lag"}
    cleared = harness.put("/api/v1/alerts", [])
    assert cleared.status_code == 200
    assert harness.desk.active() == []


def test_snapshot_without_keys_is_refused(harness: Harness) -> None:
    response = harness.put("/api/v1/alerts", [{"title": "x", "key": "a"}, {"title": "y"}])
    assert response.status_code == 400
    assert response.json()["error"].startswith("alerts[1].key: required")


def test_snapshot_does_not_touch_other_feeds(harness: Harness) -> None:
    harness.post("/api/v1/alertmanager", _load("alertmanager/webhook-v4-firing.json"))
    harness.put("/api/v1/alerts", [])
    assert len(harness.desk.active()) == 2


# -- Alertmanager webhook --------------------------------------------------------------------


def test_a_grafana_contact_point_posts_its_alerts_with_their_links(harness: Harness) -> None:
    posted = harness.post("/api/v1/alertmanager", _load("grafana_alerting/webhook-firing.json"))
    assert posted.status_code == 201, posted.text
    board = harness.board()
    assert set(board) == {"c6eadffa33fcdf37", "bc97ff14869b13e3"}
    listed = harness.http.get("/api/v1/alerts").json()["alerts"]
    titles = {link["title"] for a in listed for link in a["links"]}
    assert {"Runbook", "Alert rule in Grafana", "Silence in Grafana"} <= titles


def test_alertmanager_firing_then_resolved(harness: Harness) -> None:
    fired = harness.post("/api/v1/alertmanager", _load("alertmanager/webhook-v4-firing.json"))
    assert fired.status_code == 201
    board = harness.board()
    assert set(board) == {"a1b2c3d4e5f60718", "0f1e2d3c4b5a6978"}
    db1 = board["a1b2c3d4e5f60718"]
    assert db1.key.feed_id == WEBHOOK_FEED_ID
    assert db1.title == "Disk /var on db1 is 97% full"
    assert db1.severity is Severity.CRITICAL  # severity="page"
    assert db1.summary.startswith("Filesystem /var on db1:9100")
    assert db1.url.startswith("http://prometheus.example.internal:9090/graph")
    assert db1.source == "Alertmanager (webhook): shiftbell"
    web2 = board["0f1e2d3c4b5a6978"]
    assert web2.title == "DiskFull on web2:9100"
    assert web2.severity is Severity.WARNING  # no severity label

    partly = harness.post(
        "/api/v1/alertmanager", _load("alertmanager/webhook-v4-partly-resolved.json")
    )
    assert partly.status_code == 200
    assert set(harness.board()) == {"0f1e2d3c4b5a6978"}  # per-alert status counts

    harness.post("/api/v1/alertmanager", _load("alertmanager/webhook-v4-resolved.json"))
    assert harness.desk.active() == []


def test_alertmanager_other_version_is_refused(harness: Harness) -> None:
    payload = _load("alertmanager/webhook-v4-firing.json")
    payload["version"] = "3"
    response = harness.post("/api/v1/alertmanager", payload)
    assert response.status_code == 400
    assert 'version "4"' in response.json()["error"]
    assert harness.desk.active() == []


# -- acknowledging ---------------------------------------------------------------------------


def test_ack_one_then_all(harness: Harness) -> None:
    harness.post("/api/v1/alerts", _load("local/batch.json"))
    alert = harness.board()["queue-depth"]
    harness.clock.advance(60)
    response = harness.http.post(
        f"/api/v1/alerts/{alert.id}/ack", headers={"User-Agent": "shiftbell-cli/0.1.0"}
    )
    assert response.status_code == 200
    [body] = response.json()["alerts"]
    assert body["status"] == "acknowledged"
    assert body["acknowledged_at"] == "2026-01-01T12:01:00+00:00"
    assert body["level"] == 0
    assert harness.board()["queue-depth"].status is Status.ACKNOWLEDGED

    everything = harness.http.post("/api/v1/ack-all")
    assert everything.status_code == 200
    assert len(everything.json()["alerts"]) == 2  # the two that were still firing
    assert all(a.status is Status.ACKNOWLEDGED for a in harness.desk.active())


def test_unack_puts_an_alert_back_to_firing_where_its_source_can(harness: Harness) -> None:
    harness.post("/api/v1/alerts", _load("local/batch.json"))
    harness.http.post("/api/v1/ack-all")
    alert = harness.board()["queue-depth"]
    response = harness.http.post(f"/api/v1/alerts/{alert.id}/unack")
    assert response.status_code == 200
    [body] = response.json()["alerts"]
    assert body["status"] == "firing" and body["acknowledged_at"] is None
    assert harness.board()["queue-depth"].status is Status.FIRING

    other = harness.board()["cert-www"]
    harness.no_unack["cert-www"] = "PagerDuty cannot take back an acknowledgement"
    refused = harness.http.post(f"/api/v1/alerts/{other.id}/unack")
    assert refused.status_code == 409
    assert refused.json() == {
        "error": f"alert {other.id} stays acknowledged: PagerDuty cannot take back an "
        "acknowledgement"
    }
    assert harness.board()["cert-www"].status is Status.ACKNOWLEDGED
    assert harness.http.post("/api/v1/alerts/deadbeef/unack").status_code == 404


def test_ack_with_a_comment_for_the_source(harness: Harness) -> None:
    harness.post("/api/v1/alerts", _load("local/batch.json"))
    alert = harness.board()["queue-depth"]
    refused = harness.http.post(f"/api/v1/alerts/{alert.id}/ack", json={"comment": 42})
    assert refused.status_code == 400
    assert harness.board()["queue-depth"].status is Status.FIRING
    answer = harness.http.post(f"/api/v1/alerts/{alert.id}/ack", json={"comment": "on it"})
    assert answer.status_code == 200
    assert answer.json()["alerts"][0]["ack_comment"] == "on it"
    assert harness.board()["queue-depth"].ack_comment == "on it"


def test_silence_one_alert_at_its_source(harness: Harness) -> None:
    harness.post("/api/v1/alerts", _load("local/batch.json"))
    alert = harness.board()["queue-depth"]
    url = f"/api/v1/alerts/{alert.id}/silence"
    assert harness.http.post(url, json={"seconds": 10}).status_code == 400  # under a minute
    assert harness.http.post(url, json={"seconds": 3600, "comment": 7}).status_code == 400
    assert harness.http.post("/api/v1/alerts/nope/silence", json={"seconds": 60}).status_code == 404
    answer = harness.http.post(url, json={"seconds": 3600, "comment": "maintenance"})
    assert answer.status_code == 200, answer.text
    silenced = harness.board()["queue-depth"]
    assert silenced.status is Status.ACKNOWLEDGED and silenced.ack_comment == "maintenance"
    assert silenced.ack_info is not None and silenced.ack_info.until == (
        harness.clock.now() + timedelta(hours=1)
    )


def test_resolve_one_alert_sent_here_at_once_and_refuse_where_it_cannot(
    harness: Harness,
) -> None:
    harness.post("/api/v1/alerts", _load("local/batch.json"))
    board = harness.board()
    queue, cert = board["queue-depth"], board["cert-www"]
    harness.no_resolve["cert-www"] = "Alertmanager resolves it by itself"
    refused = harness.http.post(f"/api/v1/alerts/{cert.id}/resolve")
    assert refused.status_code == 409
    assert refused.json()["error"] == (
        f"alert {cert.id} cannot be resolved from here: Alertmanager resolves it by itself"
    )
    assert harness.http.post(f"/api/v1/alerts/{queue.id}/resolve", json={"comment": 5}).is_error
    answer = harness.http.post(f"/api/v1/alerts/{queue.id}/resolve", json={"comment": "done"})
    assert answer.status_code == 200, answer.text
    [said] = answer.json()["alerts"]
    assert (said["id"], said["status"]) == (queue.id, "resolved")
    assert "queue-depth" not in harness.board() and "cert-www" in harness.board()
    assert harness.http.post(f"/api/v1/alerts/{queue.id}/resolve").status_code == 404


def test_ack_unknown_id_is_404_naming_it(harness: Harness) -> None:
    response = harness.http.post("/api/v1/alerts/deadbeef/ack")
    assert response.status_code == 404
    assert response.json() == {"error": "no active alert with id 'deadbeef'"}


def test_get_lists_active_alerts_most_urgent_first(harness: Harness) -> None:
    harness.post("/api/v1/alerts", _load("local/batch.json"))
    listed = harness.http.get("/api/v1/alerts").json()["alerts"]
    assert [a["severity"] for a in listed] == ["critical", "warning", "info"]
    for item in listed:
        assert {
            "id",
            "key",
            "title",
            "severity",
            "status",
            "level",
            "started_at",
            "acknowledged_at",
            "summary",
            "url",
            "source",
            "labels",
            "resolved_at",
        } <= item.keys()


# -- commands --------------------------------------------------------------------------------


def test_commands_reach_the_app(harness: Harness) -> None:
    assert harness.http.post("/api/v1/test-alarm").status_code == 200
    assert harness.http.post("/api/v1/show").status_code == 200
    assert harness.post("/api/v1/snooze", {"minutes": 15}).status_code == 200
    assert harness.http.post("/api/v1/reload").status_code == 200
    assert harness.calls == ["test-alarm", "show", "snooze 15", "reload"]


def test_snooze_one_alert(loop_thread: LoopThread) -> None:
    desk = AlertDesk(FakeClock(), store=None)
    snoozed: list[tuple[str, float]] = []
    commands = ReceiverCommands(
        lambda: None,
        lambda: None,
        snooze_alert=lambda alert_id, seconds: snoozed.append((alert_id, seconds)),
        snoozed_until=lambda alert_id: datetime(2026, 1, 1, 13, tzinfo=UTC),
    )
    receiver = LocalReceiver(desk, TOKEN, 0, level_of=_level, commands=commands)
    loop_thread.run(receiver.start())
    http = httpx.Client(base_url=receiver.url, headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        [alert] = desk.ingest("local", [Incoming("disk", "Disk full")], "local").new
        answer = http.post(f"/api/v1/alerts/{alert.id}/snooze", json={"seconds": 3600})
        assert answer.status_code == 200, answer.text
        assert snoozed == [(alert.id, 3600.0)]
        assert answer.json()["alerts"][0]["snoozed_until"] == "2026-01-01T13:00:00+00:00"
        for body, status in (({"seconds": 0}, 400), ({"minutes": 5}, 400), ({}, 400)):
            assert http.post(f"/api/v1/alerts/{alert.id}/snooze", json=body).status_code == status
        assert http.post("/api/v1/alerts/nope/snooze", json={"seconds": 60}).status_code == 404
        desk.acknowledge(alert.id, "test")
        refused = http.post(f"/api/v1/alerts/{alert.id}/snooze", json={"seconds": 60})
        assert refused.status_code == 409
        assert refused.json()["error"] == f"alert {alert.id} is acknowledged: nothing to snooze"
        assert len(snoozed) == 1
    finally:
        http.close()
        loop_thread.run(receiver.stop())


def test_snooze_needs_sensible_minutes(harness: Harness) -> None:
    response = harness.post("/api/v1/snooze", {"minutes": 0})
    assert response.status_code == 400
    assert "minutes" in response.json()["error"]
    assert harness.calls == []
