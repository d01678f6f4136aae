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


def test_a_shift_start_and_end_are_told_once_each_but_not_on_starting_mid_shift() -> None:
    notes = Notes()
    ended: list[int] = []
    notices = ShiftNotices(notes, UTC)
    notices.on_shift_ended = lambda: ended.append(1)
    off = ScheduleSettings(reminder_lead=timedelta(0), check_lead=timedelta(0))
    notices.remind(SCHEDULE, START + timedelta(hours=1), off)  # Shiftbell starts mid-shift
    assert notes.shown == []
    notices.remind(SCHEDULE, START + timedelta(hours=12, minutes=1), off)
    assert [title for title, _ in notes.shown] == ["Your shift ended"]
    assert "Shift tab" in notes.shown[0][1] and ended == [1]
    later = OnCallSchedule(
        [
            *SCHEDULE.shifts,
            Shift(START + timedelta(days=1), START + timedelta(days=1, hours=8), "rota"),
        ]
    )
    notices.remind(later, START + timedelta(days=1, minutes=1), off)
    assert notes.shown[-1] == ("Your shift started", "On call until Wed 02:00 (rota).")
    notices.remind(later, START + timedelta(days=1, minutes=2), off)
    assert len(notes.shown) == 2
