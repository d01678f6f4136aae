"""What the Shift tab shows and keeps: the hand-over report of the chosen shift, read from the
alert database through the desk, and the notes the person writes into it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import QTimer

from shiftbell.core.clock import Clock
from shiftbell.core.handover import Handover, ShiftSpan, make_handover, shift_span
from shiftbell.core.schedule import OnCallSchedule
from shiftbell.operations.handover import ALERT_NOTE, SHIFT_NOTE, read_handover
from shiftbell.runtime.desk import AlertDesk
from shiftbell.ui.shift_page import ShiftPage


class ShiftTab:
    def __init__(
        self,
        page: ShiftPage,
        desk: AlertDesk,
        clock: Clock,
        tz: tzinfo,
        schedule: Callable[[], OnCallSchedule | None],
    ) -> None:
        self.page = page
        self._desk = desk
        self._clock = clock
        self._tz = tz
        self._schedule = schedule
        self.span: ShiftSpan | None = None
        page.which_changed.connect(lambda _which: self.refresh())
        page.shift_note_edited.connect(self._keep_shift_note)
        page.alert_note_edited.connect(self._keep_alert_note)
        # Alerts change in storms: the open tab is redrawn at most twice a second.
        self._soon = QTimer(page)
        self._soon.setSingleShot(True)
        self._soon.setInterval(500)
        self._soon.timeout.connect(self.refresh)

    def changed(self) -> None:
        """Alerts changed: redraw if the person is looking at the tab."""
        if self.page.isVisible() and not self._soon.isActive():
            self._soon.start()

    def report(self, which: str | None = None) -> Handover:
        now = self._clock.now()
        span = shift_span(self._schedule(), now, which or self.page.chosen)
        self.span = span
        kept = self._desk.with_store(lambda store: read_handover(store, span, now, self._tz), None)
        if kept is not None:
            return kept
        # Without a database, what is on the board now is all there is to tell.
        return make_handover(self._desk.active(), span.since, span.until, now, ongoing=span.ongoing)

    def refresh(self) -> None:
        self.page.show_report(self.report())

    def _keep_shift_note(self, text: str) -> None:
        if self.span is None:
            return
        ref = self.span.note_ref(self._tz)
        now = self._clock.now()
        self._desk.with_store(lambda store: store.set_note(SHIFT_NOTE, ref, text, now), None)
        self.refresh()

    def _keep_alert_note(self, alert_id: str, text: str) -> None:
        now = self._clock.now()
        self._desk.with_store(lambda store: store.set_note(ALERT_NOTE, alert_id, text, now), None)
        self.refresh()
