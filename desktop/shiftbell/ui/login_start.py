"""Starting at login, seen from the desktop: waiting for the panel's tray when Shiftbell was
started with the session, and asking once, on first run, whether to start at login."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QMessageBox, QSystemTrayIcon, QWidget

from shiftbell.system import autostart

log = logging.getLogger(__name__)

TRAY_WAIT_S = 60
TRAY_LOOK_MS = 1000

QUESTION_TITLE = "Start Shiftbell when you log in?"
QUESTION_TEXT = (
    "Shiftbell can only wake you for an alert while it runs. Start it in the tray each time "
    "you log in? (Settings > About, or `shiftbell autostart off`, changes this.)"
)


class TrayWait(QObject):
    """At login the panel (and its tray) may come up after Shiftbell: look once a second for
    up to a minute, then call `found`, or `gave_up` (the caller shows the window instead)."""

    def __init__(
        self,
        found: Callable[[], None],
        gave_up: Callable[[], None],
        available: Callable[[], bool] = QSystemTrayIcon.isSystemTrayAvailable,
        looks: int = TRAY_WAIT_S,
        parent: QObject | None = None,
        look_ms: int = TRAY_LOOK_MS,
    ) -> None:
        super().__init__(parent)
        self._found, self._gave_up, self._available = found, gave_up, available
        self._looks_left = looks
        self._timer = QTimer(self)
        self._timer.setInterval(look_ms)
        self._timer.timeout.connect(self._look)

    def start(self) -> None:
        log.info("waiting up to %d s for the panel's system tray", self._looks_left)
        self._timer.start()

    def _look(self) -> None:
        self._looks_left -= 1
        if self._available():
            self._timer.stop()
            log.info("the system tray is there")
            self._found()
        elif self._looks_left <= 0:
            self._timer.stop()
            self._gave_up()


def ask_once(
    data_dir: Path, parent: QWidget | None = None, entry: autostart.Autostart | None = None
) -> QMessageBox | None:
    """On first run, ask (not modal: alerts go on while it waits) whether to start at login;
    Yes is the default. None when the person answered before. `parent` keeps the question
    alive (Qt's ownership) while nobody answers."""
    if autostart.asked(data_dir):
        return None
    entry = entry if entry is not None else autostart.for_this_platform()
    box = QMessageBox(
        QMessageBox.Icon.Question,
        QUESTION_TITLE,
        QUESTION_TEXT,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setDefaultButton(QMessageBox.StandardButton.Yes)
    box.setWindowModality(Qt.WindowModality.NonModal)

    def answered(result: int) -> None:
        yes = result == QMessageBox.StandardButton.Yes
        try:
            autostart.set_start_at_login(entry, yes, data_dir)
        except OSError as exc:  # asked again next time, when it may work
            log.error("cannot set up starting at login (%s): %s", entry.where, exc)
            return
        if yes:
            log.info("Shiftbell starts at login: %s", entry.where)

    box.finished.connect(answered)
    box.show()
    return box
