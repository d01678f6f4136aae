"""The main window: active alerts with one-click acknowledge, the history, the on-call
schedule, feed health.

It takes plain data (alerts, feed statuses, problem texts, the on-call state) and emits signals; it
knows nothing of feeds, the store or threads. Closing it only hides it: the app
lives in the tray for the whole shift.

Every text that can come from outside (alert titles, feed error messages) goes
into plain-text widgets, so markup in it is shown, never rendered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from shiftbell.core.alert import Alert, Status
from shiftbell.core.schedule import OnCallState, Shift
from shiftbell.ui.alert_details import (
    AlertDetails,
)
from shiftbell.ui.alert_list import AlertList, grouping_box
from shiftbell.ui.alert_model import (
    AlertTableModel,
)
from shiftbell.ui.elided_label import ElidedLabel
from shiftbell.ui.feed_status_lines import clear_layout, feed_status_text
from shiftbell.ui.history_view import HistoryView
from shiftbell.ui.icons import icon, status_dot
from shiftbell.ui.schedule_text import ScheduleSourceStatus
from shiftbell.ui.schedule_view import ScheduleView
from shiftbell.ui.shift_page import ShiftPage
from shiftbell.ui.tray_state import FeedStatus, TrayIconName, alert_counts
from shiftbell.ui.window_bars import ProblemsBanner, SnoozeBar, UndoBar
from shiftbell.ui.window_keys import FILTER_SHORTCUT, install_keys
from shiftbell.ui.window_parts import empty_panel, scroll_area, stack_of

EMPTY_TEXT = "All clear — no active alerts."
DEFAULT_SIZE = (900, 640)
MAX_FEED_LINES_SHOWN = 4


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that never interprets its text as HTML (the default guesses)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setText(text)
    return label


class MainWindow(QMainWindow):
    """Shiftbell's window.

    Signals:
        acknowledge_requested(str): Acknowledge on the row of this alert id, in its details or
            its shortcut (Ctrl+Return); unacknowledge_requested(str): Un-acknowledge (Ctrl+U).
        snooze_requested(str, float): snooze that alert for so many seconds (its details'
            Snooze menu); end_snooze_requested(str): its End snooze.
        resolve_requested(str, str): Resolve… in its details, with the person's comment.
        acknowledge_all_requested(): the person clicked "Acknowledge all".
        undo_requested(list): Undo in the bar `offer_undo` showed, with its alert ids.
        resume_requested(): "End snooze" in the snooze bar.
        settings_requested(): the person clicked "Settings…" (to manage feeds).
        override_requested(bool, object): "I am on call…" / "I am off call…" on the
            Schedule tab, with the end (datetime, or None for "until the next shift
            change"); see ScheduleView.
        override_cleared(): "Clear override" on the Schedule tab.

    Attributes:
        alert_model / history_model: the table models, for the views and tests.
        alerts_table / history_table: the two table views.
        details: the selected alert in full, with its links (ui/alert_details.py), under the
            alerts in `alerts_splitter`; the first alert is selected until the person picks one.
        acknowledge_all_button: enabled while anything fires.
        settings_button: "Settings…", always shown: with no feeds yet, it is the way to add one.
        empty_label: shown instead of the table when there are no active alerts.
        banner: the problems bar; hidden when there are none.
        schedule_view: the Schedule tab's content; schedule_tab, the page that scrolls it.
    """

    acknowledge_requested = Signal(str)
    comment_ack_requested = Signal(str, str)
    silence_requested = Signal(str, float, str)
    unacknowledge_requested = Signal(str)
    snooze_requested = Signal(str, float)
    end_snooze_requested = Signal(str)
    resolve_requested = Signal(str, str)
    acknowledge_all_requested = Signal()
    undo_requested = Signal(list)
    resume_requested = Signal()
    settings_requested = Signal()
    override_requested = Signal(bool, object)
    override_cleared = Signal()

    def __init__(self, parent: QWidget | None = None, tz: tzinfo | None = None) -> None:
        super().__init__(parent)
        self._tz = tz
        self._now: datetime | None = None
        self._feed_statuses: list[FeedStatus] = []
        self._split = False

        self.setWindowTitle("Shiftbell")
        self.setWindowIcon(icon("shiftbell"))
        self.resize(*DEFAULT_SIZE)

        central = QWidget(self)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 6)
        layout.setSpacing(6)
        self.setCentralWidget(central)

        self.banner = ProblemsBanner(self)
        layout.addWidget(self.banner)
        self.snooze_bar = SnoozeBar(self)
        self.snooze_label = self.snooze_bar.label
        self.snooze_bar.end_button.clicked.connect(self.resume_requested)
        layout.addWidget(self.snooze_bar)
        self.undo_bar = UndoBar(self)
        self.undo_bar.undo_requested.connect(self.undo_requested)
        layout.addWidget(self.undo_bar)

        self.tabs = QTabWidget(central)
        self.tabs.setObjectName("tabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._build_alerts_tab(), "Alerts")
        self.history_view = HistoryView(self, tz=self._tz)
        self.history_model, self.history_table = self.history_view.model, self.history_view.table
        self.empty_history_label = self.history_view.empty_label
        self.tabs.addTab(self.history_view, "History")
        self.schedule_view = ScheduleView(self, tz=self._tz)
        self.schedule_view.setObjectName("schedule-view")
        self.schedule_view.override_requested.connect(self.override_requested)
        self.schedule_view.override_cleared.connect(self.override_cleared)
        # In a scroll area: its list of shifts must not set how tall the window must be.
        self.schedule_tab = scroll_area(self.schedule_view, self.tabs, "schedule-scroll")
        self.tabs.addTab(self.schedule_tab, "Schedule")
        self.shift_page = ShiftPage(self, tz=self._tz)
        self.shift_tab = scroll_area(self.shift_page, self.tabs, "shift-scroll")
        self.tabs.addTab(self.shift_tab, "Shift")
        layout.addWidget(self.tabs, 1)

        self._feed_area = QFrame(central)
        self._feed_area.setObjectName("feed-status")
        self._feed_area.setFrameShape(QFrame.Shape.NoFrame)
        self._feed_layout = QVBoxLayout(self._feed_area)
        self._feed_layout.setContentsMargins(2, 2, 2, 0)
        self._feed_layout.setSpacing(2)
        # Twenty feeds must not push the alerts off a small screen: the lines scroll.
        self._feed_scroll = scroll_area(self._feed_area, central, "feed-status-scroll")
        self._feed_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._feed_scroll.hide()
        layout.addWidget(self._feed_scroll)

        self._update_alert_view()
        install_keys(self)

    # -- building ----------------------------------------------------------------------------

    def _build_alerts_tab(self) -> QWidget:
        page = QWidget(self)
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 6, 0, 0)
        column.setSpacing(6)

        header = QHBoxLayout()
        self.summary_label = plain_label("", page)
        self.summary_label.setObjectName("alerts-summary")
        header.addWidget(self.summary_label, 1)
        header.addStretch()  # keeps Settings… at the right while the summary is hidden
        self.acknowledge_all_button = QPushButton("Acknowledge all", page)
        self.acknowledge_all_button.setObjectName("ack-all")
        self.acknowledge_all_button.setAutoDefault(False)
        self.acknowledge_all_button.clicked.connect(self.acknowledge_all_requested)
        header.addWidget(self.acknowledge_all_button)
        self.settings_button = QPushButton("Settings…", page)
        self.settings_button.setObjectName("settings")
        self.settings_button.setAutoDefault(False)
        self.settings_button.setToolTip("Add, change, remove and test alert feeds")
        self.settings_button.clicked.connect(self.settings_requested)
        header.addWidget(self.settings_button)
        column.addLayout(header)

        self.alert_model = AlertTableModel(self, tz=self._tz)
        self.filter_edit = QLineEdit(page)
        self.filter_edit.setObjectName("alert-filter")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setPlaceholderText(f"Filter: words, or label=value ({FILTER_SHORTCUT})")
        self.filter_edit.textChanged.connect(self._filter_changed)
        header.insertWidget(1, self.filter_edit, 2)
        self.alerts_table = AlertList(self.alert_model, self.acknowledge_requested, page)
        self.shown_alerts = self.alerts_table.tree
        self.ack_buttons = self.alerts_table.ack_buttons
        self.grouping_box = grouping_box(self.alerts_table, page)
        header.insertWidget(2, self.grouping_box)

        # "All clear" cannot be the whole truth while a feed is down: a second line says so.
        self.empty_feed_warning = plain_label("")
        self.empty_feed_warning.setObjectName("empty-state-feeds")
        self.empty_feed_warning.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_feed_warning.setWordWrap(True)
        self.empty_feed_warning.hide()
        self._empty_picture = QLabel()
        self._empty_picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._show_empty_picture(TrayIconName.CLEAR)
        self.empty_label = plain_label(EMPTY_TEXT)
        self.empty_label.setObjectName("empty-state")
        self._empty_panel = empty_panel(
            page, self._empty_picture, self.empty_label, self.empty_feed_warning
        )
        self._alerts_stack = stack_of(page, self._empty_panel, self.alerts_table)
        self.details = AlertDetails(page, tz=self._tz)
        self.details.acknowledge_requested.connect(self.acknowledge_requested)
        self.details.unacknowledge_requested.connect(self.unacknowledge_requested)
        self.details.comment_ack_requested.connect(self.comment_ack_requested)
        self.details.silence_requested.connect(self.silence_requested)
        self.details.snooze_requested.connect(self.snooze_requested)
        self.details.end_snooze_requested.connect(self.end_snooze_requested)
        self.details.resolve_requested.connect(self.resolve_requested)
        details_scroll = scroll_area(self.details, page, "details-scroll")
        details_scroll.setMinimumHeight(1)  # it must not make the window taller than a screen
        self.alerts_splitter = QSplitter(Qt.Orientation.Vertical, page)
        self.alerts_splitter.addWidget(self._alerts_stack)
        self.alerts_splitter.addWidget(details_scroll)
        self.alerts_splitter.setStretchFactor(0, 3)
        self.alerts_splitter.setStretchFactor(1, 2)
        # The list always stays; on a small screen the details may be dragged away.
        self.alerts_splitter.setCollapsible(0, False)
        column.addWidget(self.alerts_splitter, 1)
        self.alerts_table.selectionModel().selectionChanged.connect(self._show_selected)
        self.shown_alerts.layoutChanged.connect(self._show_selected)
        return page

    def _show_empty_picture(self, name: TrayIconName) -> None:
        self._empty_picture.setPixmap(icon(name).pixmap(48))

    # -- feeding it data ---------------------------------------------------------------------

    def set_alerts(
        self, active: Sequence[Alert], now: datetime, snoozed: Mapping[str, datetime] | None = None
    ) -> None:
        """Show the active alerts in this order (the board's); ages are counted to `now`;
        `snoozed`: until when each snoozed alert's own snooze holds it back."""
        day_changed = self._now is None or self._now.date() != now.date()
        self._now = now
        self.alert_model.set_alerts(active, now, snoozed)
        self._update_alert_view()
        self._show_selected()
        if day_changed and self._feed_statuses:
            self._render_feed_statuses()

    def refresh_ages(self, now: datetime) -> None:
        self._now = now
        self.alert_model.refresh_ages(now)
        self._show_selected()

    def show_alert(self, alert_id: str) -> bool:
        """Bring the window up on the Alerts tab with `alert_id` selected and its details
        shown (a notification's body was clicked); False if it is no longer active."""
        self.tabs.setCurrentIndex(0)
        self.bring_to_front()
        if self.alert_model.row_of(alert_id) is None:
            return False
        if not self.alerts_table.select_alert(alert_id):
            # Hidden by the filter: the person asked for this one.
            self.filter_edit.clear()
            if not self.alerts_table.select_alert(alert_id):
                return False
        self.alerts_table.setFocus()
        return True

    def row_menu(self, pos: QPoint | None) -> QMenu | None:
        """The actions menu of the row at `pos` (None: the selected row), which it selects."""
        if pos is not None:
            index = self.alerts_table.indexAt(pos)
            if not index.isValid():
                return None
            self.alerts_table.setCurrentIndex(index)
        if self.selected_alert() is None:
            return None
        return self.details.actions_menu(self)

    def show_row_menu(self, pos: QPoint | None) -> None:
        if pos is None and self.alerts_table.toggle_selected_group():
            return  # Return on a group's heading folds or opens it
        menu = self.row_menu(pos)
        if menu is None:
            return
        if pos is None:
            pos = self.alerts_table.selected_rect_centre()
        menu.exec(self.alerts_table.viewport().mapToGlobal(pos))
        menu.deleteLater()

    def selected_alert(self) -> Alert | None:
        return self.alerts_table.selected_alert()

    def _filter_changed(self, text: str) -> None:
        self.shown_alerts.set_query(text)
        self._update_alert_view()
        self._show_selected()

    def focus_filter(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.filter_edit.setFocus()
        self.filter_edit.selectAll()

    def _show_selected(self) -> None:
        if not self.alerts_table.has_selection() and self.shown_alerts.rowCount() > 0:
            # The first alert (the most urgent) is shown until the person picks another.
            self.alerts_table.select_first()
            if self.alerts_table.has_selection():
                return  # selectionChanged calls back
        alert = self.selected_alert()
        snoozed = self.alert_model.snoozed_until(alert.id) if alert is not None else None
        self.details.show_alert(alert, self._now, snoozed)

    def set_history(self, alerts: Sequence[Alert], vias: Mapping[str, str] | None = None) -> None:
        """Acknowledged and resolved alerts, and how each was acknowledged (the event's `via`);
        the window sorts them newest first."""
        self.history_view.set_history(alerts, vias)

    def set_feed_statuses(self, statuses: Sequence[FeedStatus]) -> None:
        """One status line per feed, in this order."""
        self._feed_statuses = list(statuses)
        self._render_feed_statuses()

    def set_schedule(
        self,
        state: OnCallState,
        shifts: Sequence[Shift],
        sources: Sequence[ScheduleSourceStatus],
        now: datetime,
    ) -> None:
        """The Schedule tab: the on-call answer at `now`, the shifts, one line per source.

        Call when the schedule, a source's status or the override changes, and
        once a minute (the relative times count down). `shifts` may be all of
        them: the tab shows those running or starting in the next 14 days.
        """
        self.schedule_view.set_schedule(state, shifts, sources, now)

    def set_problems(self, problems: Sequence[str]) -> None:
        """App-wide problems, one line each in the coloured bar; an empty list hides the bar."""
        self.banner.set_problems(problems)

    def set_snooze(self, text: str) -> None:
        """ "Alarm snoozed until 03:40 (2 alerts)" with its End button; "" hides the bar."""
        self.snooze_bar.set_text(text)

    def offer_undo(self, text: str, alert_ids: Sequence[str]) -> None:
        """ "Acknowledged 12 alerts." with Undo for 10 s (undo_requested)."""
        self.undo_bar.offer(text, alert_ids)

    def fit_to_screen(self) -> None:
        """No larger than the screen it opens on (at QT_SCALE_FACTOR=2 a 1024x768 screen
        is 512x384 in the window's own units)."""
        screen = self.screen() or QApplication.primaryScreen()
        if screen is None:
            return
        room = screen.availableGeometry()
        if self.width() > room.width() or self.height() > room.height():
            self.resize(min(self.width(), room.width()), min(self.height(), room.height()))

    def bring_to_front(self) -> None:
        """Show, un-minimise, raise and focus the window (escalation, or a second `shiftbell`)."""
        if not self.isVisible():
            self.fit_to_screen()
        if self.isMinimized():
            self.setWindowState(
                (self.windowState() & ~Qt.WindowState.WindowMinimized) | Qt.WindowState.WindowActive
            )
        self.show()
        self.raise_()
        self.activateWindow()

    # -- what tests and the lead may read ----------------------------------------------------

    def acknowledge_button(self, alert_id: str) -> QPushButton | None:
        """The Acknowledge button of the row of `alert_id`; None if it has none (not firing)."""
        return self.ack_buttons.get(alert_id)

    def feed_status_lines(self) -> list[str]:
        return [
            label.full_text()
            for label in self._feed_area.findChildren(ElidedLabel, "feed-status-line")
        ]

    def problem_lines(self) -> list[str]:
        """The problems as given (the labels may show them shortened)."""
        return self.banner.problem_lines()

    # -- Qt overrides ------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._split:
            # Sizes mean pixels only once the splitter has its height: three fifths the list.
            self._split = True
            height = self.alerts_splitter.height()
            self.alerts_splitter.setSizes([height * 3 // 5, height - height * 3 // 5])

    def closeEvent(self, event: QCloseEvent) -> None:
        # The app lives in the tray: closing the window must never end the shift.
        event.ignore()
        self.hide()

    # -- internals ---------------------------------------------------------------------------

    def _update_alert_view(self) -> None:
        alerts = self.alert_model.alerts()
        firing = [a for a in alerts if a.status is Status.FIRING]
        acknowledged = [a for a in alerts if a.status is Status.ACKNOWLEDGED]
        self.summary_label.setText(alert_counts(firing, acknowledged))
        # With nothing to show, "Acknowledge all" would be a button that can never be used.
        self.summary_label.setVisible(bool(alerts))
        self.acknowledge_all_button.setVisible(bool(alerts))
        font = self.summary_label.font()
        font.setBold(bool(firing))
        self.summary_label.setFont(font)
        self.acknowledge_all_button.setEnabled(bool(firing))
        self._alerts_stack.setCurrentWidget(self.alerts_table if alerts else self._empty_panel)
        self.ack_buttons.sync()

    def _render_feed_statuses(self) -> None:
        clear_layout(self._feed_layout)
        for status in self._feed_statuses:
            line = QHBoxLayout()
            line.setSpacing(6)
            dot = QLabel(self._feed_area)
            dot.setPixmap(status_dot(status.ok))
            line.addWidget(dot)
            text = ElidedLabel(feed_status_text(status, self._now, self._tz), self._feed_area)
            text.setObjectName("feed-status-line")
            line.addWidget(text, 1)
            self._feed_layout.addLayout(line)
        self._feed_scroll.setVisible(bool(self._feed_statuses))
        line_height = self.fontMetrics().height() + 4
        lines = min(len(self._feed_statuses), MAX_FEED_LINES_SHOWN)
        self._feed_scroll.setFixedHeight(lines * line_height + 6)
        failing = [s.name for s in self._feed_statuses if not s.ok]
        if failing:
            names = ", ".join(failing)
            verb = "is" if len(failing) == 1 else "are"
            self.empty_feed_warning.setText(
                f"But {names} {verb} not working, so alerts from there cannot arrive."
            )
        self.empty_feed_warning.setVisible(bool(failing))
        self._show_empty_picture(TrayIconName.FEED_ERROR if failing else TrayIconName.CLEAR)
