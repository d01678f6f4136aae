"""Reading pushed payloads: every rule about what the receiver accepts, without a socket."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.helpers.data import TEST_DATA

from shiftbell.core.alert import AckInfo, Alert, AlertKey, Link, Severity, Status
from shiftbell.core.errors import PayloadError
from shiftbell.receiver.wire import alert_to_json, parse_local_alerts, parse_local_snapshot
from shiftbell.sources.alertmanager.webhook import parse_alertmanager_webhook, severity_from_label

DATA = TEST_DATA


def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


# -- Shiftbell's own alert object ------------------------------------------------------------


def test_single_alert_with_every_field() -> None:
    [item] = parse_local_alerts(_load("local/single.json"))
    assert item.source_id == "backup-nightly"
    assert item.title == "Backup job failed"
    assert item.severity is Severity.CRITICAL
    assert item.summary == "nightly-backup exited with status 2 on nas1"
    assert item.url == "https://ci.example.internal/job/nightly-backup/412/"
    assert item.labels == (("host", "nas1"), ("job", "nightly-backup"))
    assert item.firing


def test_defaults_and_a_fresh_key_per_alert() -> None:
    keys = iter(["k1", "k2"])
    items = parse_local_alerts([{"title": "a"}, {"title": "b"}], new_key=lambda: next(keys))
    assert [i.source_id for i in items] == ["k1", "k2"]
    assert all(i.severity is Severity.WARNING and i.firing for i in items)


def test_severity_synonyms_are_read() -> None:
    [item] = parse_local_alerts({"title": "x", "severity": "CRIT"})
    assert item.severity is Severity.CRITICAL


def test_resolved_status_needs_a_key() -> None:
    [item] = parse_local_alerts({"title": "x", "key": "k", "status": "resolved"})
    assert not item.firing
    with pytest.raises(PayloadError, match=r"^alert\.key: required to resolve"):
        parse_local_alerts({"title": "x", "status": "resolved"})


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"severity": "critical"}, "alert.title: required, a non-empty string"),
        ({"title": "   "}, "alert.title: required, a non-empty string"),
        ({"title": 5}, "alert.title: required, a non-empty string"),
        ({"title": "x", "sevrity": "critical"}, "alert.sevrity: unknown field"),
        ({"title": "x", "status": "open"}, "alert.status: 'open' is not one of firing, resolved"),
        ({"title": "x", "summary": 3}, "alert.summary: expected a string, got a number"),
        ({"title": "x", "key": ""}, "alert.key: must not be empty"),
        ({"title": "x", "url": "file:///etc/passwd"}, "alert.url: must start with http://"),
        ({"title": "x", "labels": ["a"]}, "alert.labels: expected an object of string values"),
        ({"title": "x", "labels": {"n": 1}}, "alert.labels.n: expected a string, got a number"),
        ([{"title": "ok"}, "oops"], "alerts[1]: expected an alert object, got a string"),
        ("just text", "request body: expected an alert object or a list of them"),
    ],
)
def test_bad_alerts_name_the_field(body: object, message: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_local_alerts(body)
    assert str(caught.value).startswith(message)


def test_snapshot_requires_list_of_unique_keys() -> None:
    items = parse_local_snapshot(_load("local/snapshot.json"))
    assert [i.source_id for i in items] == ["queue-depth", "replica-lag"]
    assert parse_local_snapshot([]) == []
    with pytest.raises(PayloadError, match=r"^request body: expected the list"):
        parse_local_snapshot({"title": "x", "key": "k"})
    with pytest.raises(
        PayloadError, match=r"^alerts\[1\]\.key: 'a' is already used by alerts\[0\]"
    ):
        parse_local_snapshot([{"title": "x", "key": "a"}, {"title": "y", "key": "a"}])


# -- Alertmanager webhook --------------------------------------------------------------------


def test_alertmanager_firing_payload() -> None:
    batch = parse_alertmanager_webhook(_load("alertmanager/webhook-v4-firing.json"))
    assert batch.receiver == "shiftbell"
    assert batch.external_url == "http://alertmanager.example.internal:9093"
    assert batch.truncated_alerts == 0
    db1, web2 = batch.items
    assert db1.source_id == "a1b2c3d4e5f60718"
    assert db1.title == "Disk /var on db1 is 97% full"
    assert db1.summary.startswith("Filesystem /var on db1:9100 has 3% space left")
    assert db1.severity is Severity.CRITICAL
    assert db1.started_at == datetime(2026, 1, 1, 11, 58, 26, 739266, tzinfo=UTC)
    assert ("alertname", "DiskFull") in db1.labels
    assert web2.title == "DiskFull on web2:9100"
    assert web2.summary == "Filesystem / on web2:9100 has 9% space left."
    assert web2.started_at == datetime(2026, 1, 1, 10, 59, 1, 500000, tzinfo=UTC)


def test_alertmanager_per_alert_status_counts() -> None:
    batch = parse_alertmanager_webhook(_load("alertmanager/webhook-v4-partly-resolved.json"))
    assert [i.firing for i in batch.items] == [False, True]


def test_alertmanager_missing_fingerprint_uses_a_stable_label_hash() -> None:
    def payload(labels: dict[str, str]) -> dict[str, Any]:
        return {"version": "4", "alerts": [{"status": "firing", "labels": labels}]}

    first = parse_alertmanager_webhook(payload({"alertname": "A", "job": "x"})).items[0]
    same = parse_alertmanager_webhook(payload({"job": "x", "alertname": "A"})).items[0]
    other = parse_alertmanager_webhook(payload({"alertname": "A", "job": "y"})).items[0]
    assert first.source_id == same.source_id != other.source_id
    assert first.title == "A"
    assert first.started_at is None


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("critical", Severity.CRITICAL),
        ("page", Severity.CRITICAL),
        ("error", Severity.CRITICAL),
        ("warning", Severity.WARNING),
        ("info", Severity.INFO),
        ("none", Severity.INFO),
        (None, Severity.WARNING),
        ("P1-whatever", Severity.WARNING),
    ],
)
def test_severity_label_mapping(label: str | None, severity: Severity) -> None:
    assert severity_from_label(label) is severity


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda p: p.update(version="3"),
            'payloads (version "4") and Grafana Alerting\'s (version "1"), got version "3"',
        ),
        (lambda p: p.pop("version"), "got no version"),
        (lambda p: p.update(alerts={}), "alerts: required, a list of alerts"),
        (
            lambda p: p["alerts"][1].update(status="weird"),
            "alerts[1].status: required, firing or resolved",
        ),
        (
            lambda p: p["alerts"][0].update(startsAt="yesterday"),
            "alerts[0].startsAt: 'yesterday' is not an RFC 3339 time",
        ),
        (
            lambda p: p["alerts"][0]["labels"].update(severity=2),
            "alerts[0].labels.severity: expected a string",
        ),
    ],
)
def test_bad_alertmanager_payloads_name_the_field(mutate: Any, message: str) -> None:
    payload = _load("alertmanager/webhook-v4-firing.json")
    mutate(payload)
    with pytest.raises(PayloadError) as caught:
        parse_alertmanager_webhook(payload)
    assert message in str(caught.value)


def test_grafana_alertings_documented_payload_keeps_its_links() -> None:
    batch = parse_alertmanager_webhook(_load("grafana_alerting/webhook-firing.json"))
    memory, cpu = batch.items
    assert memory.title == "This alert was triggered for zone us-1"
    assert memory.summary == "The system has high memory usage"
    assert memory.severity is Severity.WARNING  # no severity label: a warning still sounds
    assert [(link.title, link.url) for link in memory.links] == [
        ("Runbook", "https://myrunbook.com/runbook/1234"),
        ("Alert rule in Grafana", "https://play.grafana.org/alerting/1afz29v7z/edit"),
        (
            "Silence in Grafana",
            "https://play.grafana.org/alerting/silence/new?alertmanager=grafana"
            "&matchers=alertname%3DT2%2Cteam%3Dblue%2Czone%3Dus-1",
        ),
    ]  # the empty dashboardURL and panelURL are no links
    assert [link.title for link in cpu.links] == [
        "Runbook",
        "Alert rule in Grafana",
        "Dashboard in Grafana",
        "Panel in Grafana",
        "Silence in Grafana",
    ]
    assert cpu.started_at == datetime(2021, 10, 12, 7, 56, 3, 157076, tzinfo=UTC)


def test_alertmanagers_webhook_keeps_annotation_links_and_its_graph() -> None:
    payload = _load("alertmanager/webhook-v4-firing.json")
    payload["alerts"][0]["annotations"]["runbook_url"] = "https://wiki.example.com/disk"
    payload["alerts"][0]["generatorURL"] = "http://prometheus:9090/graph?g0.expr=x"
    db1 = parse_alertmanager_webhook(payload).items[0]
    assert [link.title for link in db1.links] == ["Runbook", "Graph in Prometheus"]


def test_another_webhook_version_is_refused_naming_both() -> None:
    payload = _load("grafana_alerting/webhook-firing.json")
    payload["version"] = "2"
    with pytest.raises(PayloadError, match=r'version "4"\) and Grafana Alerting.s \(version "1"'):
        parse_alertmanager_webhook(payload)


# -- alerts out ------------------------------------------------------------------------------


def test_alert_to_json_has_iso_times_with_offset() -> None:
    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    alert = Alert(
        id="abcd1234",
        key=AlertKey("local", "disk"),
        title="Disk full",
        severity=Severity.CRITICAL,
        status=Status.ACKNOWLEDGED,
        started_at=start,
        alarm_since=start,
        updated_at=start,
        source="local",
        labels=(("host", "db1"),),
        url="https://wiki.test/disk",
        links=(Link("Runbook", "https://wiki.test/r"), Link("Local", "file:///etc/passwd")),
        acknowledged_at=datetime(2026, 1, 1, 12, 5, tzinfo=UTC),
        ack_info=AckInfo("alex", "I'm on it", datetime(2026, 1, 1, 14, tzinfo=UTC)),
    )
    body = alert_to_json(alert, 2)
    assert body == {
        "id": "abcd1234",
        "key": "disk",
        "feed": "local",
        "title": "Disk full",
        "severity": "critical",
        "status": "acknowledged",
        "level": 2,
        "source": "local",
        "summary": "",
        "url": "https://wiki.test/disk",
        "labels": {"host": "db1"},
        "links": [
            {"title": "Runbook", "url": "https://wiki.test/r"},
            {"title": "Open wiki.test", "url": "https://wiki.test/disk"},
        ],
        "started_at": "2026-01-01T12:00:00+00:00",
        "alarm_since": "2026-01-01T12:00:00+00:00",
        "updated_at": "2026-01-01T12:00:00+00:00",
        "acknowledged_at": "2026-01-01T12:05:00+00:00",
        "resolved_at": None,
        "ack_delivery": "none",
        "ack_error": "",
        "acknowledged_by": "alex",
        "ack_comment": "I'm on it",
        "silenced_until": "2026-01-01T14:00:00+00:00",
        "snoozed_until": None,
    }
    assert json.loads(json.dumps(body)) == body
