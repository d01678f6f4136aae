"""Native notifications for new alerts, with Acknowledge and Snooze buttons, and their fallbacks.

Everything that talks to a notification service runs on the app's asyncio
worker loop (ui/runner.py), so a slow or missing D-Bus never blocks the UI:
the public methods only schedule work and return. What comes back -- a
pressed button, a change of backend -- is handed to the Qt main thread before
any signal is emitted, so receivers may touch widgets.

Backends are tried best first (notify_backends.py). When one fails it is
logged once, the next one takes over, and `backend_changed` says so in words
the tray and the window can show. A backend that failed is tried again at the
next notification after `reprobe_after_s`: a notification server that starts
after Shiftbell (autostart at login) is picked up without a restart.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import time
import unicodedata
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QThread, QTimer, Signal

from shiftbell.core.alert import Alert, Severity
from shiftbell.settings.model import NotificationBackend
from shiftbell.ui.icons import icon_path
from shiftbell.ui.notify_backends import (
    DBUS_TIMEOUT_S,
    Note,
    NotifyAction,
    NotifyBackend,
    NotifyRejected,
    NotifyUnavailable,
    ShowBalloon,
    backend_chain,
)
from shiftbell.ui.runner import MainThreadCaller

log = logging.getLogger(__name__)

SNOOZE_MINUTES = 15
REPROBE_AFTER_S = 60.0
TEST_KEY = "shiftbell-test"
GROUP_KEY = "shiftbell-new-alerts"
GROUP_TITLES = 3
REMINDER_KEY = "shiftbell-shift-reminder"
FAREWELL_KEY = "shiftbell-stopped"
# Notification servers cope with long text, but an alert payload is untrusted and
# a megabyte of summary helps nobody.
MAX_TITLE = 200
MAX_BODY = 1000


class Notifier(QObject):
    """Posts a notification per new alert and withdraws it once the alert is dealt with.

    Create it on the Qt main thread; `loop` is the running worker loop.

    Signals:
        acknowledge_requested(str): the Acknowledge button of the alert with this id.
        snooze_requested(int): a Snooze button, in minutes.
        backend_changed(str): notifications degraded, in words for the person
            ("Notifications: tray balloons only (no notification server on D-Bus)");
            "" when the preferred way works (again).

    Attributes:
        backend: the backend in use, None before the first probe or when none works.
        status_text: the last text `backend_changed` carried.
    """

    acknowledge_requested = Signal(str)
    snooze_requested = Signal(int)
    open_requested = Signal(str)
    backend_changed = Signal(str)

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        balloon: ShowBalloon | None = None,
        backend: NotificationBackend | str = NotificationBackend.AUTO,
        parent: QObject | None = None,
        *,
        snooze_minutes: int = SNOOZE_MINUTES,
        reprobe_after_s: float = REPROBE_AFTER_S,
        timeout_s: float = DBUS_TIMEOUT_S,
    ) -> None:
        super().__init__(parent)
        app = QCoreApplication.instance()
        if app is None or QThread.currentThread() is not app.thread():
            # Signals emitted from the worker reach receivers through this object's
            # thread; anywhere but the main thread, widgets would be touched off-thread.
            raise RuntimeError("create the Notifier on the Qt main thread, after the QApplication")
        self._loop = loop
        self._caller = MainThreadCaller(self)
        self._balloon = balloon
        self._snooze_minutes = snooze_minutes
        self._reprobe_after_s = reprobe_after_s
        self._closed = False
        self.backend: NotificationBackend | None = None
        self.status_text = ""
        # While degraded, look again now and then, so the problem shown in the tray
        # clears itself once a notification server appears, alert or no alert.
        self._reprobe_timer = QTimer(self)
        self._reprobe_timer.setInterval(max(1, round(reprobe_after_s * 1000)))
        self._reprobe_timer.timeout.connect(lambda: self._submit(self._reprobe()))

        # Worker-loop state: touched only by coroutines running on `loop`.
        choice = _parse_choice(backend)
        self._chain: list[NotifyBackend] = backend_chain(
            choice,
            self._on_action,
            self._show_balloon if balloon is not None else None,
            icon_path("shiftbell"),
            timeout_s,
        )
        self._lock = asyncio.Lock()  # one notification operation at a time, in call order
        self._active: int | None = None  # index in _chain; len(_chain) when none works
        self._reasons: dict[NotificationBackend, str] = {}
        self._last_probe = 0.0
        self._posted: dict[str, NotifyBackend] = {}
        self._announced: tuple[NotificationBackend | None, str] = (None, "")

        # Find out now, not at the first alert, whether notifications can be shown.
        self._submit(self._choose_now())

    # -- what the app calls (main thread) ----------------------------------------------------

    def notify_new(self, alert: Alert, warning: str = "") -> None:
        """Post a notification for an alert that has just started firing.

        `warning` is added to its text: why the alarm will not sound for it, if it cannot.
        """
        self._submit(self._post(_note_for(alert, self._snooze_minutes, warning)))

    def notify_group(self, alerts: Sequence[Alert], warning: str = "") -> None:
        """One notification for a storm of new alerts: "37 new alerts (5 critical)"."""
        critical = sum(1 for a in alerts if a.severity is Severity.CRITICAL)
        worst = max(alerts, key=lambda a: a.severity.rank)
        title = f"{len(alerts)} new alerts" + (f" ({critical} critical)" if critical else "")
        shown = sorted(alerts, key=lambda a: -a.severity.rank)[:GROUP_TITLES]
        lines = [f"{a.severity.value.upper()}: {a.title}" for a in shown]
        if len(alerts) > len(shown):
            lines.append(f"… and {len(alerts) - len(shown)} more: open Shiftbell to see them all")
        if warning:
            lines.append(warning)
        note = Note(
            key=GROUP_KEY,
            title=plain_text(title, MAX_TITLE, single_line=True),
            body=plain_text("\n".join(lines), MAX_BODY),
            severity=worst.severity,
            buttons=False,
        )
        self._submit(self._post(note))

    def notify_test(self) -> None:
        """Post a notification that shows the person what alerts will look like."""
        note = Note(
            key=TEST_KEY,
            title="Shiftbell: test notification",
            body="This is how new alerts are shown. The test alarm sounds for a few seconds.",
            severity=Severity.INFO,
            buttons=False,
        )
        self._submit(self._post(note))

    def notify_reminder(self, title: str, body: str) -> None:
        """A heads-up that is not an alert (a shift about to start): no buttons, no alarm."""
        note = Note(key=REMINDER_KEY, title=title, body=body, severity=Severity.INFO, buttons=False)
        self._submit(self._post(note))

    def withdraw(self, alert_id: str) -> None:
        """Take the alert's notification away (acknowledged or resolved elsewhere)."""
        self._submit(self._withdraw(alert_id))

    def close(self, timeout: float = 2.0, farewell: tuple[str, str] | None = None) -> None:
        """Withdraw what is shown (its buttons would do nothing after exit) and stop posting;
        then show `farewell` (title, body), which stays after the app is gone.

        Waits at most `timeout` seconds: called once, at shutdown, before the loop stops.
        """
        if self._closed:
            return
        self._reprobe_timer.stop()
        last = None
        if farewell is not None:
            title, body = farewell
            last = Note(FAREWELL_KEY, title, body, Severity.INFO, buttons=False)
        future = self._submit(self._close(last))
        self._closed = True
        if future is None:
            return
        try:
            future.result(timeout)
        except concurrent.futures.TimeoutError:
            log.info("notifications not all withdrawn within %.1f s at exit", timeout)
        except Exception:
            log.exception("closing notifications failed")

    # -- hand-over between the threads -------------------------------------------------------

    def _submit(self, coro: Coroutine[Any, Any, None]) -> concurrent.futures.Future[None] | None:
        if self._closed or self._loop.is_closed():
            coro.close()
            return None
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        future.add_done_callback(_log_failure)
        return future

    def _to_main(self, fn: Callable[[], object]) -> None:
        """From the worker thread: run `fn` on the main thread (queued)."""
        try:
            self._caller.call(fn)
        except RuntimeError:
            # The Qt side is gone (exit); nobody is left to tell.
            log.debug("notifier event after the Qt side was deleted")

    def _on_action(self, key: str, action: NotifyAction) -> None:
        """A button was pressed; called on the worker thread."""
        log.info("notification button %s pressed for %s", action.value, key)
        if action is NotifyAction.ACKNOWLEDGE:
            self._to_main(lambda: self.acknowledge_requested.emit(key))
        elif action is NotifyAction.OPEN:
            self._to_main(lambda: self.open_requested.emit(key))
        else:
            minutes = self._snooze_minutes
            self._to_main(lambda: self.snooze_requested.emit(minutes))

    def _show_balloon(self, title: str, body: str, severity: Severity) -> None:
        """The tray backend's way to the tray icon, which lives on the main thread."""
        balloon = self._balloon
        if balloon is not None:
            self._to_main(lambda: balloon(title, body, severity))

    def _publish(self, kind: NotificationBackend | None, text: str) -> None:
        """On the main thread: record the backend in use and tell if the text changed."""
        self.backend = kind
        if kind is self._chain[0].kind:
            self._reprobe_timer.stop()
        elif not self._closed:
            self._reprobe_timer.start()
        if text != self.status_text:
            self.status_text = text
            self.backend_changed.emit(text)

    # -- the worker loop side ----------------------------------------------------------------

    async def _choose_now(self) -> None:
        async with self._lock:
            await self._select(0)

    async def _reprobe(self) -> None:
        async with self._lock:
            if self._active != 0:
                await self._select(0)

    async def _post(self, note: Note) -> None:
        async with self._lock:
            if self._active is None or (
                self._active != 0 and time.monotonic() - self._last_probe >= self._reprobe_after_s
            ):
                await self._select(0)
            assert self._active is not None
            index = self._active
            while index < len(self._chain):
                backend = self._chain[index]
                try:
                    await backend.post(note)
                except NotifyRejected as exc:
                    log.warning(
                        "notification %r could not be shown as %s (%s); trying the next way",
                        note.title,
                        backend.label,
                        exc,
                    )
                    index += 1
                    continue
                except NotifyUnavailable as exc:
                    self._mark_down(backend, str(exc))
                    await self._select(index + 1)
                    index = self._active
                    continue
                self._posted[note.key] = backend
                return
            log.error("notification %r could not be shown in any way", note.title)

    async def _withdraw(self, key: str) -> None:
        async with self._lock:
            backend = self._posted.pop(key, None)
            if backend is not None:
                await backend.withdraw(key)

    async def _close(self, last: Note | None) -> None:
        async with self._lock:
            self._posted.clear()
            for backend in self._chain:
                await backend.close()
        if last is not None:
            await self._post(last)

    async def _select(self, start: int) -> None:
        """Make the first backend from `start` on that works the active one, and announce it."""
        self._last_probe = time.monotonic()
        chosen = len(self._chain)
        for index in range(start, len(self._chain)):
            backend = self._chain[index]
            try:
                await backend.probe()
            except NotifyUnavailable as exc:
                self._mark_down(backend, str(exc))
                continue
            chosen = index
            break
        if self._active is not None and chosen < self._active and chosen < len(self._chain):
            log.info("notifications: %s work again", self._chain[chosen].label)
        self._active = chosen
        self._announce()

    def _mark_down(self, backend: NotifyBackend, reason: str) -> None:
        # Logged once per reason: the same failure at every alert is noise.
        if self._reasons.get(backend.kind) != reason:
            log.warning("notifications: %s unavailable: %s", backend.label, reason)
        self._reasons[backend.kind] = reason

    def _announce(self) -> None:
        assert self._active is not None
        first = self._chain[0]
        why = self._reasons.get(first.kind, "")
        kind: NotificationBackend | None
        if self._active == 0:
            kind, text = first.kind, ""
        elif self._active < len(self._chain):
            kind = self._chain[self._active].kind
            text = f"Notifications: {self._chain[self._active].label} only ({why})"
        else:
            kind = None
            text = (
                f"Notifications cannot be shown ({why}). "
                "The alarm, the tray icon and the window still work."
            )
        if (kind, text) != self._announced:
            self._announced = (kind, text)
            self._to_main(lambda: self._publish(kind, text))


def _parse_choice(value: NotificationBackend | str) -> NotificationBackend:
    try:
        return NotificationBackend(str(value).strip().lower().replace("_", "-"))
    except ValueError:
        allowed = ", ".join(b.value for b in NotificationBackend)
        log.warning("unknown notification backend %r (use one of %s); using auto", value, allowed)
        return NotificationBackend.AUTO


def _note_for(alert: Alert, snooze_minutes: int, warning: str = "") -> Note:
    title = f"{alert.severity.value.upper()}: {alert.title}"
    lines = [alert.summary] if alert.summary else []
    if alert.source:
        lines.append(f"Source: {alert.source}")
    if warning:
        lines.append(warning)
    return Note(
        key=alert.id,
        title=plain_text(title, MAX_TITLE, single_line=True),
        body=plain_text("\n".join(lines), MAX_BODY),
        severity=alert.severity,
        snooze_minutes=snooze_minutes,
    )


def plain_text(text: str, limit: int, *, single_line: bool = False) -> str:
    """Alert text made safe to send anywhere: valid UTF-8, no control characters, bounded.

    D-Bus rejects NUL and invalid UTF-8 (a lone surrogate from a JSON payload)
    and would fail the whole notification; other control characters only confuse.
    """
    text = text.encode("utf-8", "replace").decode("utf-8")
    kept = []
    for char in text:
        if char == "\n" and not single_line:
            kept.append(char)
        elif char in "\n\t\r":
            kept.append(" ")
        elif unicodedata.category(char) != "Cc":
            kept.append(char)
    text = "".join(kept).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def _log_failure(future: concurrent.futures.Future[None]) -> None:
    if future.cancelled():
        return
    exc = future.exception()
    if exc is not None:
        log.error("notification work failed", exc_info=exc)
