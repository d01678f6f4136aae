"""The filter box's words and name=value terms, every one of which must match."""

from tests.ui.samples import AlertFactory, build_alert

from shiftbell.core.alert import Severity, Status
from shiftbell.ui.alert_query import AlertQuery

make: AlertFactory = build_alert


def shown(text: str, *alerts: object) -> list[str]:
    query = AlertQuery.parse(text)
    return [a.id for a in alerts if query.matches(a)]  # type: ignore[attr-defined]


def test_words_match_anywhere_case_insensitively_and_all_must() -> None:
    db = make(1, title="Postgres down on DB1", labels=(("team", "dba"),))
    web = make(2, title="Checkout slow", summary="p99 2.3 s on web3")
    assert shown("", db, web) == ["a1", "a2"]
    assert shown("db1", db, web) == ["a1"]
    assert shown("WEB3", db, web) == ["a2"]
    assert shown("team=dba", db, web) == ["a1"]  # a label as written, found as a word too
    assert shown("postgres slow", db, web) == []
    assert shown('"down on"', db, web) == ["a1"]


def test_name_value_terms_match_labels_and_the_alerts_own_fields() -> None:
    db = make(1, labels=(("instance", "db1:9100"), ("team", "dba")))
    web = make(2, severity=Severity.WARNING, status=Status.ACKNOWLEDGED, labels=(("team", "web"),))
    assert shown("instance=db1", db, web) == ["a1"]
    assert shown("team!=dba", db, web) == ["a2"]
    assert shown("severity=critical", db, web) == ["a1"]
    assert shown("status=ack", db, web) == ["a2"]
    assert shown("source=alertmanager team=web", db, web) == ["a2"]
    assert shown("nosuchlabel=x", db, web) == []
