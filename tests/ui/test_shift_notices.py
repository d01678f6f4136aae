"""Before a shift: the check once at its lead, the reminder once at its (ui/shift_notices.py)."""

from datetime import UTC, datetime, timedelta

from shiftbell.core.escalation import ScheduleSettings
from shiftbell.core.schedule import OnCallSchedule, Shift
from shiftbell.ui.shift_notices import ShiftNotices

START = datetime(2026, 3, 2, 18, tzinfo=UTC)
SCHEDULE = OnCallSchedule([Shift(START, START + timedelta(hours=12), "rota")])
POLICY = ScheduleSettings()  # check 30 min before, remind 15 min before


class Notes:
    def __init__(self) -> None:
        self.shown: list[tuple[str, str]] = []

    def notify_reminder(self, title: str, body: str) -> None:
        self.shown.append((title, body))


def test_checked_once_thirty_minutes_before_and_reminded_once_fifteen_before() -> None:
    notes = Notes()
    checks: list[datetime] = []
    notices = ShiftNotices(notes, UTC)
    notices.on_check_due = lambda: checks.append(START)
    for minutes_before in (45, 31, 30, 29, 20, 15, 14, 1):
        notices.remind(SCHEDULE, START - timedelta(minutes=minutes_before), POLICY)
        if minutes_before == 31:
            assert checks == []
        if minutes_before == 30:
            assert len(checks) == 1 and notes.shown == []
    assert len(checks) == 1
    assert len(notes.shown) == 1 and "18:00" in notes.shown[0][1]


def test_no_check_when_the_lead_is_zero() -> None:
    checks: list[int] = []
    notices = ShiftNotices(Notes(), UTC)
    notices.on_check_due = lambda: checks.append(1)
    off = ScheduleSettings(check_lead=timedelta(0))
    notices.remind(SCHEDULE, START - timedelta(minutes=5), off)
    assert checks == []
