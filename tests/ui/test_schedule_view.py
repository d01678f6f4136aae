"""The Schedule tab: the answer, the shift list and its highlight, the sources, and
the override buttons' signals. The words themselves are tested in test_schedule_text.py.

Wednesday 4 March 2026, 10:00 in Berlin, as there.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from shiftbell.core.schedule import (
    ALWAYS_ON_CALL,
    OnCallSchedule,
    OnCallState,
    Override,
    Shift,
    on_call_state,
)
from shiftbell.ui import icons
from shiftbell.ui.schedule_text import SPAN, ScheduleSourceStatus
from shiftbell.ui.schedule_view import (
    NO_SHIFTS_TEXT,
    NOT_CONFIGURED_TEXT,
    SHIFT_COLUMNS,
    WAITING_TEXT,
    ScheduleView,
)
from shiftbell.ui.tray_state import TrayIconName

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=BERLIN)


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


CURRENT = Shift(at(2026, 3, 2, 9, 0), at(2026, 3, 5, 9, 0), "PagerDuty", "Payments primary")
FRIDAY = Shift(at(2026, 3, 6, 18, 0), at(2026, 3, 7, 9, 0), "Team calendar", "Weekend cover")
ENDED = Shift(at(2026, 3, 1, 9, 0), at(2026, 3, 1, 17, 0), "Team calendar")
TOO_FAR = Shift(at(2026, 3, 20, 9, 0), at(2026, 3, 20, 17, 0), "Team calendar")
ALL = (ENDED, CURRENT, FRIDAY, TOO_FAR)
SOURCES = (
    ScheduleSourceStatus("PagerDuty", True, "", at(2026, 3, 4, 9, 56)),
    ScheduleSourceStatus(
        "Team calendar",
        False,
        "unreachable since 09:42",
        at(2026, 3, 4, 8, 30),
        stale=True,
        detail="calendar Team calendar: connection refused",
    ),
)


@pytest.fixture
def view(qtbot: QtBot) -> ScheduleView:
    view = ScheduleView(tz=BERLIN)
    qtbot.addWidget(view)
    view.resize(760, 420)
    view.show()
    qtbot.waitExposed(view)
    return view


def state_at(
    now: datetime = NOW, override: Override | None = None, shifts: tuple[Shift, ...] = ALL
) -> OnCallState:
    return on_call_state(OnCallSchedule(shifts), override, now)


def table_texts(view: ScheduleView) -> list[list[str]]:
    table = view.shift_table
    return [
        [table.item(row, col).text() for col in range(table.columnCount())]
        for row in range(table.rowCount())
    ]


def test_before_any_data_it_says_it_is_reading_and_offers_nothing(view: ScheduleView) -> None:
    assert view.headline_label.text() == WAITING_TEXT
    assert not view.on_call_button.isEnabled()
    assert not view.off_call_button.isEnabled()
    assert not view.clear_override_button.isEnabled()


def test_on_call_headline_shift_list_and_highlight(view: ScheduleView) -> None:
    view.set_schedule(state_at(), ALL, SOURCES, NOW)
    assert view.headline_label.text() == "On call until Thu 09:00"
    assert view.explanation_label.text() == "Since Mon 09:00 · PagerDuty · Payments primary"
    headers = [view.shift_table.horizontalHeaderItem(c).text() for c in range(len(SHIFT_COLUMNS))]
    assert headers == ["Day", "Time", "Length", "From"]
    # The ended shift and the one past 14 days are left out; the running one comes first.
    assert table_texts(view) == [
        [
            "Mon 2 Mar",
            f"09:00{SPAN}Thu 09:00",
            "3 days · 23 h left",
            "PagerDuty · Payments primary",
        ],
        ["Fri 6 Mar", f"18:00{SPAN}Sat 09:00", "15 h", "Team calendar · Weekend cover"],
    ]
    assert view.highlighted_rows() == [0]
    assert [row.current for row in view.shift_rows()] == [True, False]
    assert view.shift_table.isVisible()
    assert not view.empty_shifts_label.isVisible()


def test_off_call_headline_and_no_highlight(view: ScheduleView) -> None:
    now = at(2026, 3, 5, 11, 0)
    view.set_schedule(state_at(now), ALL, SOURCES, now)
    assert view.headline_label.text() == "Off call — next shift Fri 18:00 (tomorrow)"
    assert view.highlighted_rows() == []
    assert [row.day for row in view.shift_rows()] == ["Fri 6 Mar"]
    # The picture beside the headline is the tray's off-call icon.
    shown = view.state_picture.pixmap().toImage()
    assert shown == icons.icon(TrayIconName.CLEAR_OFF_CALL).pixmap(48).toImage()
    assert shown != icons.icon(TrayIconName.CLEAR).pixmap(48).toImage()


def test_override_headline_and_clear_button(view: ScheduleView, qtbot: QtBot) -> None:
    override = Override(True, at(2026, 3, 5, 13, 0), since=at(2026, 3, 5, 11, 0))
    now = at(2026, 3, 5, 11, 0)
    view.set_schedule(state_at(now, override), ALL, SOURCES, now)
    assert view.headline_label.text() == "On call until 13:00 (you said so)"
    assert view.explanation_label.text() == "Your schedule says: off call, next shift Fri 18:00."
    assert view.clear_override_button.isEnabled()
    with qtbot.waitSignal(view.override_cleared):
        qtbot.mouseClick(view.clear_override_button, Qt.MouseButton.LeftButton)
    # Without an override there is nothing to clear.
    view.set_schedule(state_at(now), ALL, SOURCES, now)
    assert not view.clear_override_button.isEnabled()


def test_no_schedule_configured(view: ScheduleView) -> None:
    view.set_schedule(ALWAYS_ON_CALL, [], [], NOW)
    assert view.headline_label.text() == "On call (no schedule configured)"
    assert view.empty_shifts_label.isVisible()
    assert view.empty_shifts_label.text() == NOT_CONFIGURED_TEXT
    assert view.source_lines() == []


def test_a_configured_schedule_with_no_shifts_says_so(view: ScheduleView) -> None:
    state = state_at(shifts=())
    view.set_schedule(state, [], SOURCES[:1], NOW)
    assert view.headline_label.text() == "Off call — no shifts ahead"
    assert view.empty_shifts_label.text() == NO_SHIFTS_TEXT
    assert view.empty_shifts_label.isVisible()


def test_source_lines_follow_the_latest_statuses(view: ScheduleView) -> None:
    view.set_schedule(state_at(), ALL, SOURCES, NOW)
    assert view.source_lines() == [
        "PagerDuty: up to date · fetched 09:56",
        "Team calendar: unreachable since 09:42 · showing the copy from 08:30",
    ]
    labels = view.findChildren(QLabel, "schedule-source-line")
    assert [label.text() for label in labels] == view.source_lines()
    assert labels[1].toolTip() == "calendar Team calendar: connection refused"
    view.set_schedule(state_at(), ALL, SOURCES[:1], NOW)
    assert [label.text() for label in view.findChildren(QLabel, "schedule-source-line")] == [
        "PagerDuty: up to date · fetched 09:56"
    ]


@pytest.mark.parametrize("on_call", [True, False])
def test_duration_choices_emit_the_end_counted_from_now(
    view: ScheduleView, qtbot: QtBot, on_call: bool
) -> None:
    view.set_schedule(state_at(), ALL, SOURCES, NOW)
    assert view.menu_texts(on_call) == [
        "For 1 hour (until 11:00)",
        "For 4 hours (until 14:00)",
        "For 12 hours (until 22:00)",
        "Until the next shift change (Thu 09:00)",
    ]
    menu = view.on_call_menu if on_call else view.off_call_menu
    button = view.on_call_button if on_call else view.off_call_button
    assert button.menu() is menu
    for action, hours in zip(menu.actions()[:3], (1, 4, 12), strict=True):
        with qtbot.waitSignal(view.override_requested) as blocker:
            action.trigger()
        assert blocker.args == [on_call, NOW.astimezone(UTC) + timedelta(hours=hours)]
    with qtbot.waitSignal(view.override_requested) as blocker:
        view.until_next_change_action(on_call).trigger()
    assert blocker.args == [on_call, None]


def test_twelve_hours_across_the_clock_change_is_twelve_real_hours(view: ScheduleView) -> None:
    # 20:00 CET + 12 h is 09:00 CEST, not 08:00.
    now = at(2026, 3, 28, 20, 0)
    view.set_schedule(state_at(now, shifts=()), [], SOURCES[:1], now)
    assert view.menu_texts(True)[2] == "For 12 hours (until Sun 09:00)"


def test_with_no_shift_change_ahead_that_choice_is_off(view: ScheduleView) -> None:
    view.set_schedule(ALWAYS_ON_CALL, [], [], NOW)
    action = view.until_next_change_action(False)
    assert not action.isEnabled()
    assert action.text() == "Until the next shift change (none known)"
    assert view.on_call_button.isEnabled() and view.off_call_button.isEnabled()


def test_markup_in_labels_and_errors_is_shown_as_text(view: ScheduleView) -> None:
    hostile = "<b>x</b><img src=/etc/passwd>"
    shift = Shift(at(2026, 3, 2, 9, 0), at(2026, 3, 5, 9, 0), hostile, hostile)
    view.set_schedule(
        state_at(shifts=(shift,)), [shift], [ScheduleSourceStatus(hostile, False, hostile)], NOW
    )
    shown = [label for label in view.findChildren(QLabel) if "<b>" in label.text()]
    assert len(shown) >= 2  # the explanation and the source line
    assert all(label.textFormat() is Qt.TextFormat.PlainText for label in shown)
    assert view.shift_table.item(0, 3).text() == f"{hostile} · {hostile}"


def test_who_else_is_on_call_now_and_next_where_a_schedule_knows_the_team(
    view: ScheduleView,
) -> None:
    view.set_schedule(state_at(), ALL, SOURCES, NOW)
    assert not view.team_label.isVisible()  # no source knows the team
    team = (
        Shift(at(2026, 3, 2, 9, 0), at(2026, 3, 4, 18, 0), "Payments primary", "Dana <b>K</b>"),
        Shift(at(2026, 3, 4, 18, 0), at(2026, 3, 5, 9, 0), "Payments primary", "Sam"),
    )
    knowing = (ScheduleSourceStatus("PagerDuty", True, "", NOW, team=team), SOURCES[1])
    view.set_schedule(state_at(), ALL, knowing, NOW)
    assert view.team_label.isVisible()
    assert view.team_label.text() == (
        "Now: Dana <b>K</b> until 18:00 (Payments primary) · "
        "Next: Sam from 18:00 (Payments primary)"
    )
