"""The acknowledgement queue in the alert database (acks survive a restart)."""

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from shiftbell.core.acks import AckKind, ConfirmedAck, PendingAck
from shiftbell.core.alert import AckDelivery, Status
from shiftbell.core.errors import StoreError
from shiftbell.store.alert_store import AlertStore
from shiftbell.store.sqlite_file import MIGRATIONS, SCHEMA_VERSION

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "shiftbell.sqlite3"


@pytest.fixture
def store(db_path: Path) -> Iterator[AlertStore]:
    opened = AlertStore.open(db_path)
    yield opened
    opened.close()


def test_pending_acks_round_trip_and_survive_a_reopen(db_path: Path) -> None:
    east = timezone(timedelta(hours=5, minutes=30))
    waiting = PendingAck(
        "a1",
        "prod",
        AckKind.ACK,
        next_try_at=datetime(2026, 3, 1, 15, 0, 0, 250000, tzinfo=east),
        attempts=4,
        last_error="cannot reach Alertmanager (prod): “refused”",
        comment='On it — Alex; "restarting" db1',
        silence_until=datetime(2026, 3, 1, 16, 0, tzinfo=east),
    )
    held = PendingAck(
        "a2",
        "prod",
        AckKind.UNACK,
        next_try_at=None,
        attempts=1,
        last_error="403",
        receipt_reference="0f3c-silence",
    )
    with AlertStore.open(db_path) as store:
        store.save_pending_ack(held)
        store.save_pending_ack(waiting)
    with AlertStore.open(db_path) as reopened:
        loaded = reopened.load_pending_acks()
        assert loaded == [waiting, held]
        assert loaded[0].next_try_at is not None
        assert loaded[0].next_try_at.utcoffset() == timedelta(hours=5, minutes=30)
        assert loaded[1].held


def test_saving_again_replaces_and_deleting_forgets(store: AlertStore) -> None:
    first = PendingAck("a1", "prod", AckKind.ACK, T0)
    store.save_pending_ack(first)
    retried = PendingAck("a1", "prod", AckKind.ACK, T0 + timedelta(seconds=4), attempts=2)
    store.save_pending_ack(retried)
    assert store.load_pending_acks() == [retried]
    store.delete_pending_ack("a1")
    store.delete_pending_ack("never-there")  # absent is fine
    assert store.load_pending_acks() == []


def test_receipts_keep_what_undoing_needs(db_path: Path) -> None:
    silence = ConfirmedAck("a1", "prod", "5d2b1c8e-silence", T0)
    local = ConfirmedAck("a2", "push", "", T0 + timedelta(seconds=1), local_only=True)
    with AlertStore.open(db_path) as store:
        store.save_ack_receipt(silence)
        store.save_ack_receipt(local)
    with AlertStore.open(db_path) as reopened:
        assert reopened.load_ack_receipts() == [silence, local]
        reopened.delete_ack_receipt("a1")
        assert reopened.load_ack_receipts() == [local]


def test_an_unreadable_queue_row_is_skipped_not_fatal(store: AlertStore, db_path: Path) -> None:
    store.save_pending_ack(PendingAck("good", "prod", AckKind.ACK, T0))
    store.save_pending_ack(PendingAck("bad", "prod", AckKind.ACK, T0))
    raw = sqlite3.connect(db_path)
    raw.execute("UPDATE pending_acks SET kind = 'shrug' WHERE alert_id = 'bad'")
    raw.commit()
    raw.close()
    assert [p.alert_id for p in store.load_pending_acks()] == ["good"]


def test_a_closed_store_says_so_for_the_queue(store: AlertStore) -> None:
    store.close()
    with pytest.raises(StoreError, match=r"pending acknowledgement.*closed"):
        store.save_pending_ack(PendingAck("a1", "prod", AckKind.ACK, T0))
    with pytest.raises(StoreError, match="closed"):
        store.load_ack_receipts()


def test_a_schema_1_database_is_upgraded_and_keeps_its_alerts(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    raw = sqlite3.connect(db_path, isolation_level=None)
    raw.executescript(MIGRATIONS[0])  # the database as the first release wrote it
    raw.execute("PRAGMA user_version = 1")
    raw.execute(
        "INSERT INTO alerts (id, feed_id, source_id, title, severity, status, started_at, "
        "alarm_since, updated_at, acknowledged_at, history_us) "
        "VALUES ('a1', 'local', 'disk', 'Disk full', 'critical', 'acknowledged', ?, ?, ?, ?, 0)",
        (T0.isoformat(),) * 4,
    )
    raw.close()
    with AlertStore.open(db_path) as store:
        [alert] = store.load_active()
        assert (alert.id, alert.status) == ("a1", Status.ACKNOWLEDGED)
        assert (alert.ack_delivery, alert.ack_error) == (AckDelivery.NONE, "")
        assert store.load_pending_acks() == []
        store.save_pending_ack(PendingAck("a1", "local", AckKind.ACK, T0))
    raw = sqlite3.connect(db_path)
    assert raw.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    raw.close()
