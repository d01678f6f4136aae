"""What the person is told about their shifts: a reminder before one starts; and, earlier, the
check that everything that wakes them works (`on_check_due`, which the app runs); a note when
a shift starts, and when it ends, pointing to the hand-over report (`on_shift_ended`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Protocol

from shiftbell.core.escalation import ScheduleSettings
from shiftbell.core.schedule import OnCallSchedule, Shift, reminder_due
from shiftbell.ui.schedule_text import clock_time, relative_time

log = logging.getLogger(__name__)


class Reminding(Protocol):
    def notify_reminder(self, title: str, body: str) -> None: ...


class ShiftNotices:
    def __init__(self, notifier: Reminding, tz: tzinfo | None) -> None:
        self._notifier = notifier
        self._tz = tz
        # Kept in memory only: a restart inside the lead time reminds (and checks) once more,
        # which errs on the side of telling the person.
        self._reminded_shift_start: datetime | None = None
        self._checked_shift_start: datetime | None = None
        self.on_check_due: Callable[[], object] | None = None
        self.on_shift_ended: Callable[[], object] | None = None
        # The scheduled stretch on call at the last look; _UNSEEN before the first (starting
        # Shiftbell in the middle of a shift announces nothing).
        self._on_shift: Shift | object | None = _UNSEEN

    def remind(
        self, schedule: OnCallSchedule | None, now: datetime, policy: ScheduleSettings
    ) -> None:
        """Check once, `check_lead` before a shift; tell the person once, `reminder_lead`
        before."""
        if self.on_check_due is not None:
            due = reminder_due(schedule, now, policy.check_lead, self._checked_shift_start)
            if due is not None:
                self._checked_shift_start = due.start
                log.info("checking before the shift starting %s", due.start.isoformat())
                self.on_check_due()
        self._starts_and_ends(schedule, now)
        shift = reminder_due(schedule, now, policy.reminder_lead, self._reminded_shift_start)
        if shift is None:
            return
        self._reminded_shift_start = shift.start
        when = clock_time(shift.start, now, self._tz)
        log.info("reminding of the shift starting %s", shift.start.isoformat())
        self._notifier.notify_reminder(
            f"On call {relative_time(shift.start, now, self._tz)}",
            f"Your shift starts at {when} ({shift.label or shift.source}).",
        )

    def _starts_and_ends(self, schedule: OnCallSchedule | None, now: datetime) -> None:
        known = schedule is not None and schedule.is_known
        current = schedule.on_call_at(now) if schedule is not None and known else None
        before, self._on_shift = self._on_shift, current
        if before is _UNSEEN or before == current:
            return
        if isinstance(before, Shift):
            log.info("the shift that started %s ended", before.start.isoformat())
            self._notifier.notify_reminder(
                "Your shift ended",
                "The hand-over report is in Shiftbell's Shift tab: Copy as Markdown for the "
                "team chat.",
            )
            if self.on_shift_ended is not None:
                self.on_shift_ended()
        if current is not None:
            log.info("a shift started: on call until %s", current.end.isoformat())
            until = (
                "further notice" if current.open_ended else clock_time(current.end, now, self._tz)
            )
            self._notifier.notify_reminder(
                "Your shift started", f"On call until {until} ({current.label or current.source})."
            )


_UNSEEN = object()
