"""The main window's keyboard: every action on an alert without a mouse.

Ctrl+Return acknowledges the selected alert, Ctrl+U takes its acknowledgement back, Ctrl+S
opens its Snooze menu, Ctrl+F goes to the filter box, Esc hides the window; in the list the
arrows move (Left and Right fold and open a group), Tab leaves it, and Return or the Menu
key opens the row's menu (as a right-click does) or, on a group's heading, folds or opens
it. The list draws its focus so it can be seen from a metre away (ui/alert_list.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut

from shiftbell.ui.alert_details import ACK_SHORTCUT, SNOOZE_SHORTCUT, UNACK_SHORTCUT

if TYPE_CHECKING:
    from shiftbell.ui.window import MainWindow

FILTER_SHORTCUT = "Ctrl+F"


def install_keys(window: MainWindow) -> None:
    details = window.details
    for keys, button in (
        (ACK_SHORTCUT, details.ack_button),
        (UNACK_SHORTCUT, details.unack_button),
        (SNOOZE_SHORTCUT, details.snooze_button),  # opens its menu
    ):
        # On the window: they work wherever the focus is, for the alert selected.
        shortcut = QShortcut(QKeySequence(keys), window)
        shortcut.activated.connect(lambda b=button: b.isVisible() and b.click())
    QShortcut(QKeySequence(FILTER_SHORTCUT), window).activated.connect(window.focus_filter)
    QShortcut(QKeySequence(Qt.Key.Key_Escape), window).activated.connect(window.close)

    table = window.alerts_table
    table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
    table.customContextMenuRequested.connect(window.show_row_menu)
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Menu):
        row_keys = QShortcut(QKeySequence(key), table)
        row_keys.setContext(Qt.ShortcutContext.WidgetShortcut)
        row_keys.activated.connect(lambda: window.show_row_menu(None))
