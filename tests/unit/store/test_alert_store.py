import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from shiftbell.core.alert import (
    AckDelivery,
    AckInfo,
    Alert,
    AlertKey,
    Incoming,
    Link,
    Severity,
    Status,
)
from shiftbell.core.board import Changes
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import StoreError
from shiftbell.runtime.desk import AlertDesk
from shiftbell.store.alert_rows import EventKind
from shiftbell.store.alert_store import AlertStore
from shiftbell.store.sqlite_file import SCHEMA_VERSION

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def make_alert(alert_id: str = "a1", **fields: object) -> Alert:
    base = Alert(
        id=alert_id,
        key=AlertKey("local", f"src-{alert_id}"),
        title="Disk full",
        severity=Severity.CRITICAL,
        status=Status.FIRING,
        started_at=T0,
        alarm_since=T0,
        updated_at=T0,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "nested" / "shiftbell.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[AlertStore]:
    opened = AlertStore.open(db_path)
    yield opened
    opened.close()


def test_open_creates_the_folder_a_versioned_schema_and_wal(db_path: Path) -> None:
    with AlertStore.open(db_path) as store:
        assert store.recovered_from is None
    assert db_path.is_file()
    raw = sqlite3.connect(db_path)
    try:
        assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    finally:
        raw.close()


def test_every_field_round_trips_exactly(store: AlertStore) -> None:
    plus_two = timezone(timedelta(hours=2))
    alert = make_alert(
        severity=Severity.WARNING,
        status=Status.RESOLVED,
        started_at=datetime(2026, 3, 1, 11, 30, 0, 123456, tzinfo=plus_two),
        alarm_since=datetime(2026, 3, 1, 9, 31, 5, 1, tzinfo=UTC),
        updated_at=datetime(2026, 3, 1, 9, 40, tzinfo=UTC),
        source="alertmanager @ prod",
        summary="/var at 99 % — “quoted” ünïcode\nsecond line",
        url="https://example.test/alerts?id=1&x=2",
        labels=(("team", "sre"), ("team", "dba"), ("emoji", "🔥"), ("", "")),
        links=(Link("Runbook", "https://wiki.test/disk?x=1&y=2"), Link("“Dash”", "http://d")),
        acknowledged_at=datetime(2026, 3, 1, 9, 35, tzinfo=UTC),
        resolved_at=datetime(2026, 3, 1, 9, 40, tzinfo=UTC),
        ack_delivery=AckDelivery.FAILED,
        ack_error="PagerDuty refused access with the API key (403): <check> “it”",
        ack_info=AckInfo("alex", "I'm on it “now”", datetime(2026, 3, 1, 13, tzinfo=plus_two)),
    )
    store.record(Changes(resolved=(alert,)))
    loaded = store.get("a1")
    assert loaded == alert
    assert loaded is not None
    # Equality of aware datetimes ignores the offset; the stored text must keep it.
    assert loaded.started_at.utcoffset() == timedelta(hours=2)
    assert loaded.labels == alert.labels  # order and duplicates kept
    # The person's own request to resolve it at the source survives a restart too.
    asked = replace(alert, id="a2", ack_info=AckInfo(comment="fixed", resolve=True))
    store.record(Changes(resolved=(asked,)))
    assert store.get("a2") == asked


def test_a_database_of_the_previous_schema_is_upgraded_and_keeps_its_alerts(
    db_path: Path,
) -> None:
    with AlertStore.open(db_path) as store:
        store.record(Changes(new=(make_alert(),)))
    raw = sqlite3.connect(db_path)
    # As version 2 left it: none of the columns versions 3 to 6 added, no notes (7).
    raw.executescript(
        "ALTER TABLE alerts DROP COLUMN links; ALTER TABLE alerts DROP COLUMN ack_info; "
        "ALTER TABLE pending_acks DROP COLUMN comment; "
        "ALTER TABLE pending_acks DROP COLUMN silence_until; DROP TABLE notes; "
        "PRAGMA user_version = 2;"
    )
    raw.close()
    with AlertStore.open(db_path) as store:
        assert store.get("a1") == make_alert()
        store.record(Changes(updated=(make_alert(links=(Link("Runbook", "https://r"),)),)))
        loaded = store.get("a1")
        store.set_note("alert", "a1", "checked the replica", make_alert().started_at)
        assert store.notes("alert", ["a1", "a2"]) == {"a1": "checked the replica"}
    assert loaded is not None and loaded.links == (Link("Runbook", "https://r"),)


def test_unreadable_links_and_ack_info_read_as_none_and_keep_the_alert(
    store: AlertStore, db_path: Path
) -> None:
    store.record(Changes(new=(make_alert(links=(Link("Runbook", "https://r"),)),)))
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE alerts SET links = '{not json', ack_info = '[1'")
    raw.commit()
    raw.close()
    assert store.get("a1") == make_alert()


def test_load_active_returns_firing_and_acknowledged_only(store: AlertStore) -> None:
    firing = make_alert("f1")
    acked = make_alert("k1", status=Status.ACKNOWLEDGED, acknowledged_at=T0)
    resolved = make_alert("r1", status=Status.RESOLVED, resolved_at=T0)
    store.record(Changes(new=(firing, acked), resolved=(resolved,)))
    assert sorted(a.id for a in store.load_active()) == ["f1", "k1"]


def test_acknowledged_stays_acknowledged_after_a_restart(db_path: Path) -> None:
    alert = make_alert()
    acked = replace(
        alert,
        status=Status.ACKNOWLEDGED,
        acknowledged_at=T0 + timedelta(seconds=30),
        updated_at=T0 + timedelta(seconds=30),
    )
    with AlertStore.open(db_path) as store:
        store.record(Changes(new=(alert,)), via="local")
        store.record(Changes(updated=(acked,)), via="tray")
    with AlertStore.open(db_path) as reopened:
        assert reopened.load_active() == [acked]


def test_ack_delivery_survives_a_restart_and_an_unknown_value_reads_as_none(
    db_path: Path,
) -> None:
    sending = make_alert(
        "s1",
        status=Status.ACKNOWLEDGED,
        acknowledged_at=T0,
        ack_delivery=AckDelivery.SENDING,
        ack_error="cannot reach Alertmanager (prod)",
    )
    future = make_alert("f1", status=Status.ACKNOWLEDGED, acknowledged_at=T0)
    with AlertStore.open(db_path) as store:
        store.record(Changes(new=(sending, future)), via="prod")
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE alerts SET ack_delivery = 'teleported' WHERE id = 'f1'")
    raw.commit()
    raw.close()
    with AlertStore.open(db_path) as reopened:
        by_id = {a.id: a for a in reopened.load_active()}
        assert by_id["s1"] == sending
        # A value from a newer Shiftbell must not hide the alert itself.
        assert by_id["f1"].ack_delivery is AckDelivery.NONE


def test_history_is_acknowledged_and_resolved_newest_first(store: AlertStore) -> None:
    minute = timedelta(minutes=1)
    # Different offsets on purpose: the order is by instant, not by the text.
    east = timezone(timedelta(hours=5))
    old_resolved = make_alert(
        "old", status=Status.RESOLVED, resolved_at=T0 + minute, updated_at=T0 + minute
    )
    acked = make_alert(
        "ack",
        status=Status.ACKNOWLEDGED,
        acknowledged_at=(T0 + 3 * minute).astimezone(east),
        updated_at=T0 + 3 * minute,
    )
    new_resolved = make_alert(
        "new",
        status=Status.RESOLVED,
        acknowledged_at=T0,
        resolved_at=T0 + 5 * minute,
        updated_at=T0 + 5 * minute,
    )
    # Resolved two minutes in, written in +05:00: its text sorts after "new", its instant not.
    middle = make_alert(
        "mid",
        status=Status.RESOLVED,
        resolved_at=(T0 + 2 * minute).astimezone(east),
        updated_at=T0 + 2 * minute,
    )
    still_firing = make_alert("fire", updated_at=T0 + 9 * minute)
    store.record(Changes(new=(still_firing, acked), resolved=(new_resolved, old_resolved, middle)))
    assert [a.id for a in store.history()] == ["new", "ack", "mid", "old"]
    assert [a.id for a in store.history(limit=2)] == ["new", "ack"]


def test_events_are_the_audit_trail_of_one_alert(store: AlertStore) -> None:
    fired = make_alert()
    retitled = replace(fired, title="Disk nearly full", updated_at=T0 + timedelta(seconds=10))
    acked = replace(
        retitled,
        status=Status.ACKNOWLEDGED,
        acknowledged_at=T0 + timedelta(seconds=20),
        updated_at=T0 + timedelta(seconds=20),
    )
    acked_then_changed = replace(acked, summary="more", updated_at=T0 + timedelta(seconds=25))
    resolved = replace(
        acked_then_changed,
        status=Status.RESOLVED,
        resolved_at=T0 + timedelta(seconds=30),
        updated_at=T0 + timedelta(seconds=30),
    )
    store.record(Changes(new=(fired,)), via="local")
    store.record(Changes(updated=(retitled,)), via="local")
    store.record(Changes(updated=(acked,)), via="tray")
    store.record(Changes(updated=(acked_then_changed,)), via="local")
    store.record(Changes(resolved=(resolved,)), via="alertmanager")
    store.record(Changes(new=(make_alert("other"),)), via="local")
    events = store.events("a1")
    assert [(e.kind, e.via, e.at) for e in events] == [
        (EventKind.FIRED, "local", T0),
        (EventKind.UPDATED, "local", T0 + timedelta(seconds=10)),
        (EventKind.ACKNOWLEDGED, "tray", T0 + timedelta(seconds=20)),
        (EventKind.UPDATED, "local", T0 + timedelta(seconds=25)),
        (EventKind.RESOLVED, "alertmanager", T0 + timedelta(seconds=30)),
    ]
    assert {e.alert_id for e in events} == {"a1"}
    assert store.events("nope") == []


def test_events_for_arriving_acknowledged_and_for_firing_again(store: AlertStore) -> None:
    arrived_acked = make_alert(status=Status.ACKNOWLEDGED, acknowledged_at=T0)
    worse = replace(
        arrived_acked,
        status=Status.FIRING,
        acknowledged_at=None,
        alarm_since=T0 + timedelta(minutes=1),
        updated_at=T0 + timedelta(minutes=1),
    )
    store.record(Changes(new=(arrived_acked,)), via="pagerduty")
    store.record(Changes(updated=(worse,)), via="pagerduty")
    assert [e.kind for e in store.events("a1")] == [
        EventKind.FIRED,
        EventKind.ACKNOWLEDGED,
        EventKind.FIRED,
    ]


def test_a_file_that_is_not_a_database_is_moved_aside_and_reported(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    garbage = b"this is not a database\n" * 100
    db_path.write_bytes(garbage)
    clock = FakeClock(datetime(2026, 2, 3, 4, 5, 6, tzinfo=UTC))
    with AlertStore.open(db_path, clock=clock) as store:
        expected = db_path.with_name("shiftbell.sqlite3.corrupt-20260203T040506Z")
        assert store.recovered_from == expected
        assert expected.read_bytes() == garbage  # kept, byte for byte, for the person
        store.record(Changes(new=(make_alert(),)))
        assert [a.id for a in store.load_active()] == ["a1"]


def test_damaged_pages_inside_a_real_database_are_detected(db_path: Path) -> None:
    with AlertStore.open(db_path) as store:
        for i in range(200):
            store.record(Changes(new=(make_alert(f"a{i}", summary="x" * 500),)))
    raw = sqlite3.connect(db_path)
    raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    raw.close()
    data = bytearray(db_path.read_bytes())
    page = 4096
    assert len(data) > 10 * page
    data[3 * page : 3 * page + 256] = b"\xff" * 256
    db_path.write_bytes(bytes(data))
    clock = FakeClock()
    # A second damaged file the same second must not overwrite the first one moved aside.
    taken = db_path.with_name("shiftbell.sqlite3.corrupt-20260101T120000Z")
    taken.write_bytes(b"earlier")
    with AlertStore.open(db_path, clock=clock) as store:
        assert store.recovered_from == taken.with_name(taken.name + "-2")
        assert store.load_active() == []
    assert taken.read_bytes() == b"earlier"


def test_disk_full_is_a_clear_error_and_loses_nothing(store: AlertStore, db_path: Path) -> None:
    first = make_alert("a1", status=Status.ACKNOWLEDGED, acknowledged_at=T0)
    store.record(Changes(new=(first,)), via="local")
    # A real SQLITE_FULL from SQLite: cap the file at the pages it already has.
    connection = store._connection
    pages = connection.execute("PRAGMA page_count").fetchone()[0]
    connection.execute(f"PRAGMA max_page_count = {pages}")
    big = make_alert("a2", summary="x" * 200_000)
    changed_first = replace(first, title="changed", updated_at=T0 + timedelta(seconds=1))
    with pytest.raises(StoreError) as caught:
        store.record(Changes(new=(big,), updated=(changed_first,)), via="local")
    message = str(caught.value)
    assert "full" in message and str(db_path) in message
    # The failed transaction left no trace: neither the alert nor the update nor an event.
    assert store.load_active() == [first]
    assert store.get("a2") is None
    assert [e.kind for e in store.events("a1")] == [EventKind.FIRED, EventKind.ACKNOWLEDGED]
    # Space comes back: saving works again on the same store.
    connection.execute("PRAGMA max_page_count = 1073741823")
    store.record(Changes(new=(big,)), via="local")
    assert store.get("a2") == big


def test_a_locked_database_says_so(store: AlertStore, db_path: Path) -> None:
    store.close()
    quick = AlertStore.open(db_path, busy_timeout_s=0)
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StoreError, match="locked by another program"):
            quick.record(Changes(new=(make_alert(),)))
    finally:
        other.execute("ROLLBACK")
        other.close()
    quick.record(Changes(new=(make_alert(),)))
    assert quick.get("a1") is not None
    quick.close()


def test_a_folder_in_place_of_the_file_is_a_clear_error(db_path: Path) -> None:
    db_path.mkdir(parents=True)
    with pytest.raises(StoreError, match="cannot open the alert database") as caught:
        AlertStore.open(db_path)
    assert str(db_path) in str(caught.value)
    assert db_path.is_dir()  # nothing was moved or deleted


def test_a_file_in_place_of_the_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "state").write_text("a file, not a folder")
    with pytest.raises(StoreError, match="cannot create the folder"):
        AlertStore.open(tmp_path / "state" / "shiftbell.sqlite3")


def test_a_database_from_a_newer_shiftbell_is_left_alone(db_path: Path) -> None:
    with AlertStore.open(db_path) as store:
        store.record(Changes(new=(make_alert(),)))
    raw = sqlite3.connect(db_path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.close()
    with pytest.raises(StoreError, match="newer Shiftbell"):
        AlertStore.open(db_path)
    assert not list(db_path.parent.glob("*.corrupt-*"))
    raw = sqlite3.connect(db_path)
    assert raw.execute("SELECT id FROM alerts").fetchall() == [("a1",)]
    raw.close()


def test_a_closed_store_raises_store_error(store: AlertStore) -> None:
    store.close()
    store.close()  # twice is harmless
    with pytest.raises(StoreError, match="closed"):
        store.record(Changes(new=(make_alert(),)))
    with pytest.raises(StoreError, match="closed"):
        store.load_active()


def test_one_unreadable_row_does_not_hide_the_others(store: AlertStore, db_path: Path) -> None:
    store.record(Changes(new=(make_alert("good"), make_alert("bad"))))
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE alerts SET severity = 'apocalyptic' WHERE id = 'bad'")
    raw.commit()
    raw.close()
    assert [a.id for a in store.load_active()] == ["good"]


def test_records_from_many_threads_all_land(store: AlertStore) -> None:
    def write(prefix: str) -> None:
        for i in range(25):
            store.record(Changes(new=(make_alert(f"{prefix}{i}"),)), via=prefix)

    threads = [threading.Thread(target=write, args=(p,)) for p in "abcd"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(store.load_active()) == 100
    assert [e.via for e in store.events("c7")] == ["c"]


def test_acknowledgement_survives_a_restart_of_the_desk(db_path: Path) -> None:
    clock = FakeClock()
    with AlertStore.open(db_path) as store:
        desk = AlertDesk(clock, store)
        new = desk.ingest(
            "local",
            [
                Incoming("disk", "Disk full", Severity.CRITICAL),
                Incoming("cpu", "CPU hot", Severity.WARNING),
                Incoming("gone", "Flapping", Severity.INFO),
            ],
            source="local",
        ).new
        ids = {a.key.source_id: a.id for a in new}
        clock.advance(30)
        desk.acknowledge(ids["disk"], via="tray")
        clock.advance(30)
        desk.ingest("local", [Incoming("gone", "Flapping", firing=False)], source="local")
        assert desk.store_problem == ""
        assert store.get(ids["gone"]) is not None
        assert [e.kind for e in store.events(ids["disk"])] == [
            EventKind.FIRED,
            EventKind.ACKNOWLEDGED,
        ]
        assert [e.via for e in store.events(ids["disk"])] == ["local", "tray"]
    with AlertStore.open(db_path) as reopened:
        restarted = AlertDesk(clock, reopened)
        by_id = {a.id: a for a in restarted.active()}
        assert set(by_id) == {ids["disk"], ids["cpu"]}
        assert by_id[ids["disk"]].status is Status.ACKNOWLEDGED
        assert by_id[ids["disk"]].acknowledged_at == clock.now() - timedelta(seconds=30)
        assert by_id[ids["cpu"]].status is Status.FIRING
        assert [a.id for a in restarted.history()] == [ids["gone"], ids["disk"]]
        # The same alert reported again after the restart is the same, still acknowledged.
        again = restarted.ingest("local", [Incoming("disk", "Disk full", Severity.CRITICAL)])
        assert not again.new
        assert restarted.get(ids["disk"]) == by_id[ids["disk"]]


def test_how_each_alert_was_acknowledged_is_its_last_acknowledgement(store: AlertStore) -> None:
    store.record(Changes(new=(make_alert("a1"), make_alert("a2"))), via="local")
    acked = replace(make_alert("a1"), status=Status.ACKNOWLEDGED, acknowledged_at=T0)
    store.record(Changes(updated=(replace(acked, updated_at=T0),)), via="window")
    later = T0 + timedelta(minutes=5)
    again = replace(acked, acknowledged_at=later, updated_at=later)
    store.record(Changes(updated=(again,)), via="tray")
    assert store.acknowledged_vias(["a1", "a2", "nope"]) == {"a1": "tray"}
    assert store.acknowledged_vias([]) == {}
