"""What the person is told about their shifts: a reminder before one starts."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, tzinfo
from typing import Protocol

from shiftbell.core.schedule import OnCallSchedule, reminder_due
from shiftbell.ui.schedule_text import clock_time, relative_time

log = logging.getLogger(__name__)


class Reminding(Protocol):
    def notify_reminder(self, title: str, body: str) -> None: ...


class ShiftNotices:
    def __init__(self, notifier: Reminding, tz: tzinfo | None) -> None:
        self._notifier = notifier
        self._tz = tz
        # Kept in memory only: a restart inside the lead time reminds once more, which errs
        # on the side of telling the person.
        self._reminded_shift_start: datetime | None = None

    def remind(self, schedule: OnCallSchedule | None, now: datetime, lead: timedelta) -> None:
        """Tell the person once, `lead` before a shift starts."""
        shift = reminder_due(schedule, now, lead, self._reminded_shift_start)
        if shift is None:
            return
        self._reminded_shift_start = shift.start
        when = clock_time(shift.start, now, self._tz)
        log.info("reminding of the shift starting %s", shift.start.isoformat())
        self._notifier.notify_reminder(
            f"On call {relative_time(shift.start, now, self._tz)}",
            f"Your shift starts at {when} ({shift.label or shift.source}).",
        )
