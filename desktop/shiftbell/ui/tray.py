"""The tray icon and its menu: where Shiftbell lives during a shift.

It shows a `TrayState` (computed elsewhere, without Qt) and turns clicks into
signals; what those do is the controller's business.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence

from PySide6.QtCore import QObject, Signal, SignalInstance
from PySide6.QtGui import QAction, Qt  # QtGui.Qt has mightBeRichText
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from shiftbell.core.alert import Severity
from shiftbell.ui.icons import icon
from shiftbell.ui.tray_state import APP_NAME, TrayIconName, TrayState

DEFAULT_SNOOZE_CHOICES = (5, 15, 60)
BALLOON_MS = 10_000

_MESSAGE_ICONS = {
    Severity.INFO: QSystemTrayIcon.MessageIcon.Information,
    Severity.WARNING: QSystemTrayIcon.MessageIcon.Warning,
    Severity.CRITICAL: QSystemTrayIcon.MessageIcon.Critical,
}


def safe_plain_text(text: str) -> str:
    """Text that Qt will show literally even where it guesses the format.

    WORKAROUND: QSystemTrayIcon has no text-format setting; the X11 tooltip and
    balloon render anything that Qt.mightBeRichText() thinks is HTML. Alert text is
    untrusted, so such text is escaped and wrapped in markup of our own, which
    makes Qt render it as rich text that displays the original characters.
    Ordinary text is passed unchanged, because other backends (the D-Bus
    StatusNotifierItem) show it as it is.
    """
    if not Qt.mightBeRichText(text):
        return text
    escaped = html.escape(text, quote=False).replace("\n", "<br>")
    return f"<p style='white-space:pre'>{escaped}</p>"


class TrayIcon(QObject):
    """A QSystemTrayIcon with Shiftbell's menu.

    Signals:
        open_requested(): the icon was clicked, or "Open Shiftbell" chosen.
        acknowledge_all_requested(): "Acknowledge all".
        snooze_requested(int): one of the "Snooze alarm" choices, in minutes.
        silence_alert_requested(str, float): "Silence it for 1 hour at its source", with the
            most urgent alert's id and the seconds.
        resume_requested(): "Resume alarm" (only offered while snoozed).
        test_alarm_requested(): "Test alarm".
        settings_requested(): "Settings…" (feeds and the rest of the configuration).
        quit_requested(): "Quit".

    Attributes:
        tray: the QSystemTrayIcon.
        menu: its context menu.
        open_action, acknowledge_top_action, snooze_top_action and silence_top_action (the
        most urgent firing alert, named; silence where its source has one),
        acknowledge_all_action, resume_action, test_alarm_action, settings_action,
        quit_action: the menu's actions; snooze_actions maps minutes to an action.
        state: the TrayState last shown.
    """

    open_requested = Signal()
    acknowledge_requested = Signal(str)
    snooze_alert_requested = Signal(str, float)
    silence_alert_requested = Signal(str, float)
    acknowledge_all_requested = Signal()
    snooze_requested = Signal(int)
    resume_requested = Signal()
    test_alarm_requested = Signal()
    settings_requested = Signal()
    quit_requested = Signal()

    def __init__(
        self, snooze_choices: Sequence[int] = DEFAULT_SNOOZE_CHOICES, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        # QMenu is a top-level widget, so it cannot have a QObject parent; self owns it.
        self.menu = QMenu()
        self.menu.setObjectName("tray-menu")
        self.destroyed.connect(self.menu.deleteLater)

        self.open_action = self._action(f"Open {APP_NAME}", self.open_requested)
        font = self.open_action.font()
        font.setBold(True)  # the default action, as menus mark what a click on the icon does
        self.open_action.setFont(font)
        self.menu.addSeparator()
        # The most urgent firing alert, by name: one click from the tray acts on just it.
        self.acknowledge_top_action = self.menu.addAction("Acknowledge")
        self.acknowledge_top_action.triggered.connect(
            lambda _=False: self.acknowledge_requested.emit(self._top_id())
        )
        self.snooze_top_action = self.menu.addAction("Snooze it for 1 hour")
        self.snooze_top_action.triggered.connect(
            lambda _=False: self.snooze_alert_requested.emit(self._top_id(), 3600.0)
        )
        self.silence_top_action = self.menu.addAction("Silence it for 1 hour at its source")
        self.silence_top_action.triggered.connect(
            lambda _=False: self.silence_alert_requested.emit(self._top_id(), 3600.0)
        )
        # Whether the source of this alert (by id) has a silence; app.py sets the real one.
        self.can_silence: Callable[[str], bool] = lambda _alert_id: False
        self.acknowledge_all_action = self._action(
            "Acknowledge all", self.acknowledge_all_requested
        )

        self.snooze_menu = QMenu("Snooze alarm", self.menu)
        self.snooze_menu.setObjectName("snooze-menu")
        self.snooze_actions: dict[int, QAction] = {}
        for minutes in _valid_choices(snooze_choices):
            action = self.snooze_menu.addAction(_minutes_text(minutes))
            action.triggered.connect(lambda _=False, m=minutes: self.snooze_requested.emit(m))
            self.snooze_actions[minutes] = action
        self._resume_separator = self.snooze_menu.addSeparator()
        self.resume_action = self.snooze_menu.addAction("Resume alarm")
        self.resume_action.triggered.connect(self.resume_requested)
        self.menu.addMenu(self.snooze_menu)

        self.test_alarm_action = self._action("Test alarm", self.test_alarm_requested)
        self.settings_action = self._action("Settings…", self.settings_requested)
        self.menu.addSeparator()
        self.quit_action = self._action("Quit", self.quit_requested)

        self.tray = QSystemTrayIcon(self)
        self.tray.setContextMenu(self.menu)
        self.tray.activated.connect(self._on_activated)

        self.state = TrayState(TrayIconName.CLEAR, f"{APP_NAME} — starting")
        self.set_state(self.state)

    def _top_id(self) -> str:
        return self.state.top_id

    def _action(self, text: str, signal: SignalInstance) -> QAction:
        action = self.menu.addAction(text)
        action.triggered.connect(signal)
        return action

    # -- showing -----------------------------------------------------------------------------

    def set_state(self, state: TrayState) -> None:
        """Show this icon and tooltip, and offer what makes sense in this state."""
        if state.icon != self.state.icon or self.tray.icon().isNull():
            self.tray.setIcon(icon(state.icon))
        self.tray.setToolTip(safe_plain_text(state.tooltip))
        self.acknowledge_all_action.setEnabled(state.firing > 0)
        title = state.top_title if len(state.top_title) <= 40 else state.top_title[:39] + "…"
        # & would make a mnemonic of the next letter of an alert's title.
        self.acknowledge_top_action.setText(f"Acknowledge “{title}”".replace("&", "&&"))
        for action in (self.acknowledge_top_action, self.snooze_top_action):
            action.setVisible(bool(state.top_id))
        self.silence_top_action.setVisible(bool(state.top_id) and self.can_silence(state.top_id))
        # Snoozing with nothing firing would silently swallow the next alarm; so the
        # menu offers snooze only when there is an alarm to snooze (or one to resume).
        for action in self.snooze_actions.values():
            action.setEnabled(state.firing > 0)
        self.snooze_menu.setEnabled(state.firing > 0 or state.snoozed)
        self.resume_action.setVisible(state.snoozed)
        self._resume_separator.setVisible(state.snoozed and bool(self.snooze_actions))
        self.state = state

    def show(self) -> None:
        self.tray.show()

    def hide(self) -> None:
        self.tray.hide()

    def is_visible(self) -> bool:
        return self.tray.isVisible()

    def show_message(self, title: str, body: str, severity: Severity = Severity.INFO) -> None:
        """A balloon, for when native notifications are not available. Text is plain."""
        self.tray.showMessage(
            safe_plain_text(title), safe_plain_text(body), _MESSAGE_ICONS[severity], BALLOON_MS
        )

    # -- clicks ------------------------------------------------------------------------------

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (
            QSystemTrayIcon.ActivationReason.Trigger,
            QSystemTrayIcon.ActivationReason.DoubleClick,
        ):
            self.open_requested.emit()


def _valid_choices(choices: Sequence[int]) -> list[int]:
    """Positive, distinct, in the given order: a bad setting must not produce a 0-minute snooze."""
    seen: list[int] = []
    for minutes in choices:
        if minutes > 0 and minutes not in seen:
            seen.append(minutes)
    return seen or list(DEFAULT_SNOOZE_CHOICES)


def _minutes_text(minutes: int) -> str:
    if minutes % 60 == 0 and minutes >= 120:
        return f"{minutes // 60} hours"
    return "1 minute" if minutes == 1 else f"{minutes} minutes"
