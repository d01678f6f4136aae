from datetime import timedelta

import pytest

from shiftbell.core.alert import AckDelivery, AlertKey, Incoming, Severity, Status, alert_id_for
from shiftbell.core.board import AlertBoard
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import UnknownAlertError


def fired(source_id: str = "k1", severity: Severity = Severity.CRITICAL, **kw: object) -> Incoming:
    return Incoming(
        source_id=source_id, title=kw.pop("title", "Disk full"), severity=severity, **kw
    )  # type: ignore[arg-type]


def test_new_event_creates_a_firing_alert() -> None:
    clock = FakeClock()
    board = AlertBoard()
    changes = board.merge_event("local", fired(summary="/var at 99%"), clock.now(), "local")
    assert len(changes.new) == 1 and not changes.updated and not changes.resolved
    alert = changes.new[0]
    assert alert.status is Status.FIRING
    assert alert.key == AlertKey("local", "k1")
    assert alert.summary == "/var at 99%"
    assert alert.alarm_since == clock.now()
    assert alert.id == alert_id_for(alert.key, clock.now())
    assert board.active() == [alert]


def test_same_key_updates_in_place_and_repeat_is_no_change() -> None:
    clock = FakeClock()
    board = AlertBoard()
    first = board.merge_event("local", fired(), clock.now()).new[0]
    clock.advance(10)
    changes = board.merge_event("local", fired(title="Disk full on db1"), clock.now())
    assert [a.title for a in changes.updated] == ["Disk full on db1"]
    assert changes.updated[0].id == first.id
    assert changes.updated[0].started_at == first.started_at
    assert not board.merge_event("local", fired(title="Disk full on db1"), clock.now())
    assert len(board) == 1


def test_resolved_event_leaves_the_board() -> None:
    clock = FakeClock()
    board = AlertBoard()
    board.merge_event("local", fired(), clock.now())
    clock.advance(5)
    changes = board.merge_event("local", fired(firing=False), clock.now())
    assert changes.resolved[0].status is Status.RESOLVED
    assert changes.resolved[0].resolved_at == clock.now()
    assert board.active() == []
    # Resolving something unknown is not an error and changes nothing.
    assert not board.merge_event("local", fired("nope", firing=False), clock.now())


def test_refiring_after_resolution_is_a_new_occurrence_with_a_new_id() -> None:
    clock = FakeClock()
    board = AlertBoard()
    first = board.merge_event("local", fired(), clock.now()).new[0]
    board.merge_event("local", fired(firing=False), clock.now())
    clock.advance(60)
    second = board.merge_event("local", fired(), clock.now()).new[0]
    assert second.id != first.id


def test_snapshot_resolves_what_is_missing_only_for_that_feed() -> None:
    clock = FakeClock()
    board = AlertBoard()
    board.merge_snapshot("am", [fired("a"), fired("b")], clock.now())
    board.merge_event("local", fired("a"), clock.now())
    changes = board.merge_snapshot("am", [fired("b")], clock.now())
    assert [a.key for a in changes.resolved] == [AlertKey("am", "a")]
    assert {a.key for a in board.active()} == {AlertKey("am", "b"), AlertKey("local", "a")}


def test_acknowledge_and_acknowledge_all() -> None:
    clock = FakeClock()
    board = AlertBoard()
    a = board.merge_event("local", fired("a"), clock.now()).new[0]
    board.merge_event("local", fired("b", Severity.WARNING), clock.now())
    clock.advance(3)
    changes = board.acknowledge(a.id, clock.now())
    assert changes.updated[0].status is Status.ACKNOWLEDGED
    assert changes.updated[0].acknowledged_at == clock.now()
    assert not board.acknowledge(a.id, clock.now()), "acknowledging twice changes nothing"
    all_changes = board.acknowledge_all(clock.now())
    assert [x.key.source_id for x in all_changes.updated] == ["b"]
    assert all(x.status is Status.ACKNOWLEDGED for x in board.active())
    with pytest.raises(UnknownAlertError, match="zzz"):
        board.acknowledge("zzz", clock.now())


def test_acknowledged_alert_that_gets_worse_fires_again() -> None:
    clock = FakeClock()
    board = AlertBoard()
    a = board.merge_event("local", fired(severity=Severity.WARNING), clock.now()).new[0]
    board.acknowledge(a.id, clock.now())
    clock.advance(timedelta(minutes=5))
    same = board.merge_event("local", fired(severity=Severity.WARNING, summary="x"), clock.now())
    assert same.updated[0].status is Status.ACKNOWLEDGED
    worse = board.merge_event("local", fired(severity=Severity.CRITICAL), clock.now())
    assert worse.updated[0].status is Status.FIRING
    assert worse.updated[0].alarm_since == clock.now()
    assert worse.updated[0].acknowledged_at is None


def test_source_side_acknowledgement_is_taken_over() -> None:
    clock = FakeClock()
    board = AlertBoard()
    board.merge_event("pd", fired(), clock.now())
    changes = board.merge_event("pd", fired(acknowledged=True), clock.now())
    assert changes.updated[0].status is Status.ACKNOWLEDGED


def test_active_orders_firing_first_then_by_severity() -> None:
    clock = FakeClock()
    board = AlertBoard()
    info = board.merge_event("l", fired("i", Severity.INFO), clock.now()).new[0]
    crit = board.merge_event("l", fired("c", Severity.CRITICAL), clock.now()).new[0]
    warn = board.merge_event("l", fired("w", Severity.WARNING), clock.now()).new[0]
    board.acknowledge(crit.id, clock.now())
    assert [a.id for a in board.active()] == [warn.id, info.id, crit.id]


def test_board_restored_from_saved_alerts_keeps_only_active() -> None:
    clock = FakeClock()
    board = AlertBoard()
    a = board.merge_event("l", fired("a"), clock.now()).new[0]
    gone = board.merge_event("l", fired("a", firing=False), clock.now()).resolved[0]
    restored = AlertBoard([a, gone])
    assert restored.active() == [a]
    assert AlertBoard([gone]).active() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("critical", Severity.CRITICAL),
        ("PAGE", Severity.CRITICAL),
        ("warn", Severity.WARNING),
        (" info ", Severity.INFO),
        ("none", Severity.INFO),
    ],
)
def test_severity_parse_accepts_common_words(text: str, expected: Severity) -> None:
    assert Severity.parse(text) is expected


def test_severity_parse_rejects_unknown_with_the_choices() -> None:
    from shiftbell.core.errors import PayloadError

    with pytest.raises(PayloadError, match="info, warning, critical"):
        Severity.parse("apocalyptic")


def test_unacknowledge_fires_again_and_restarts_escalation() -> None:
    clock = FakeClock()
    board = AlertBoard()
    a = board.merge_event("am", fired(), clock.now()).new[0]
    board.acknowledge(a.id, clock.now())
    board.set_ack_delivery(a.id, AckDelivery.CONFIRMED, "", clock.now())
    clock.advance(600)
    again = board.unacknowledge(a.id, clock.now()).updated[0]
    assert again.status is Status.FIRING
    assert again.alarm_since == clock.now()
    assert again.ack_delivery is AckDelivery.NONE
    assert not board.unacknowledge(a.id, clock.now()), "already firing: no change"


def test_ack_delivery_is_recorded_once() -> None:
    clock = FakeClock()
    board = AlertBoard()
    a = board.merge_event("pd", fired(), clock.now()).new[0]
    board.acknowledge(a.id, clock.now())
    failed = board.set_ack_delivery(a.id, AckDelivery.FAILED, "403: not allowed", clock.now())
    assert failed.updated[0].ack_error == "403: not allowed"
    assert not board.set_ack_delivery(a.id, AckDelivery.FAILED, "403: not allowed", clock.now())
    assert not board.set_ack_delivery("nope", AckDelivery.SENDING, "", clock.now())


def test_a_confirmed_acknowledgement_the_source_drops_fires_again() -> None:
    clock = FakeClock()
    board = AlertBoard()
    a = board.merge_snapshot("am", [fired("x")], clock.now()).new[0]
    board.acknowledge(a.id, clock.now())
    # Still sending: the source's "not acknowledged" is old news, not a reason to wake anyone.
    board.set_ack_delivery(a.id, AckDelivery.SENDING, "", clock.now())
    assert not board.merge_snapshot("am", [fired("x")], clock.now())
    board.set_ack_delivery(a.id, AckDelivery.CONFIRMED, "", clock.now())
    assert not board.merge_snapshot("am", [fired("x", acknowledged=True)], clock.now())
    clock.advance(4 * 3600)  # the silence expired while the alert still fires
    again = board.merge_snapshot("am", [fired("x")], clock.now()).updated[0]
    assert again.status is Status.FIRING and again.alarm_since == clock.now()


def test_local_only_acknowledgements_stay_acknowledged() -> None:
    clock = FakeClock()
    board = AlertBoard()
    a = board.merge_event("ntfy", fired("m1"), clock.now()).new[0]
    board.acknowledge(a.id, clock.now())
    board.set_ack_delivery(a.id, AckDelivery.LOCAL, "", clock.now())
    assert not board.merge_event("ntfy", fired("m1"), clock.now())


def test_acknowledged_elsewhere_counts_as_confirmed_and_unacknowledged_elsewhere_fires() -> None:
    clock = FakeClock()
    board = AlertBoard()
    board.merge_snapshot("pd", [fired("i")], clock.now())
    acked = board.merge_snapshot("pd", [fired("i", acknowledged=True)], clock.now()).updated[0]
    assert acked.ack_delivery is AckDelivery.CONFIRMED
    back = board.merge_snapshot("pd", [fired("i")], clock.now()).updated[0]
    assert back.status is Status.FIRING
