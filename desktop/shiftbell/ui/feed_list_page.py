"""The Settings window's first Feeds page: the config file's problems, the list of feeds, and
Add, Edit, Remove, Test connection and Close (the window wires them), with the outcome line."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QVBoxLayout, QWidget

from shiftbell.ui.feeds_list import FeedsList
from shiftbell.ui.form_widgets import button, heading_label, message_label, plain_label
from shiftbell.ui.result_label import ResultLabel

_BANNER_STYLE = """
QFrame#config-problems { background: #fff4e5; border: 1px solid #f0b86e; border-radius: 4px; }
QFrame#config-problems QLabel { color: #4d2f00; background: transparent; border: none; }
"""


class FeedListPage(QWidget):
    """Attributes: problems_frame (hidden when there are none) with problems_label, feeds_list,
    add_button, edit_button, remove_button, test_button, close_button, result, path_label."""

    def __init__(self, config_path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        column.addWidget(heading_label("Feeds", self))
        column.addWidget(
            plain_label(
                "The alert sources Shiftbell watches. Tokens are kept in the OS keyring, never "
                "in the config file.",
                self,
            )
        )

        self.problems_frame = QFrame(self)
        self.problems_frame.setObjectName("config-problems")
        self.problems_frame.setStyleSheet(_BANNER_STYLE)
        problems = QVBoxLayout(self.problems_frame)
        problems.setContentsMargins(10, 6, 10, 6)
        self.problems_label = message_label("", "config-problems-text", self.problems_frame)
        problems.addWidget(self.problems_label)
        self.problems_frame.hide()
        column.addWidget(self.problems_frame)

        self.feeds_list = FeedsList(self)
        column.addWidget(self.feeds_list, 1)

        buttons = QHBoxLayout()
        self.add_button = button("Add…", "add", self)
        self.edit_button = button("Edit…", "edit", self)
        self.remove_button = button("Remove", "remove", self)
        self.test_button = button("Test connection", "test", self)
        for pushed in (self.add_button, self.edit_button, self.remove_button, self.test_button):
            buttons.addWidget(pushed)
        buttons.addStretch(1)
        self.close_button = button("Close", "close", self)
        buttons.addWidget(self.close_button)
        column.addLayout(buttons)

        self.result = ResultLabel("list-result", self)
        column.addWidget(self.result)
        self.path_label = plain_label(f"Config file: {config_path}", self)
        self.path_label.setObjectName("config-path")
        self.path_label.setStyleSheet("color: palette(mid);")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.path_label)

    def show_problems(self, problems: list[str]) -> None:
        self.problems_label.setText("\n".join(problems))
        self.problems_label.setVisible(bool(problems))
        self.problems_frame.setVisible(bool(problems))
