"""What group an alert falls in, and what a heading says (no Qt)."""

from __future__ import annotations

import pytest
from tests.ui.samples import AlertFactory

from shiftbell.core.alert import Severity, Status
from shiftbell.ui.alert_groups import NO_HOST, Grouping, arrange, group_name, heading, worst_firing


@pytest.mark.parametrize(
    ("labels", "host"),
    [
        ((("instance", "db1:9100"),), "db1"),
        ((("host", "db1.example.com"), ("instance", "10.0.0.1:9100")), "db1.example.com"),
        ((("instance", "[2001:db8::1]:9100"),), "[2001:db8::1]"),
        ((("instance", "2001:db8::1"),), "2001:db8::1"),  # no port to drop
        ((("nodename", "web1"),), "web1"),
        ((("instance", "  "),), NO_HOST),
        ((), NO_HOST),
    ],
)
def test_the_host_comes_from_the_labels_without_the_port(
    make_alert: AlertFactory, labels: tuple[tuple[str, str], ...], host: str
) -> None:
    assert group_name(make_alert(1, labels=labels), Grouping.HOST) == host


def test_names_and_sources(make_alert: AlertFactory) -> None:
    named = make_alert(1, title="Disk full", labels=(("alertname", "DiskFull"),))
    assert group_name(named, Grouping.NAME) == "DiskFull"
    assert group_name(make_alert(2, title="Ping\nlost"), Grouping.NAME) == "Ping lost"
    assert group_name(make_alert(3, source=""), Grouping.SOURCE) == "test"  # the feed's id
    assert group_name(named, Grouping.NONE) == ""


def test_groups_stand_where_their_first_alert_stood(make_alert: AlertFactory) -> None:
    alerts = [
        make_alert(1, labels=(("host", "b"),)),
        make_alert(2, labels=(("host", "a"),)),
        make_alert(3, labels=(("host", "b"),)),
    ]
    groups = arrange(alerts, Grouping.HOST)
    assert [(g.name, g.alert_ids) for g in groups] == [("b", ("a1", "a3")), ("a", ("a2",))]


def test_headings_count_what_fires(make_alert: AlertFactory) -> None:
    firing = make_alert(1, severity=Severity.WARNING)
    acked = make_alert(2, status=Status.ACKNOWLEDGED)
    assert heading("db1", [firing, acked]) == "db1 — 2 alerts, 1 firing"
    assert heading("db1", [acked]) == "db1 — 1 alert"
    assert worst_firing([firing, acked]) is Severity.WARNING
    assert worst_firing([acked]) is None
