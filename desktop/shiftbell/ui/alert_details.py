"""The details pane under the alert list: everything known about the selected alert, and its
links, each opened in the browser with one click.

Every text in it comes from outside (titles, descriptions, labels, link names), so it goes
into plain-text labels; link buttons double `&`, which a button would take for a shortcut.
Only http(s) links are offered or opened (core.alert.is_web_link).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shiftbell.core.alert import Alert, Link, Status, is_web_link
from shiftbell.ui.alert_model import format_timestamp, source_text, status_text
from shiftbell.ui.durations import format_age
from shiftbell.ui.feed_status_lines import clear_layout
from shiftbell.ui.form_widgets import plain_label
from shiftbell.ui.silence_dialog import ask_silence

log = logging.getLogger(__name__)

NOTHING_SELECTED = "Select an alert to see its details and links."
# A description longer than this is cut (the log and the source have it all).
MAX_TEXT = 4000


ACK_SHORTCUT = "Ctrl+Return"
UNACK_SHORTCUT = "Ctrl+U"
SNOOZE_SHORTCUT = "Ctrl+S"
SNOOZE_CHOICES = (("15 minutes", 15 * 60.0), ("1 hour", 3600.0), ("4 hours", 4 * 3600.0))


class AlertDetails(QFrame):
    """Attributes: title_label, facts_label, times_label, summary_label, labels_label,
    link_buttons (one QPushButton a link, its URL in the tooltip), id_label, empty_label;
    ack_button (a firing alert) and unack_button (an acknowledged one whose source can take
    it back: `why_no_unack(alert)` is ""); `alert`, the alert shown (None: nothing selected).

    snooze_button (a firing alert: a menu of SNOOZE_CHOICES and "Other…") and
    end_snooze_button (one its own snooze holds back, said in snooze_label).

    Signals: acknowledge_requested(str), unacknowledge_requested(str), end_snooze_requested(str):
    the alert's id; snooze_requested(str, float): its id and the seconds.
    """

    acknowledge_requested = Signal(str)
    comment_ack_requested = Signal(str, str)
    silence_requested = Signal(str, float, str)
    unacknowledge_requested = Signal(str)
    snooze_requested = Signal(str, float)
    end_snooze_requested = Signal(str)
    resolve_requested = Signal(str, str)

    def __init__(self, parent: QWidget | None = None, tz: tzinfo | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alert-details")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._tz = tz
        self.alert: Alert | None = None
        self.link_buttons: list[QPushButton] = []
        self.why_no_unack: Callable[[Alert], str] = lambda _alert: ""
        self.why_no_silence: Callable[[Alert], str] = lambda _alert: "no source"
        self.why_no_resolve: Callable[[Alert], str] = lambda _alert: "no source"

        column = QVBoxLayout(self)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(4)
        self.empty_label = plain_label(NOTHING_SELECTED, self)
        self.empty_label.setObjectName("details-empty")
        self.empty_label.setStyleSheet("color: palette(mid);")
        column.addWidget(self.empty_label)

        self.title_label = self._selectable("details-title")
        font = self.title_label.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title_label.setFont(font)
        self.facts_label = self._selectable("details-facts")
        self.times_label = self._selectable("details-times")
        self.ack_label = self._selectable("details-ack-info")
        self.snooze_label = self._selectable("details-snoozed")
        self.summary_label = self._selectable("details-summary")
        self.labels_label = self._selectable("details-labels")
        self._links_row = QHBoxLayout()
        self._links_row.setSpacing(6)
        actions = QHBoxLayout()
        self.ack_button = self._action("Acknowledge", "details-ack", ACK_SHORTCUT)
        self.ack_button.clicked.connect(lambda _=False: self._request(True))
        self.comment_button = self._action("With a comment…", "details-ack-comment", "")
        self.comment_button.setToolTip(
            "Acknowledge with a comment for the source: an Alertmanager silence's comment, "
            "an Opsgenie or PagerDuty note"
        )
        self.comment_button.clicked.connect(lambda _=False: self.acknowledge_with_comment())
        self.unack_button = self._action("Un-acknowledge", "details-unack", UNACK_SHORTCUT)
        self.unack_button.setToolTip(
            f"Take the acknowledgement back: the alert fires and alarms again ({UNACK_SHORTCUT})"
        )
        self.unack_button.clicked.connect(lambda _=False: self._request(False))
        self.snooze_button = self._action("Snooze", "details-snooze", SNOOZE_SHORTCUT)
        self.snooze_button.setToolTip(
            f"Hold back this alert's sound for a while; it alarms again by itself after "
            f"({SNOOZE_SHORTCUT})"
        )
        self.snooze_menu = QMenu(self.snooze_button)
        for choice, seconds in SNOOZE_CHOICES:
            action = self.snooze_menu.addAction(choice)
            action.triggered.connect(lambda _=False, s=seconds: self._snooze(s))
        self.snooze_menu.addAction("Other…").triggered.connect(lambda _=False: self._snooze(0))
        self.snooze_button.setMenu(self.snooze_menu)
        self.end_snooze_button = self._action("End snooze", "details-end-snooze", "")
        self.end_snooze_button.setToolTip("Let it alarm again now")
        self.end_snooze_button.clicked.connect(
            lambda _=False: self.alert and self.end_snooze_requested.emit(self.alert.id)
        )
        self.silence_button = self._action("Silence…", "details-silence", "")
        self.silence_button.setToolTip(
            "Silence it at its source for a chosen time, with a comment the team sees"
        )
        self.silence_button.clicked.connect(lambda _=False: self.silence())
        self.resolve_button = self._action("Resolve…", "details-resolve", "")
        self.resolve_button.setToolTip(
            "Resolve it at its source, for the whole team (one you sent: here)"
        )
        self.resolve_button.clicked.connect(lambda _=False: self.resolve())
        for button in (self.ack_button, self.comment_button, self.silence_button):
            actions.addWidget(button)
        actions.addWidget(self.unack_button)
        actions.addWidget(self.resolve_button)
        actions.addWidget(self.snooze_button)
        actions.addWidget(self.end_snooze_button)
        actions.addStretch(1)
        self.id_label = self._selectable("details-id")
        self.id_label.setStyleSheet("color: palette(mid);")
        for label in (
            self.title_label,
            self.facts_label,
            self.times_label,
            self.ack_label,
            self.snooze_label,
        ):
            column.addWidget(label)
        column.addWidget(self.summary_label)
        column.addWidget(self.labels_label)
        column.addLayout(self._links_row)
        column.addLayout(actions)
        column.addWidget(self.id_label)
        column.addStretch(1)
        self.show_alert(None, None)

    def _action(self, text: str, name: str, shortcut: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name)
        button.setAutoDefault(False)
        button.setToolTip(f"{text} ({shortcut})" if shortcut else text)
        return button

    def actions_menu(self, parent: QWidget) -> QMenu:
        """The actions on the alert shown, as a menu (a row's right-click, Return or the Menu
        key): what its buttons offer, its links, and copying its id."""
        menu = QMenu(parent)
        menu.setObjectName("alert-menu")
        for button in (
            self.ack_button,
            self.comment_button,
            self.silence_button,
            self.unack_button,
            self.resolve_button,
            self.end_snooze_button,
        ):
            if not button.isHidden():
                menu.addAction(button.text()).triggered.connect(lambda _=False, b=button: b.click())
        if not self.snooze_button.isHidden():
            menu.addMenu(self.snooze_menu).setText("Snooze")
        if self.link_buttons:
            menu.addSeparator()
        for button in self.link_buttons:
            action = menu.addAction(f"Open {button.text()}")
            action.setToolTip(button.toolTip())
            action.triggered.connect(lambda _=False, b=button: b.click())
        if self.alert is not None:
            menu.addSeparator()
            alert_id = self.alert.id
            menu.addAction("Copy id").triggered.connect(
                lambda _=False: QGuiApplication.clipboard().setText(alert_id)
            )
        return menu

    def silence(self, choice: tuple[float, str] | None = None) -> None:
        """Silence the alert shown at its source: (seconds, comment); None asks the person."""
        if self.alert is None:
            return
        if choice is None:
            choice = ask_silence(self.alert.title, self)
            if choice is None:
                return
        seconds, comment = choice
        self.silence_requested.emit(self.alert.id, seconds, comment)

    def resolve(self, comment: str | None = None) -> None:
        """Resolve the alert shown; None asks the person first (it is for the whole team), with
        an optional comment for the source."""
        if self.alert is None:
            return
        if comment is None:
            comment, ok = QInputDialog.getText(
                self,
                "Resolve",
                f"Resolve “{' '.join(self.alert.title.split())[:120]}” at its source, for "
                "everyone?\nComment (optional):",
            )
            if not ok:
                return
        self.resolve_requested.emit(self.alert.id, comment.strip())

    def acknowledge_with_comment(self, comment: str | None = None) -> None:
        """Acknowledge the alert shown with a comment; None asks the person for it."""
        if self.alert is None:
            return
        if comment is None:
            comment, ok = QInputDialog.getText(
                self, "Acknowledge with a comment", "Comment (what you are doing about it):"
            )
            if not ok:
                return
        self.comment_ack_requested.emit(self.alert.id, comment.strip())

    def _snooze(self, seconds: float) -> None:
        """Ask for a snooze of the alert shown; 0 asks the person how long first."""
        if self.alert is None:
            return
        if not seconds:
            minutes, ok = QInputDialog.getInt(
                self,
                "Snooze this alert",
                "Minutes (it alarms again by itself after):",
                30,
                1,
                7 * 24 * 60,
            )
            if not ok:
                return
            seconds = minutes * 60.0
        self.snooze_requested.emit(self.alert.id, float(seconds))

    def _request(self, acknowledge: bool) -> None:
        if self.alert is not None:
            wanted = self.acknowledge_requested if acknowledge else self.unacknowledge_requested
            wanted.emit(self.alert.id)

    def _selectable(self, name: str) -> QLabel:
        label = plain_label("", self)
        label.setObjectName(name)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def show_alert(
        self, alert: Alert | None, now: datetime | None, snoozed_until: datetime | None = None
    ) -> None:
        """Show `alert` (None: the "select an alert" line); ages count to `now`;
        `snoozed_until`: when its own snooze ends, if one holds it back."""
        self.alert = alert
        firing = alert is not None and alert.status is Status.FIRING
        snoozed = snoozed_until if firing else None
        self.snooze_button.setVisible(firing)
        self.end_snooze_button.setVisible(snoozed is not None)
        self.snooze_label.setVisible(snoozed is not None)
        if snoozed is not None:
            self.snooze_label.setText(
                f"Snoozed until {format_timestamp(snoozed, self._tz)}: it alarms again by "
                "itself then."
            )
        self.empty_label.setVisible(alert is None)
        parts = (self.title_label, self.facts_label, self.times_label, self.id_label)
        for label in parts:
            label.setVisible(alert is not None)
        self.ack_button.setVisible(alert is not None and alert.status is Status.FIRING)
        self.comment_button.setVisible(alert is not None and alert.status is Status.FIRING)
        self.silence_button.setVisible(alert is not None and not self.why_no_silence(alert))
        resolving = alert is not None and alert.ack_info is not None and alert.ack_info.resolve
        self.resolve_button.setVisible(
            alert is not None and not resolving and not self.why_no_resolve(alert)
        )
        self.unack_button.setVisible(
            alert is not None
            and alert.status is Status.ACKNOWLEDGED
            and not self.why_no_unack(alert)
        )
        if alert is None:
            self.ack_label.hide()
            self.summary_label.hide()
            self.labels_label.hide()
            self._set_links([])
            return
        self.title_label.setText(alert.title)
        self.facts_label.setText(
            f"{alert.severity.value.capitalize()} · {status_text(alert)} · "
            f"from {source_text(alert)}"
        )
        self.times_label.setText(self._times(alert, now))
        self.ack_label.setText(self._acknowledged_by(alert))
        self.ack_label.setVisible(bool(self.ack_label.text()))
        summary = alert.summary.strip()
        if len(summary) > MAX_TEXT:
            summary = summary[: MAX_TEXT - 1] + "…"
        if alert.ack_error:
            summary = f"{summary}\n\nThe source said: {alert.ack_error}".strip()
        self.summary_label.setText(summary)
        self.summary_label.setVisible(bool(summary))
        self.labels_label.setText("\n".join(f"{name} = {value}" for name, value in alert.labels))
        self.labels_label.setVisible(bool(alert.labels))
        self._set_links(alert.web_links())
        self.id_label.setText(f"id {alert.id} (shiftbell ack {alert.id})")

    def _times(self, alert: Alert, now: datetime | None) -> str:
        def when(label: str, at: datetime | None) -> str:
            if at is None:
                return ""
            ago = f" ({format_age(now - at)} ago)" if now is not None and now >= at else ""
            return f"{label} {format_timestamp(at, self._tz)}{ago}"

        times = (
            when("Started", alert.started_at),
            when("acknowledged", alert.acknowledged_at),
            when("resolved", alert.resolved_at),
        )
        return ", ".join(t for t in times if t)

    def _acknowledged_by(self, alert: Alert) -> str:
        """ "Acknowledged at the source by alex: “I'm on it”, silenced until 2026-03-04 07:12"."""
        info = alert.ack_info
        if info is None or alert.status is not Status.ACKNOWLEDGED:
            return ""
        # No author yet: the person's own comment, on its way to the source.
        if info.resolve and not info.by:
            text = "Resolving at the source"
        else:
            text = f"Acknowledged at the source by {info.by}" if info.by else "Acknowledged"
        if info.comment:
            text += f": “{info.comment}”"
        if info.until is not None:
            text += f", silenced until {format_timestamp(info.until, self._tz)}"
        return text

    def _set_links(self, links: Sequence[Link]) -> None:
        clear_layout(self._links_row)
        self.link_buttons = []
        for link in links:
            button = QPushButton(link.title.replace("&", "&&"), self)
            button.setObjectName("details-link")
            button.setToolTip(link.url)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, url=link.url: open_link(url))
            self._links_row.addWidget(button)
            self.link_buttons.append(button)
        self._links_row.addStretch(1)


def open_link(url: str) -> bool:
    """Open `url` in the person's browser; False (and nothing opened) unless it is a web page."""
    if not is_web_link(url):
        log.warning("not opening %r: only http and https links are opened", url[:200])
        return False
    log.info("opening %s", url[:500])
    return QDesktopServices.openUrl(QUrl(url))
