"""The alert database as a file: its schema and upgrades, opening it safely, moving a damaged
one aside (never deleting it), and what a sqlite3 error means for the person."""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from shiftbell.core.errors import StoreError

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
    # 3: an alert's web links (runbook, dashboard, the alert at its source) as a JSON list of
    # [title, url] pairs.
    """
    ALTER TABLE alerts ADD COLUMN links TEXT NOT NULL DEFAULT '[]';
    """,
    # 4: who acknowledged an alert at its source, the comment and until when, as a JSON
    # object {"by", "comment", "until"}; '' while the source has said nothing.
    """
    ALTER TABLE alerts ADD COLUMN ack_info TEXT NOT NULL DEFAULT '';
    """,
    # 5: the person's comment on an acknowledgement still on its way to the source.
    """
    ALTER TABLE pending_acks ADD COLUMN comment TEXT NOT NULL DEFAULT '';
    """,
    # 6: until when the person silenced it, for an acknowledgement of a chosen length.
    """
    ALTER TABLE pending_acks ADD COLUMN silence_until TEXT;
    """,
    # 7: the person's notes for the hand-over report: one per alert (kind 'alert', ref the
    # alert's id) and one per shift (kind 'shift', ref the shift's start in UTC, ISO).
    """
    CREATE TABLE notes (
        kind TEXT NOT NULL,
        ref TEXT NOT NULL,
        text TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (kind, ref)
    );
    """,
)


SCHEMA_VERSION = len(MIGRATIONS)


# sqlite3 extended result codes carry the primary code in their low byte.
_FULL = {sqlite3.SQLITE_FULL}


_READ_ONLY = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN}


_LOCKED = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}


_CORRUPT = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}


_IO = {sqlite3.SQLITE_IOERR}


class DamagedDatabase(Exception):
    """The file at the path is not a usable database; open() moves it aside."""


def file_identity(path: Path) -> tuple[int, int, int] | None:
    """(device, inode, size) of the file, or None if it is gone."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size


def connect(path: Path, busy_timeout_s: float) -> sqlite3.Connection:
    """Open, check and migrate the database; raises DamagedDatabase or StoreError."""
    try:
        db = sqlite3.connect(
            path, timeout=busy_timeout_s, isolation_level=None, check_same_thread=False
        )
    except sqlite3.Error as exc:
        raise StoreError(explain(exc, "cannot open the alert database", path)) from exc
    try:
        prepare(db, path)
    except BaseException:
        db.close()
        raise
    return db


def prepare(db: sqlite3.Connection, path: Path) -> None:
    try:
        version: int = db.execute("PRAGMA user_version").fetchone()[0]
        check = db.execute("PRAGMA quick_check").fetchall()
    except sqlite3.DatabaseError as exc:
        if exc.sqlite_errorcode & 0xFF in _CORRUPT:
            raise DamagedDatabase(str(exc)) from exc
        raise StoreError(explain(exc, "cannot open the alert database", path)) from exc
    if check != [("ok",)]:
        lines = " ".join(str(row[0]) for row in check[:3]).split()
        raise DamagedDatabase(" ".join(lines))
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
        raise StoreError(explain(exc, "cannot prepare the alert database", path)) from exc


def move_aside(path: Path, now: datetime) -> Path:
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


def explain(exc: sqlite3.Error, doing: str, path: Path) -> str:
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
