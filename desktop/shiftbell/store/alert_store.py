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

import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from shiftbell.core.acks import AckKind, ConfirmedAck, PendingAck
from shiftbell.core.alert import Alert, Status
from shiftbell.core.board import Changes
from shiftbell.core.clock import Clock
from shiftbell.core.errors import StoreError
from shiftbell.store.alert_rows import (
    ALERT_COLUMNS,
    UPSERT_ALERT,
    AlertEvent,
    EventKind,
    alert_row,
    alerts_from,
    datetime_or_none,
    event_kinds,
    iso_or_none,
    text_of,
    utc_microseconds,
)
from shiftbell.store.sqlite_file import (
    DamagedDatabase,
    connect,
    explain,
    file_identity,
    move_aside,
)

log = logging.getLogger(__name__)


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
        self._identity = file_identity(path)

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
            return cls(connect(path, busy_timeout_s), path, None)
        except DamagedDatabase as damaged:
            moved = move_aside(path, (clock.now() if clock else datetime.now(UTC)))
            log.error("alert database %s was damaged (%s); moved it to %s", path, damaged, moved)
        try:
            return cls(connect(path, busy_timeout_s), path, moved)
        except DamagedDatabase as damaged:
            # A fresh file cannot be damaged unless the disk is failing.
            raise StoreError(f"cannot create a new alert database at {path}: {damaged}") from None

    # -- writing -----------------------------------------------------------------------------

    def record(self, changes: Changes, via: str = "") -> None:
        """Save every alert in `changes` and append its events, all in one transaction."""
        if not changes:
            return
        rows: list[tuple[object, ...]] = []
        events: list[tuple[str, str, str, str]] = []
        new = {id(alert) for alert in changes.new}  # a set: a storm of 10,000 was quadratic
        for alert in changes.all:
            rows.append(alert_row(alert))
            for kind in event_kinds(alert, id(alert) in new):
                events.append((alert.id, alert.updated_at.isoformat(), kind.value, via))
        with self._guard(f"cannot save alerts to {self.path}"), self._transaction() as db:
            db.executemany(UPSERT_ALERT, rows)
            db.executemany(
                "INSERT INTO events (alert_id, at, kind, via) VALUES (?, ?, ?, ?)", events
            )

    def save_pending_ack(self, pending: PendingAck) -> None:
        """Save (or replace) the request still to be sent for one alert."""
        row = (
            pending.alert_id,
            pending.feed_id,
            pending.kind.value,
            iso_or_none(pending.next_try_at),
            pending.attempts,
            pending.last_error,
            pending.receipt_reference,
            pending.comment,
            iso_or_none(pending.silence_until),
        )
        with self._guard(f"cannot save a pending acknowledgement to {self.path}"):
            self._connection.execute(
                "INSERT OR REPLACE INTO pending_acks (alert_id, feed_id, kind, next_try_at, "
                "attempts, last_error, receipt_reference, comment, silence_until) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                "receipt_reference, comment, silence_until FROM pending_acks ORDER BY alert_id"
            ).fetchall()
        pending: list[PendingAck] = []
        for row in rows:
            try:
                aid, feed_id, kind, next_try, attempts, error, reference, comment, until = row
                if not isinstance(attempts, int):
                    raise TypeError(f"attempts is not a number: {attempts!r}")
                pending.append(
                    PendingAck(
                        alert_id=text_of(aid),
                        feed_id=text_of(feed_id),
                        kind=AckKind(text_of(kind)),
                        next_try_at=datetime_or_none(next_try),
                        attempts=attempts,
                        last_error=text_of(error),
                        receipt_reference=text_of(reference),
                        comment=text_of(comment),
                        silence_until=datetime_or_none(until),
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
                        alert_id=text_of(aid),
                        feed_id=text_of(feed_id),
                        reference=text_of(reference),
                        confirmed_at=datetime.fromisoformat(text_of(confirmed_at)),
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
                f"SELECT {ALERT_COLUMNS} FROM alerts WHERE status IN (?, ?) "
                "ORDER BY started_at, id",
                (Status.FIRING.value, Status.ACKNOWLEDGED.value),
            )
            return alerts_from(cursor.fetchall())

    def history(self, limit: int = 200) -> list[Alert]:
        """Acknowledged and resolved alerts, the most recently acknowledged or resolved first."""
        with self._guard(f"cannot read the alert history from {self.path}"):
            cursor = self._connection.execute(
                f"SELECT {ALERT_COLUMNS} FROM alerts WHERE status IN (?, ?) "
                "ORDER BY history_us DESC, rowid DESC LIMIT ?",
                (Status.ACKNOWLEDGED.value, Status.RESOLVED.value, max(limit, 0)),
            )
            return alerts_from(cursor.fetchall())

    def touched_since(self, since: datetime) -> list[Alert]:
        """Every alert still active, and every one acknowledged, resolved or changed at or
        after `since`: what a hand-over report from `since` is made of. Oldest first."""
        with self._guard(f"cannot read the alert history from {self.path}"):
            cursor = self._connection.execute(
                f"SELECT {ALERT_COLUMNS} FROM alerts WHERE history_us >= ? OR status IN (?, ?) "
                "ORDER BY started_at, id",
                (utc_microseconds(since), Status.FIRING.value, Status.ACKNOWLEDGED.value),
            )
            return alerts_from(cursor.fetchall())

    def notes(self, kind: str, refs: Sequence[str]) -> dict[str, str]:
        """The person's notes of this kind ("alert", "shift") by ref."""
        found: dict[str, str] = {}
        with self._guard(f"cannot read the notes from {self.path}"):
            for start in range(0, len(refs), 500):
                chunk = list(refs[start : start + 500])
                marks = ", ".join("?" * len(chunk))
                cursor = self._connection.execute(
                    f"SELECT ref, text FROM notes WHERE kind = ? AND ref IN ({marks})",
                    (kind, *chunk),
                )
                found.update(cursor.fetchall())
        return found

    def set_note(self, kind: str, ref: str, text: str, at: datetime) -> None:
        """Keep a note ("" deletes it)."""
        with self._guard(f"cannot save the note to {self.path}"), self._transaction() as db:
            if text.strip():
                db.execute(
                    "INSERT OR REPLACE INTO notes (kind, ref, text, updated_at) "
                    "VALUES (?, ?, ?, ?)",
                    (kind, ref, text, at.isoformat()),
                )
            else:
                db.execute("DELETE FROM notes WHERE kind = ? AND ref = ?", (kind, ref))

    def get(self, alert_id: str) -> Alert | None:
        """One alert by id, whatever its status."""
        with self._guard(f"cannot read alerts from {self.path}"):
            cursor = self._connection.execute(
                f"SELECT {ALERT_COLUMNS} FROM alerts WHERE id = ?", (alert_id,)
            )
            found = alerts_from(cursor.fetchall())
            return found[0] if found else None

    def acknowledged_vias(self, alert_ids: Sequence[str]) -> dict[str, str]:
        """How each of these alerts was last acknowledged (the `via` of its event)."""
        found: dict[str, str] = {}
        with self._guard(f"cannot read the alert history from {self.path}"):
            for start in range(0, len(alert_ids), 500):  # SQLite's limit on parameters
                chunk = list(alert_ids[start : start + 500])
                marks = ", ".join("?" * len(chunk))
                cursor = self._connection.execute(
                    f"SELECT alert_id, via FROM events WHERE kind = ? AND alert_id IN ({marks}) "
                    "ORDER BY seq",
                    (EventKind.ACKNOWLEDGED.value, *chunk),
                )
                found.update(cursor.fetchall())
        return found

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
        identity = file_identity(self.path)
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
            moved = move_aside(self.path, datetime.now(UTC)) if self.path.exists() else None
            self._connection = connect(self.path, 2.0)
            self._identity = file_identity(self.path)
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
                raise StoreError(explain(exc, doing, self.path)) from exc

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
