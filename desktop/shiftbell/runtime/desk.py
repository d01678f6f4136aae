"""AlertDesk: the one place where alerts change, callable from any thread.

Feeds and the local receiver run on the worker thread, acknowledgements come
from the UI thread; both go through here. The desk merges into the board, saves
to the store, and tells its listeners, all under one lock, so listeners see
changes in the order they happened and the store never lags the board.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, TypeVar

from shiftbell.core.alert import AckDelivery, Alert, Incoming, Status
from shiftbell.core.board import AlertBoard, Changes
from shiftbell.core.clock import Clock
from shiftbell.core.errors import StoreError
from shiftbell.receiver.address import LOCAL_FEED_ID
from shiftbell.system.problem_log import ProblemLog

log = logging.getLogger(__name__)

Listener = Callable[[Changes], None]
_MAX_UNSAVED_BATCHES = 1000
T = TypeVar("T")


class AckJournalLike(Protocol):
    def load(self) -> dict[str, datetime]: ...
    def add(self, acknowledged: dict[str, datetime]) -> None: ...
    def clear(self) -> None: ...


class AlertStoreLike(Protocol):
    def load_active(self) -> list[Alert]: ...
    def record(self, changes: Changes, via: str = "") -> None: ...
    def history(self, limit: int = 200) -> list[Alert]: ...
    def acknowledged_vias(self, alert_ids: Sequence[str]) -> dict[str, str]: ...
    def check(self) -> None: ...
    def reopen(self) -> Path | None: ...
    def touched_since(self, since: datetime) -> list[Alert]: ...
    def notes(self, kind: str, refs: Sequence[str]) -> dict[str, str]: ...
    def set_note(self, kind: str, ref: str, text: str, at: datetime) -> None: ...


class AlertDesk:
    """Board, store and listeners behind one lock.

    Attributes:
        store_problem: the last error saving state, or "" when saving works. The
            in-memory board stays right when the disk fails, so nothing is lost
            while the app runs; the UI shows this so the person knows.

    What could not be saved is kept, in order, and written as soon as saving works
    again (the next change, or `flush`, which the app calls every few seconds), so a
    full disk costs nothing once space is back. Until then `saved` is False and the
    receiver answers 503, so senders retry instead of trusting a 2xx.
    """

    def __init__(
        self,
        clock: Clock,
        store: AlertStoreLike | None = None,
        journal: AckJournalLike | None = None,
    ) -> None:
        self._clock = clock
        self._store = store
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []
        self._problem_listeners: list[Callable[[str], None]] = []
        self._recovery_listeners: list[Callable[[str], None]] = []
        self._store_problem = ProblemLog(log, "cannot save state", "saving state works again")
        self._unsaved: list[tuple[Changes, str]] = []
        active: list[Alert] = []
        if store is not None:
            active = self._guard_store(store.load_active, active)
        self._board = AlertBoard(active)
        # Acknowledgements a full disk kept out of the store, applied before anything sounds.
        self._journal = journal
        if journal is not None:
            self._replay(journal)

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def subscribe_recovery(self, listener: Callable[[str], None]) -> None:
        """Called with a sentence when the database had to be started anew while running."""
        with self._lock:
            self._recovery_listeners.append(listener)

    def subscribe_problems(self, listener: Callable[[str], None]) -> None:
        """Called with a message when saving starts failing, and with "" when it works again."""
        with self._lock:
            self._problem_listeners.append(listener)

    # -- feeding -----------------------------------------------------------------------------

    def ingest(self, feed_id: str, items: Iterable[Incoming], source: str = "") -> Changes:
        """Merge alerts a push feed reported, one event each."""
        with self._lock:
            now = self._clock.now()
            changes = Changes.join(
                self._board.merge_event(feed_id, item, now, source) for item in items
            )
            return self._publish(changes, via=source or feed_id)

    def replace_snapshot(
        self, feed_id: str, items: Sequence[Incoming], source: str = ""
    ) -> Changes:
        """Merge a feed's full list of current alerts; the feed's others are resolved."""
        with self._lock:
            changes = self._board.merge_snapshot(feed_id, items, self._clock.now(), source)
            return self._publish(changes, via=source or feed_id)

    # -- acknowledging -----------------------------------------------------------------------

    def acknowledge(self, alert_id: str, via: str, comment: str = "") -> Changes:
        """Acknowledge one alert, with a comment for its source; raises UnknownAlertError for
        an id that is not active."""
        with self._lock:
            changes = self._board.acknowledge(alert_id, self._clock.now(), comment)
            return self._keep_if_unsaved(self._publish(changes, via))

    def silence(self, alert_id: str, via: str, seconds: float, comment: str = "") -> Changes:
        """Acknowledge one alert for `seconds` at its source, with a comment (Board.silence)."""
        with self._lock:
            now = self._clock.now()
            until = now + timedelta(seconds=seconds)
            changes = self._board.silence(alert_id, now, until, comment)
            return self._keep_if_unsaved(self._publish(changes, via))

    def resolve(self, alert_id: str, via: str, comment: str = "") -> Changes:
        """Resolve one alert: a local one at once, any other at its source (Board.resolve)."""
        with self._lock:
            alert = self._board.get(alert_id)
            here = alert is not None and alert.key.feed_id == LOCAL_FEED_ID
            changes = self._board.resolve(alert_id, self._clock.now(), comment, here=here)
            return self._keep_if_unsaved(self._publish(changes, via))

    def acknowledge_all(self, via: str) -> Changes:
        with self._lock:
            return self._keep_if_unsaved(
                self._publish(self._board.acknowledge_all(self._clock.now()), via)
            )

    def _keep_if_unsaved(self, changes: Changes) -> Changes:
        if self._unsaved and self._journal is not None and changes.updated:
            self._journal.add({a.id: a.acknowledged_at or a.updated_at for a in changes.updated})
        return changes

    def _replay(self, journal: AckJournalLike) -> None:
        kept = journal.load()
        if not kept:
            return
        parts = []
        for alert_id, at in kept.items():
            alert = self._board.get(alert_id)
            if alert is not None and alert.status is Status.FIRING:
                parts.append(self._board.acknowledge(alert_id, at))
        changes = Changes.join(parts)
        log.warning(
            "applied %d acknowledgement(s) that could not be saved before the last exit",
            len(changes.updated),
        )
        self._publish(changes, via="journal")
        if self.saved:
            journal.clear()

    def unacknowledge(self, alert_id: str, via: str) -> Changes:
        """Back to firing; raises UnknownAlertError for an id that is not active."""
        with self._lock:
            return self._publish(self._board.unacknowledge(alert_id, self._clock.now()), via)

    def set_ack_delivery(
        self, alert_id: str, delivery: AckDelivery, error: str = "", via: str = ""
    ) -> Changes:
        """Record whether the source knows of the acknowledgement yet (see AckDelivery)."""
        with self._lock:
            changes = self._board.set_ack_delivery(alert_id, delivery, error, self._clock.now())
            return self._publish(changes, via)

    def set_ack_deliveries(
        self, updates: Iterable[tuple[str, AckDelivery, str]], via: str = ""
    ) -> Changes:
        """`set_ack_delivery` for many alerts, saved and announced as one change."""
        with self._lock:
            now = self._clock.now()
            changes = Changes.join(
                self._board.set_ack_delivery(alert_id, delivery, error, now)
                for alert_id, delivery, error in updates
            )
            return self._publish(changes, via)

    # -- reading -----------------------------------------------------------------------------

    def active(self) -> list[Alert]:
        with self._lock:
            return self._board.active()

    def get(self, alert_id: str) -> Alert | None:
        with self._lock:
            return self._board.get(alert_id)

    def history(self, limit: int = 200) -> list[Alert]:
        """Acknowledged and resolved alerts, newest first (from the store)."""
        store = self._store
        if store is None:
            return []
        with self._lock:
            return self._guard_store(lambda: store.history(limit), [])

    def acknowledged_vias(self, alert_ids: Sequence[str]) -> dict[str, str]:
        """How each of these alerts was acknowledged: window, tray, notification, cli, api,
        or the feed's name when its source said so ({} without a store)."""
        store = self._store
        if store is None:
            return {}
        with self._lock:
            return self._guard_store(lambda: store.acknowledged_vias(alert_ids), {})

    def with_store(self, action: Callable[[AlertStoreLike], T], fallback: T) -> T:
        """Run `action` on the store under the desk's lock (the hand-over report, notes);
        `fallback` without a store or when it fails (which is a problem, as for any read)."""
        store = self._store
        if store is None:
            return fallback
        with self._lock:
            return self._guard_store(lambda: action(store), fallback)

    # -- saving ------------------------------------------------------------------------------

    @property
    def saved(self) -> bool:
        """Whether every change so far is on disk (True with no store: nothing to save to)."""
        with self._lock:
            return not self._unsaved

    def flush(self) -> bool:
        """Write what earlier saves could not; returns `saved`."""
        with self._lock:
            return self._write_unsaved()

    def check_store(self) -> None:
        """Notice a database file damaged, emptied or deleted under us, say so, and start a
        new one holding every active alert (the app calls this every 30 s)."""
        store = self._store
        if store is None:
            return
        with self._lock:
            try:
                store.check()
                return
            except StoreError as exc:
                found = str(exc)
            try:
                store.reopen()
            except StoreError as exc:
                self._set_problem(f"{found}; and a new one cannot be made: {exc}")
                return
            self._unsaved.insert(0, (Changes(updated=tuple(self._board.active())), "recovery"))
            self._write_unsaved()
            notice = (
                f"{found}. A new one was started with the active alerts; "
                "the history before now is in the old file."
            )
            log.error("%s", notice)
            for listener in self._recovery_listeners:
                listener(notice)

    def _write_unsaved(self) -> bool:
        store = self._store
        had_unsaved = bool(self._unsaved)
        while store is not None and self._unsaved:
            changes, via = self._unsaved[0]
            try:
                store.record(changes, via)
            except StoreError as exc:
                self._set_problem(str(exc))
                return False
            self._unsaved.pop(0)
        if had_unsaved and self._journal is not None:
            self._journal.clear()  # all in the database now
        self._set_problem("")
        return True

    # -- internals ---------------------------------------------------------------------------

    def _publish(self, changes: Changes, via: str) -> Changes:
        if not changes:
            return changes
        if self._store is not None:
            if len(self._unsaved) >= _MAX_UNSAVED_BATCHES:
                # A long outage in a storm: one batch in order is as good as many.
                merged, _ = self._unsaved.pop()
                changes = merged + changes
            self._unsaved.append((changes, via))
            self._write_unsaved()
        for listener in self._listeners:
            try:
                listener(changes)
            except Exception:  # a broken listener must not stop the others or the feed
                log.exception("alert listener failed")
        return changes

    def _guard_store(self, action: Callable[[], T], fallback: T) -> T:
        """A read: a failure is a problem, but only a successful save (`_write_unsaved`)
        proves saving works again."""
        try:
            return action()
        except StoreError as exc:
            self._set_problem(str(exc))
            return fallback

    @property
    def store_problem(self) -> str:
        return self._store_problem.text

    def _set_problem(self, message: str) -> None:
        if not self._store_problem.set(message):
            return
        for listener in self._problem_listeners:
            try:
                listener(message)
            except Exception:
                log.exception("problem listener failed")
