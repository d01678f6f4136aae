"""What the person is told about their shifts: a reminder before one starts; and, earlier, the
check that everything that wakes them works (`on_check_due`, which the app runs)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, tzinfo
from typing import Protocol

from shiftbell.core.escalation import ScheduleSettings
from shiftbell.core.schedule import OnCallSchedule, reminder_due
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
