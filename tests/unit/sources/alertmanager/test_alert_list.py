"""An Alertmanager alert's links: annotations that are web links, the rule's graph and the
alert in Alertmanager's own UI; nothing but http(s) links."""

import copy
from datetime import UTC, datetime
from urllib.parse import unquote

from shiftbell.core.alert import AckInfo, Incoming
from shiftbell.sources.alertmanager.alert_list import (
    ack_info_of,
    parse_alert,
    parse_alerts,
    silencing,
)


def alert(annotations: dict[str, str], **fields: object) -> dict[str, object]:
    return {
        "fingerprint": "abc123",
        "labels": {"alertname": "DiskFull", "instance": 'db-1 "primary"'},
        "annotations": annotations,
        "startsAt": "2026-03-01T09:30:00Z",
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
        **fields,
    }


def test_runbook_and_dashboard_first_then_other_links_the_graph_and_the_ui() -> None:
    incoming = parse_alert(
        alert(
            {
                "summary": "Disk full",
                "grafana_panel_url": "https://grafana.test/d/1?viewPanel=2",
                "dashboard": "https://grafana.test/d/1",
                "runbook_url": "https://wiki.test/runbooks/disk-full",
                "note": "not a link",
            },
            generatorURL="http://prometheus.test/graph?g0.expr=up",
        ),
        "alerts[0]",
        "http://am.test:9093",
    )
    titles = [(link.title, link.url) for link in incoming.links]
    assert titles[:4] == [
        ("Runbook", "https://wiki.test/runbooks/disk-full"),
        ("Dashboard", "https://grafana.test/d/1"),
        ("Grafana panel", "https://grafana.test/d/1?viewPanel=2"),
        ("Graph in Prometheus", "http://prometheus.test/graph?g0.expr=up"),
    ]
    title, ui = titles[4]
    assert title == "In Alertmanager"
    base, _, query = ui.partition("#/alerts?")
    assert base == "http://am.test:9093/"
    assert unquote(query.split("filter=")[1]) == (
        '{alertname="DiskFull",instance="db-1 \\"primary\\""}'
    )
    assert incoming.url == "http://prometheus.test/graph?g0.expr=up"


def test_links_that_are_not_web_pages_are_left_out() -> None:
    incoming = parse_alert(
        alert(
            {"runbook_url": "file:///etc/passwd", "dashboard": "javascript:alert(1)"},
            generatorURL="smb://share/x",
        ),
        "alerts[0]",
        "",
    )
    assert incoming.links == ()
    assert incoming.url == ""


def test_who_silenced_an_alert_is_the_silence_that_ends_last() -> None:
    body: list[object] = [
        alert({}, status={"state": "suppressed", "silencedBy": ["s1", "s2"], "inhibitedBy": []}),
        {**alert({}), "fingerprint": "def456"},
    ]
    assert silencing(body) == {"abc123": ["s1", "s2"]}
    silences = {
        "s1": {
            "createdBy": "shiftbell",
            "comment": "Acknowledged",
            "endsAt": "2026-03-01T10:00:00Z",
        },
        "s2": {"createdBy": "alex", "comment": "I'm on it", "endsAt": "2026-03-01T13:00:00.000Z"},
    }
    assert ack_info_of(["s1", "s2"], silences) == AckInfo(
        "alex", "I'm on it", datetime(2026, 3, 1, 13, tzinfo=UTC)
    )
    assert ack_info_of(["expired"], silences) == AckInfo()


def test_an_alert_as_it_was_last_poll_is_not_read_again_and_a_changed_one_is() -> None:
    seen: dict[str, tuple[object, Incoming]] = {}
    first = [alert({"summary": "Disk full"}), alert({"summary": "CPU hot"}, fingerprint="def")]
    before = parse_alerts(first, "http://am.test:9093", seen)
    assert set(seen) == {"abc123", "def"}

    # The same alerts again, as new objects from a new answer: the same reading comes back.
    again = parse_alerts(copy.deepcopy(first), "http://am.test:9093", seen)
    assert again[0] is before[0] and again[1] is before[1]

    changed = [alert({"summary": "Disk full on /var"})]
    [now] = parse_alerts(changed, "http://am.test:9093", seen)
    assert now.title == "Disk full on /var"
    assert set(seen) == {"abc123"}  # the gone one is forgotten

    silenced = alert({"summary": "Disk full on /var"})
    silenced["status"] = {"state": "suppressed", "silencedBy": ["s1"], "inhibitedBy": []}
    [later] = parse_alerts([silenced], "http://am.test:9093", seen)
    assert later.acknowledged and not now.acknowledged
