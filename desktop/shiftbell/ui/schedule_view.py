"""The Schedule tab: am I on call now, until when, my next shifts, and where they come from.

Plain data in (an OnCallState, shifts, source statuses and `now`), signals out:
the widget knows nothing of calendars, caches or clocks. The words come from
ui.schedule_text, where they are tested without Qt; every text goes into a
plain-text widget, because shift labels and error messages come from outside.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shiftbell.core.schedule import OnCallState, Shift
from shiftbell.core.team import team_on_call, team_text
from shiftbell.ui.icons import icon, status_dot
from shiftbell.ui.schedule_text import (
    HORIZON,
    OVERRIDE_DURATIONS,
    ScheduleSourceStatus,
    ShiftRow,
    clock_time,
    explanation,
    headline,
    next_shift_change,
    shift_row,
    source_line,
    upcoming_shifts,
)
from shiftbell.ui.tray_state import TrayIconName

SHIFT_COLUMNS = ("Day", "Time", "Length", "From")
WAITING_TEXT = "Reading the schedule…"
NO_SHIFTS_TEXT = "No shifts in the next 14 days."
NOT_CONFIGURED_TEXT = "No schedule configured, so you count as on call all the time."
NO_SOURCES_TEXT = "No schedule source set up."


def _plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that never interprets its text as HTML (the default guesses)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


def _hours_text(length: timedelta) -> str:
    hours = int(length.total_seconds() // 3600)
    return "1 hour" if hours == 1 else f"{hours} hours"


class ScheduleView(QWidget):
    """The Schedule tab's content.

    Signals:
        override_requested(bool, object): "I am on call…" (True) or "I am off
            call…" (False) with an end: a timezone-aware datetime (now plus the
            chosen duration, counted from the `now` of the last `set_schedule`),
            or None for "until the next shift change", which the controller
            works out from the schedule itself.
        override_cleared(): "Clear override".

    Attributes:
        headline_label: the big line, "On call until Tue 09:00".
        explanation_label: the smaller line under it: where the answer comes from.
        state_picture: the tray's all-clear icon, on or off call, beside the headline.
        on_call_button / off_call_button: open the duration menus (on_call_menu / off_call_menu).
        clear_override_button: enabled while an override decides the answer.
        shift_table: the shifts of the next 14 days; the current ones highlighted.
        empty_shifts_label: shown instead of the table when there are none.
        team_label: who else is on call now and next (hidden when no source knows the team).
    """

    override_requested = Signal(bool, object)
    override_cleared = Signal()

    def __init__(self, parent: QWidget | None = None, tz: tzinfo | None = None) -> None:
        super().__init__(parent)
        self._tz = tz
        self._now: datetime | None = None
        self._rows: list[ShiftRow] = []
        self._source_lines: list[str] = []

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 6, 0, 0)
        column.setSpacing(8)
        column.addWidget(self._build_answer())
        column.addLayout(self._build_buttons())
        self.team_label = _plain_label("")
        self.team_label.setObjectName("team-on-call")
        self.team_label.setWordWrap(True)
        self.team_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.team_label.setToolTip("Who else is on call, from the schedules that know the team")
        self.team_label.hide()
        column.addWidget(self.team_label)

        column.addWidget(self._section("Next 14 days"))
        self.shift_table = self._build_table()
        self.empty_shifts_label = _plain_label(WAITING_TEXT)
        self.empty_shifts_label.setObjectName("empty-shifts")
        self.empty_shifts_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_shifts_label.setWordWrap(True)
        empty = QFrame(self)
        empty.setFrameShape(QFrame.Shape.StyledPanel)
        empty.setBackgroundRole(QPalette.ColorRole.Base)
        empty.setAutoFillBackground(True)
        QVBoxLayout(empty).addWidget(self.empty_shifts_label)
        self._shift_stack = QStackedWidget(self)
        self._shift_stack.addWidget(empty)
        self._shift_stack.addWidget(self.shift_table)
        column.addWidget(self._shift_stack, 1)

        column.addWidget(self._section("Where the shifts come from"))
        self._sources_holder = QVBoxLayout()
        self._sources_holder.setContentsMargins(2, 0, 2, 0)
        self._sources_area = QWidget(self)
        self._sources_holder.addWidget(self._sources_area)
        column.addLayout(self._sources_holder)

        self._set_buttons_enabled(False)

    # -- building ----------------------------------------------------------------------------

    def _build_answer(self) -> QFrame:
        panel = QFrame(self)
        panel.setObjectName("on-call-answer")
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel.setBackgroundRole(QPalette.ColorRole.Base)
        panel.setAutoFillBackground(True)
        row = QHBoxLayout(panel)
        row.setContentsMargins(12, 10, 12, 10)
        row.setSpacing(12)
        self.state_picture = QLabel(panel)
        self.state_picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state_picture.setPixmap(icon(TrayIconName.CLEAR).pixmap(48))
        row.addWidget(self.state_picture)
        text = QVBoxLayout()
        text.setSpacing(2)
        self.headline_label = _plain_label(WAITING_TEXT, panel)
        self.headline_label.setObjectName("on-call-headline")
        self.headline_label.setWordWrap(True)
        self.headline_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.headline_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.45)
        font.setBold(True)
        self.headline_label.setFont(font)
        self.explanation_label = _plain_label("", panel)
        self.explanation_label.setObjectName("on-call-explanation")
        self.explanation_label.setWordWrap(True)
        self.explanation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        text.addWidget(self.headline_label)
        text.addWidget(self.explanation_label)
        row.addLayout(text, 1)
        return panel

    def _build_buttons(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(6)
        self.on_call_button, self.on_call_menu = self._override_button(
            "I am on call…", "on-call", on_call=True
        )
        self.off_call_button, self.off_call_menu = self._override_button(
            "I am off call…", "off-call", on_call=False
        )
        self.clear_override_button = QPushButton("Clear override", self)
        self.clear_override_button.setObjectName("clear-override")
        self.clear_override_button.setAutoDefault(False)
        self.clear_override_button.setToolTip("Follow the schedule again")
        self.clear_override_button.clicked.connect(self.override_cleared)
        row.addWidget(self.on_call_button)
        row.addWidget(self.off_call_button)
        row.addWidget(self.clear_override_button)
        row.addStretch(1)
        return row

    def _override_button(self, text: str, name: str, *, on_call: bool) -> tuple[QPushButton, QMenu]:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        duty = "on call" if on_call else "off call"
        button.setToolTip(f"Count as {duty} for a while, whatever the schedule says")
        menu = QMenu(button)
        menu.setObjectName(f"{name}-menu")
        for length in OVERRIDE_DURATIONS:
            action = menu.addAction(f"For {_hours_text(length)}")
            action.setData(length)
            action.triggered.connect(lambda _=False, d=length: self._request(on_call, d))
        next_change = menu.addAction("Until the next shift change")
        next_change.setObjectName("until-next-change")
        next_change.triggered.connect(lambda _=False: self._request(on_call, None))
        button.setMenu(menu)
        return button, menu

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, len(SHIFT_COLUMNS), self)
        table.setObjectName("shift-table")
        table.setHorizontalHeaderLabels(list(SHIFT_COLUMNS))
        table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.verticalHeader().hide()
        heads = table.horizontalHeader()
        heads.setHighlightSections(False)
        heads.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        heads.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        heads.setSectionResizeMode(len(SHIFT_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        return table

    def _section(self, title: str) -> QLabel:
        label = _plain_label(title, self)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    # -- feeding it data ---------------------------------------------------------------------

    def set_schedule(
        self,
        state: OnCallState,
        shifts: Sequence[Shift],
        sources: Sequence[ScheduleSourceStatus],
        now: datetime,
    ) -> None:
        """Show the answer at `now`, the shifts running or starting in the next 14 days, and
        one line per source (in this order; none means no schedule is configured).

        Call it whenever any of them changes, and once a minute: "(in 2 h)" and
        what is left of the current shift count down.
        """
        self._now = now
        configured = bool(sources)
        tz = self._tz
        self.headline_label.setText(headline(state, now, tz, configured=configured))
        self.explanation_label.setText(explanation(state, now, tz, configured=configured))
        picture = TrayIconName.CLEAR if state.on_call else TrayIconName.CLEAR_OFF_CALL
        self.state_picture.setPixmap(icon(picture).pixmap(48))

        self._rows = [shift_row(s, now, tz) for s in upcoming_shifts(shifts, now, HORIZON)]
        self._fill_table()
        self.empty_shifts_label.setText(NO_SHIFTS_TEXT if configured else NOT_CONFIGURED_TEXT)
        self._shift_stack.setCurrentIndex(1 if self._rows else 0)

        self._show_sources(sources, now)
        team = team_on_call((s for source in sources for s in source.team), now)
        self.team_label.setText(team_text(team, lambda when: clock_time(when, now, tz)))
        self.team_label.setVisible(team.known)
        self._set_buttons_enabled(True)
        self.clear_override_button.setEnabled(state.overridden)
        self._label_menus(state, now)

    # -- what tests and the lead may read ----------------------------------------------------

    def shift_rows(self) -> list[ShiftRow]:
        """The rows the table shows, in order."""
        return list(self._rows)

    def highlighted_rows(self) -> list[int]:
        """Indexes of the rows drawn as current."""
        return [
            row
            for row in range(self.shift_table.rowCount())
            if (item := self.shift_table.item(row, 0)) is not None and item.font().bold()
        ]

    def source_lines(self) -> list[str]:
        return list(self._source_lines)

    def menu_texts(self, on_call: bool) -> list[str]:
        menu = self.on_call_menu if on_call else self.off_call_menu
        return [a.text() for a in menu.actions()]

    def until_next_change_action(self, on_call: bool) -> QAction:
        menu = self.on_call_menu if on_call else self.off_call_menu
        return menu.actions()[-1]

    # -- inner workings ----------------------------------------------------------------------

    def _fill_table(self) -> None:
        table = self.shift_table
        table.setRowCount(len(self._rows))
        highlight = QColor(self.palette().color(QPalette.ColorRole.Highlight))
        highlight.setAlpha(60)
        for row, shift in enumerate(self._rows):
            cells = (shift.day, shift.hours, shift.length, shift.origin)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if shift.current:
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                    item.setBackground(highlight)
                    item.setToolTip(f"{text}\nYou are on this shift now.")
                table.setItem(row, col, item)
        table.resizeColumnsToContents()

    def _show_sources(self, sources: Sequence[ScheduleSourceStatus], now: datetime) -> None:
        """Replace the source lines; a fresh container is simpler than patching the old one."""
        area = QWidget(self)
        lines = QVBoxLayout(area)
        lines.setContentsMargins(0, 0, 0, 0)
        lines.setSpacing(2)
        self._source_lines = [source_line(s, now, self._tz) for s in sources]
        for status, text in zip(sources, self._source_lines, strict=True):
            row = QHBoxLayout()
            row.setSpacing(6)
            dot = QLabel(area)
            dot.setPixmap(status_dot(status.ok and not status.stale))
            row.addWidget(dot)
            label = _plain_label(text, area)
            label.setObjectName("schedule-source-line")
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            if status.detail:
                label.setToolTip(" ".join(status.detail.split()))
            row.addWidget(label, 1)
            lines.addLayout(row)
        if not sources:
            lines.addWidget(_plain_label(NO_SOURCES_TEXT, area))
        old = self._sources_area
        self._sources_holder.replaceWidget(old, area)
        old.setParent(None)  # gone from findChildren at once
        old.deleteLater()
        self._sources_area = area

    def _label_menus(self, state: OnCallState, now: datetime) -> None:
        change = next_shift_change(state)
        for menu in (self.on_call_menu, self.off_call_menu):
            *fixed, until_change = menu.actions()
            for action in fixed:
                length = action.data()
                end = clock_time(now.astimezone(UTC) + length, now, self._tz)
                action.setText(f"For {_hours_text(length)} (until {end})")
            if change is None:
                until_change.setText("Until the next shift change (none known)")
            else:
                when = clock_time(change, now, self._tz)
                until_change.setText(f"Until the next shift change ({when})")
            until_change.setEnabled(change is not None)

    def _set_buttons_enabled(self, enabled: bool) -> None:
        for button in (self.on_call_button, self.off_call_button, self.clear_override_button):
            button.setEnabled(enabled)

    def _request(self, on_call: bool, length: timedelta | None) -> None:
        if self._now is None:  # the buttons are disabled until set_schedule; belt and braces
            return
        until = None if length is None else self._now.astimezone(UTC) + length
        self.override_requested.emit(on_call, until)
