"""The Settings window's second Feeds page: the add/edit form with its title, the outcome of
a test or a save, and Test connection, Cancel and Save (the window wires them)."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout, QWidget

from shiftbell.ui.feed_form import FeedForm
from shiftbell.ui.form_widgets import button, heading_label
from shiftbell.ui.result_label import ResultLabel


class FeedFormPage(QWidget):
    """Attributes: title, form, result, test_button, cancel_button, save_button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.title = heading_label("", self)
        column.addWidget(self.title)
        self.form = FeedForm(self)
        column.addWidget(self.form, 1)
        self.result = ResultLabel("form-result", self)
        column.addWidget(self.result)
        buttons = QHBoxLayout()
        self.test_button = button("Test connection", "form-test", self)
        buttons.addWidget(self.test_button)
        buttons.addStretch(1)
        self.cancel_button = button("Cancel", "cancel", self)
        self.save_button = button("Save", "save", self)
        self.save_button.setDefault(True)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        column.addLayout(buttons)
