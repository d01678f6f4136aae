"""AlertStore: alerts and their audit trail in SQLite, so acknowledgements survive a restart.

It also keeps the acknowledgements still on their way to a source (pending_acks)
and what sources confirmed (ack_receipts, e.g. an Alertmanager silence id to delete
on un-acknowledge), for the acknowledgement sender (runtime/ack_sender.py, core/acks.py).

The desk calls every method under its own lock, from the worker thread (feeds)
and the UI thread (acknowledgements), so the connection is shared across
threads; a lock of our own keeps that safe even for a caller without one.
Every sqlite3 error leaves this module as a StoreError whose message says what
to do about it; a damaged database file is moved aside, never deleted.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from types import TracebackType

from shiftbell.core.acks import AckKind, ConfirmedAck, PendingAck
from shiftbell.core.alert import AckDelivery, Alert, AlertKey, Severity, Status
from shiftbell.core.board import Changes
from shiftbell.core.clock import Clock
from shiftbell.core.errors import StoreError

log = logging.getLogger(__name__)

# Each entry upgrades the schema from version N to N + 1 (PRAGMA user_version); append,
# never edit, so a database written by any earlier release can be brought up to date.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE alerts (
        id TEXT PRIMARY KEY,
        feed_id TEXT NOT NULL,
        source_id TEXT NOT NULL,
        title TEXT NOT NULL,
        severity TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        alarm_since TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        source TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '',
        url TEXT NOT NULL DEFAULT '',
        labels TEXT NOT NULL DEFAULT '[]',
        acknowledged_at TEXT,
        resolved_at TEXT,
        -- coalesce(resolved_at, acknowledged_at, updated_at) as UTC microseconds: ISO text
        -- with mixed offsets does not sort by time, an integer does.
        history_us INTEGER NOT NULL
    );
    CREATE INDEX alerts_by_status ON alerts (status, history_us);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        alert_id TEXT NOT NULL REFERENCES alerts (id),
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        via TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX events_by_alert ON events (alert_id, seq);
    """,
    # 2: whether the source knows of an acknowledgement, and the requests still to send
    # to sources (pending_acks) or to undo later (ack_receipts), so neither is lost when
    # Shiftbell stops before the source answered. No foreign keys to alerts: a request
    # must be kept even if saving its alert failed (disk full) and succeeds later.
    """
    ALTER TABLE alerts ADD COLUMN ack_delivery TEXT NOT NULL DEFAULT 'none';
    ALTER TABLE alerts ADD COLUMN ack_error TEXT NOT NULL DEFAULT '';
    CREATE TABLE pending_acks (
        alert_id TEXT PRIMARY KEY,
        feed_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        next_try_at TEXT,  -- NULL: held after the source refused it
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT NOT NULL DEFAULT '',
        receipt_reference TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE ack_receipts (
        alert_id TEXT PRIMARY KEY,
        feed_id TEXT NOT NULL,
        reference TEXT NOT NULL DEFAULT '',
        confirmed_at TEXT NOT NULL,
        local_only INTEGER NOT NULL DEFAULT 0
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

_ALERT_COLUMNS = (
    "id, feed_id, source_id, title, severity, status, started_at, alarm_since, updated_at, "
    "source, summary, url, labels, acknowledged_at, resolved_at, ack_delivery, ack_error"
)
_UPSERT_ALERT = (
    f"INSERT OR REPLACE INTO alerts ({_ALERT_COLUMNS}, history_us) "
    f"VALUES ({', '.join('?' * (_ALERT_COLUMNS.count(',') + 2))})"
)

# sqlite3 extended result codes carry the primary code in their low byte.
_FULL = {sqlite3.SQLITE_FULL}
_READ_ONLY = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN}
_LOCKED = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_CORRUPT = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_IO = {sqlite3.SQLITE_IOERR}


class EventKind(StrEnum):
    """What happened to an alert, as the audit trail records it."""

    FIRED = "fired"  # appeared, or fired again after an acknowledgement (it got worse)
    UPDATED = "updated"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class AlertEvent:
    """One line of an alert's audit trail; `at` is the alert's own change time."""

    alert_id: str
    at: datetime
    kind: EventKind
    via: str


class AlertStore:
    """Alerts by id plus an append-only event log, in one SQLite file.

    Attributes:
        path: the database file.
        recovered_from: where a damaged database found at `path` was moved when this
            store opened, or None. The app tells the person, who may want it back.
    """

    def __init__(
        self, connection: sqlite3.Connection, path: Path, recovered_from: Path | None
    ) -> None:
        """Use `AlertStore.open`; this only wraps a connection whose schema is ready."""
        self._connection = connection
        self._lock = threading.Lock()
        self._closed = False
        self.path = path
        self.recovered_from = recovered_from
        self._identity = _identity(path)

    @classmethod
    def open(
        cls, path: Path, *, clock: Clock | None = None, busy_timeout_s: float = 2.0
    ) -> AlertStore:
        """Open or create the store at `path`, creating its directory and schema.

        A file that is not a database (or fails SQLite's quick check) is renamed to
        `<name>.corrupt-<UTC timestamp>` and a fresh database takes its place.
        `busy_timeout_s` bounds how long a write waits for another process holding
        the file (a second Shiftbell) before failing; the caller holds the UI.
        """
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the folder for the alert database {path.parent}: "
                f"{exc.strerror or exc}; check that it is writable"
            ) from exc
        try:
            return cls(_connect(path, busy_timeout_s), path, None)
        except _Damaged as damaged:
            moved = _move_aside(path, (clock.now() if clock else datetime.now(UTC)))
            log.error("alert database %s was damaged (%s); moved it to %s", path, damaged, moved)
        try:
            return cls(_connect(path, busy_timeout_s), path, moved)
        except _Damaged as damaged:  # a fresh file cannot be damaged unless the disk is failing
            raise StoreError(f"cannot create a new alert database at {path}: {damaged}") from None

    # -- writing -----------------------------------------------------------------------------

    def record(self, changes: Changes, via: str = "") -> None:
        """Save every alert in `changes` and append its events, all in one transaction."""
        if not changes:
            return
        rows: list[tuple[object, ...]] = []
        events: list[tuple[str, str, str, str]] = []
        for alert in changes.all:
            rows.append(_alert_row(alert))
            for kind in _event_kinds(alert, changes):
                events.append((alert.id, alert.updated_at.isoformat(), kind.value, via))
        with self._guard(f"cannot save alerts to {self.path}"), self._transaction() as db:
            db.executemany(_UPSERT_ALERT, rows)
            db.executemany(
                "INSERT INTO events (alert_id, at, kind, via) VALUES (?, ?, ?, ?)", events
            )

    def save_pending_ack(self, pending: PendingAck) -> None:
        """Save (or replace) the request still to be sent for one alert."""
        row = (
            pending.alert_id,
            pending.feed_id,
            pending.kind.value,
            _iso_or_none(pending.next_try_at),
            pending.attempts,
            pending.last_error,
            pending.receipt_reference,
        )
        with self._guard(f"cannot save a pending acknowledgement to {self.path}"):
            self._connection.execute(
                "INSERT OR REPLACE INTO pending_acks (alert_id, feed_id, kind, next_try_at, "
                "attempts, last_error, receipt_reference) VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )

    def delete_pending_ack(self, alert_id: str) -> None:
        """Forget the request for one alert (sent, or no longer wanted); absent is fine."""
        with self._guard(f"cannot update the pending acknowledgements in {self.path}"):
            self._connection.execute("DELETE FROM pending_acks WHERE alert_id = ?", (alert_id,))

    def save_ack_receipt(self, receipt: ConfirmedAck) -> None:
        """Save what a source confirmed, so it can be undone later, also after a restart."""
        row = (
            receipt.alert_id,
            receipt.feed_id,
            receipt.reference,
            receipt.confirmed_at.isoformat(),
            int(receipt.local_only),
        )
        with self._guard(f"cannot save an acknowledgement receipt to {self.path}"):
            self._connection.execute(
                "INSERT OR REPLACE INTO ack_receipts (alert_id, feed_id, reference, "
                "confirmed_at, local_only) VALUES (?, ?, ?, ?, ?)",
                row,
            )

    def delete_ack_receipt(self, alert_id: str) -> None:
        with self._guard(f"cannot update the acknowledgement receipts in {self.path}"):
            self._connection.execute("DELETE FROM ack_receipts WHERE alert_id = ?", (alert_id,))

    # -- reading -----------------------------------------------------------------------------

    def load_pending_acks(self) -> list[PendingAck]:
        """Every request still to be sent, oldest alert id first."""
        with self._guard(f"cannot read the pending acknowledgements from {self.path}"):
            rows: list[tuple[object, ...]] = self._connection.execute(
                "SELECT alert_id, feed_id, kind, next_try_at, attempts, last_error, "
                "receipt_reference FROM pending_acks ORDER BY alert_id"
            ).fetchall()
        pending: list[PendingAck] = []
        for row in rows:
            try:
                aid, feed_id, kind, next_try, attempts, error, reference = row
                if not isinstance(attempts, int):
                    raise TypeError(f"attempts is not a number: {attempts!r}")
                pending.append(
                    PendingAck(
                        alert_id=_text(aid),
                        feed_id=_text(feed_id),
                        kind=AckKind(_text(kind)),
                        next_try_at=_datetime_or_none(next_try),
                        attempts=attempts,
                        last_error=_text(error),
                        receipt_reference=_text(reference),
                    )
                )
            except (ValueError, TypeError) as exc:
                log.error("skipping pending acknowledgement %r: cannot read it (%s)", row[0], exc)
        return pending

    def load_ack_receipts(self) -> list[ConfirmedAck]:
        """Every acknowledgement a source confirmed that may still need undoing."""
        with self._guard(f"cannot read the acknowledgement receipts from {self.path}"):
            rows: list[tuple[object, ...]] = self._connection.execute(
                "SELECT alert_id, feed_id, reference, confirmed_at, local_only "
                "FROM ack_receipts ORDER BY alert_id"
            ).fetchall()
        receipts: list[ConfirmedAck] = []
        for row in rows:
            try:
                aid, feed_id, reference, confirmed_at, local_only = row
                receipts.append(
                    ConfirmedAck(
                        alert_id=_text(aid),
                        feed_id=_text(feed_id),
                        reference=_text(reference),
                        confirmed_at=datetime.fromisoformat(_text(confirmed_at)),
                        local_only=bool(local_only),
                    )
                )
            except (ValueError, TypeError) as exc:
                log.error("skipping acknowledgement receipt %r: cannot read it (%s)", row[0], exc)
        return receipts

    def load_active(self) -> list[Alert]:
        """Firing and acknowledged alerts, oldest first, to seed the board at start."""
        with self._guard(f"cannot read alerts from {self.path}"):
            cursor = self._connection.execute(
                f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE status IN (?, ?) "
                "ORDER BY started_at, id",
                (Status.FIRING.value, Status.ACKNOWLEDGED.value),
            )
            return _alerts_from(cursor.fetchall())

    def history(self, limit: int = 200) -> list[Alert]:
        """Acknowledged and resolved alerts, the most recently acknowledged or resolved first."""
        with self._guard(f"cannot read the alert history from {self.path}"):
            cursor = self._connection.execute(
                f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE status IN (?, ?) "
                "ORDER BY history_us DESC, rowid DESC LIMIT ?",
                (Status.ACKNOWLEDGED.value, Status.RESOLVED.value, max(limit, 0)),
            )
            return _alerts_from(cursor.fetchall())

    def get(self, alert_id: str) -> Alert | None:
        """One alert by id, whatever its status."""
        with self._guard(f"cannot read alerts from {self.path}"):
            cursor = self._connection.execute(
                f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE id = ?", (alert_id,)
            )
            found = _alerts_from(cursor.fetchall())
            return found[0] if found else None

    def events(self, alert_id: str) -> list[AlertEvent]:
        """The audit trail of one alert, in the order it happened."""
        with self._guard(f"cannot read the alert history from {self.path}"):
            cursor = self._connection.execute(
                "SELECT alert_id, at, kind, via FROM events WHERE alert_id = ? ORDER BY seq",
                (alert_id,),
            )
            rows: list[tuple[str, str, str, str]] = cursor.fetchall()
        try:
            return [
                AlertEvent(aid, datetime.fromisoformat(at), EventKind(kind), via)
                for aid, at, kind, via in rows
            ]
        except ValueError as exc:
            raise StoreError(
                f"the alert database {self.path} holds an event Shiftbell cannot read ({exc})"
            ) from exc

    # -- health ------------------------------------------------------------------------------

    def check(self) -> None:
        """Raise StoreError if the file was deleted, replaced or emptied under us, or is damaged.

        SQLite notices none of these by itself until it reads the wrong page, so the app
        asks every little while (a database truncated to 0 bytes while running
        showed nothing and lost everything at the next restart).
        """
        identity = _identity(self.path)
        if identity is None:
            raise StoreError(f"the alert database {self.path} was deleted while Shiftbell ran")
        if identity[:2] != (self._identity or identity)[:2]:
            raise StoreError(f"the alert database {self.path} was replaced while Shiftbell ran")
        if identity[2] == 0:
            raise StoreError(f"the alert database {self.path} was emptied while Shiftbell ran")
        with self._guard(f"the alert database {self.path} is damaged"):
            rows = self._connection.execute("PRAGMA quick_check").fetchall()
        if rows != [("ok",)]:
            raise StoreError(f"the alert database {self.path} is damaged: {rows[0][0]}")

    def reopen(self) -> Path | None:
        """Start a new database file in place of a broken one (moved aside if it is there).

        The caller writes what it holds into it again. Returns where the old file went.
        Raises StoreError when even a new file cannot be made.
        """
        with self._lock:
            with suppress(sqlite3.Error):
                self._connection.close()
            moved = _move_aside(self.path, datetime.now(UTC)) if self.path.exists() else None
            self._connection = _connect(self.path, 2.0)
            self._identity = _identity(self.path)
            self.recovered_from = moved
        log.error("started a new alert database at %s (the old one: %s)", self.path, moved)
        return moved

    # -- lifetime ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close the database; later calls raise StoreError. Closing twice is harmless."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._connection.close()
            except sqlite3.Error as exc:
                log.warning("closing the alert database %s failed: %s", self.path, exc)

    def __enter__(self) -> AlertStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------------

    @contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        """Hold the lock and turn any sqlite3 error into a StoreError that starts with `doing`."""
        with self._lock:
            if self._closed:
                raise StoreError(f"{doing}: the alert database is already closed")
            try:
                yield
            except sqlite3.Error as exc:
                raise StoreError(_explain(exc, doing, self.path)) from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        # The connection is in autocommit mode (isolation_level=None), so the transaction
        # is ours to open and close; IMMEDIATE takes the write lock up front.
        db = self._connection
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error as exc:  # already rolled back by SQLite itself (e.g. disk full)
                log.debug("rollback after a failed write: %s", exc)
            raise
        db.execute("COMMIT")


class _Damaged(Exception):
    """The file at the path is not a usable database; open() moves it aside."""


def _identity(path: Path) -> tuple[int, int, int] | None:
    """(device, inode, size) of the file, or None if it is gone."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size


def _connect(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """Open, check and migrate the database; raises _Damaged or StoreError."""
    try:
        db = sqlite3.connect(
            path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StoreError(_explain(exc, "cannot open the alert database", path)) from exc
    try:
        _prepare(db, path)
    except BaseException:
        db.close()
        raise
    return db


def _prepare(db: sqlite3.Connection, path: Path) -> None:
    try:
        version: int = db.execute("PRAGMA user_version").fetchone()[0]
        check = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorcode & 0xFF in _CORRUPT:
            raise _Damaged(str(exc)) from exc
        raise StoreError(_explain(exc, "cannot open the alert database", path)) from exc
    if check != [("ok",)]:
        lines = " ".join(str(row[0]) for row in check[:3]).split()
        raise _Damaged(" ".join(lines))
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"the alert database {path} was written by a newer Shiftbell (schema {version}, "
            f"this one knows {SCHEMA_VERSION}); update Shiftbell or move that file away"
        )
    try:
        # WAL: readers never block the writer, and a crash mid-write leaves the file
        # whole. synchronous=FULL because an acknowledgement must not be lost on power loss.
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = FULL")
        db.execute("PRAGMA foreign_keys = ON")
        for number in range(version, SCHEMA_VERSION):
            # One transaction per step, so a failed upgrade leaves the previous version whole.
            try:
                db.executescript(
                    f"BEGIN IMMEDIATE; {MIGRATIONS[number]}; "
                    f"PRAGMA user_version = {number + 1}; COMMIT;"
                )
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
    except sqlite3.Error as exc:
        raise StoreError(_explain(exc, "cannot prepare the alert database", path)) from exc


def _move_aside(path: Path, now: datetime) -> Path:
    stamp = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = path.with_name(f"{path.name}.corrupt-{stamp}-{counter}")
    try:
        path.rename(target)
        # The journal files belong to the damaged database; a fresh one must not replay them.
        for suffix in ("-wal", "-shm", "-journal"):
            companion = path.with_name(path.name + suffix)
            if companion.exists():
                companion.rename(target.with_name(target.name + suffix))
    except OSError as exc:
        raise StoreError(
            f"the alert database {path} is damaged and could not be moved aside "
            f"({exc.strerror or exc}); move or delete it by hand and start Shiftbell again"
        ) from exc
    return target


def _explain(exc: sqlite3.Error, doing: str, path: Path) -> str:
    """A message a person can act on, from whatever sqlite3 raised."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in _FULL:
        return f"{doing}: the disk is full; free some space and Shiftbell will save again"
    if primary in _READ_ONLY:
        return (
            f"{doing}: the file or its folder is read-only or not accessible ({exc}); "
            f"check the permissions of {path} and {path.parent}"
        )
    if primary in _LOCKED:
        return (
            f"{doing}: the database is locked by another program; "
            "is a second Shiftbell running? Quit it and try again"
        )
    if primary in _CORRUPT:
        return f"{doing}: the database file is damaged ({exc}); restart Shiftbell to replace it"
    if primary in _IO:
        return f"{doing}: the disk reported an error ({exc}); check the disk and its free space"
    if isinstance(exc, sqlite3.ProgrammingError) and "closed" in str(exc):
        return f"{doing}: the alert database is already closed"
    return f"{doing}: {exc}"


def _event_kinds(alert: Alert, changes: Changes) -> list[EventKind]:
    """Which events one alert in `changes` stands for.

    The board stamps `acknowledged_at` and `updated_at` with the same instant when it
    acknowledges, and `alarm_since` and `updated_at` when an acknowledged alert fires
    again, so equal times tell those apart from ordinary updates.
    """
    if any(a is alert for a in changes.new):
        if alert.status is Status.ACKNOWLEDGED:  # arrived already acknowledged at its source
            return [EventKind.FIRED, EventKind.ACKNOWLEDGED]
        return [EventKind.FIRED]
    if alert.status is Status.RESOLVED:
        return [EventKind.RESOLVED]
    if alert.status is Status.ACKNOWLEDGED and alert.acknowledged_at == alert.updated_at:
        return [EventKind.ACKNOWLEDGED]
    if alert.status is Status.FIRING and alert.alarm_since == alert.updated_at:
        return [EventKind.FIRED]
    return [EventKind.UPDATED]


def _alert_row(alert: Alert) -> tuple[object, ...]:
    stamp = alert.resolved_at or alert.acknowledged_at or alert.updated_at
    return (
        alert.id,
        alert.key.feed_id,
        alert.key.source_id,
        alert.title,
        alert.severity.value,
        alert.status.value,
        alert.started_at.isoformat(),
        alert.alarm_since.isoformat(),
        alert.updated_at.isoformat(),
        alert.source,
        alert.summary,
        alert.url,
        json.dumps([list(pair) for pair in alert.labels], ensure_ascii=False),
        _iso_or_none(alert.acknowledged_at),
        _iso_or_none(alert.resolved_at),
        alert.ack_delivery.value,
        alert.ack_error,
        _utc_microseconds(stamp),
    )


def _alerts_from(rows: list[tuple[object, ...]]) -> list[Alert]:
    alerts: list[Alert] = []
    for row in rows:
        try:
            alerts.append(_alert_from(row))
        except (ValueError, TypeError) as exc:
            # One unreadable row (an old bug, a hand edit) must not hide all the others.
            log.error("skipping alert %r in the database: cannot read it (%s)", row[0], exc)
    return alerts


def _alert_from(row: tuple[object, ...]) -> Alert:
    (aid, feed_id, source_id, title, severity, status, started, alarm_since, updated) = row[:9]
    source, summary, url, labels, acknowledged, resolved, delivery, ack_error = row[9:17]
    pairs = json.loads(_text(labels))
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in pairs
    ):
        raise ValueError(f"labels are not a list of [name, value] pairs: {labels!r}")
    return Alert(
        id=_text(aid),
        key=AlertKey(_text(feed_id), _text(source_id)),
        title=_text(title),
        severity=Severity(_text(severity)),
        status=Status(_text(status)),
        started_at=datetime.fromisoformat(_text(started)),
        alarm_since=datetime.fromisoformat(_text(alarm_since)),
        updated_at=datetime.fromisoformat(_text(updated)),
        source=_text(source),
        summary=_text(summary),
        url=_text(url),
        labels=tuple((name, value) for name, value in pairs),
        acknowledged_at=_datetime_or_none(acknowledged),
        resolved_at=_datetime_or_none(resolved),
        ack_delivery=_delivery(delivery, aid),
        ack_error=_text(ack_error),
    )


def _delivery(value: object, alert_id: object) -> AckDelivery:
    # Lenient: an unknown value (a newer Shiftbell's) must not hide the alert itself.
    try:
        return AckDelivery(_text(value))
    except (ValueError, TypeError):
        log.warning(
            "alert %r: unknown acknowledgement delivery %r, reading it as none", alert_id, value
        )
        return AckDelivery.NONE


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {value!r}")
    return value


def _iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _datetime_or_none(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(_text(value))


def _utc_microseconds(when: datetime) -> int:
    # Alerts carry aware times; a naive one (a feed's bug) is taken as UTC rather than
    # as local time, so the order does not depend on the machine's zone.
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return (aware - _EPOCH) // timedelta(microseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
