"""The Settings window's About page: which Shiftbell this is and where it keeps its files, so
a person asked for "the version and the log" can answer in one look; and whether it starts
when the person logs in."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shiftbell import __version__
from shiftbell.system import autostart
from shiftbell.ui.form_widgets import ERROR_STYLE, heading_label, plain_label


class AboutPage(QWidget):
    """Attributes: version_label, config_label, data_label, log_label, open_log_button,
    start_at_login (the checkbox), open_problem (says what could not be done; hidden
    otherwise)."""

    def __init__(
        self,
        config_file: Path,
        data_dir: Path,
        log_dir: Path,
        parent: QWidget | None = None,
        *,
        login_entry: autostart.Autostart | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("about")
        self.data_dir, self.log_dir = data_dir, log_dir
        self.login_entry = login_entry or autostart.for_this_platform()
        column = QVBoxLayout(self)
        self.version_label = heading_label(f"Shiftbell {__version__}", self)
        column.addWidget(self.version_label)
        form = QFormLayout()
        self.config_label = self._path(config_file)
        self.data_label = self._path(data_dir)
        self.log_label = self._path(log_dir)
        for name, value in (
            ("Config file:", self.config_label),
            ("Data folder:", self.data_label),
            ("Log folder:", self.log_label),
        ):
            form.addRow(plain_label(name, self), value)
        column.addLayout(form)
        self.start_at_login = QCheckBox("Start Shiftbell when I log in", self)
        self.start_at_login.setToolTip(self.login_entry.where)
        self.start_at_login.setChecked(self.login_entry.enabled())
        self.start_at_login.toggled.connect(self._set_start_at_login)
        column.addWidget(self.start_at_login)
        row = QHBoxLayout()
        self.open_log_button = QPushButton("Open the log folder", self)
        self.open_log_button.setAutoDefault(False)
        self.open_log_button.clicked.connect(self.open_log_folder)
        row.addWidget(self.open_log_button)
        row.addStretch(1)
        column.addLayout(row)
        self.open_problem = plain_label("", self)
        self.open_problem.setStyleSheet(ERROR_STYLE)
        self.open_problem.hide()
        column.addWidget(self.open_problem)
        column.addStretch(1)

    def _path(self, path: Path) -> QLabel:
        label = plain_label(str(path), self)
        # Selectable: a path is there to be copied into a bug report or a terminal.
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _set_start_at_login(self, on: bool) -> None:
        try:
            autostart.set_start_at_login(self.login_entry, on, self.data_dir)
        except OSError as exc:
            self._say(f"Could not change {self.login_entry.where}: {exc.strerror or exc}")
            return
        self._say("")

    def _say(self, problem: str) -> None:
        self.open_problem.setText(problem)
        self.open_problem.setVisible(bool(problem))

    def open_log_folder(self) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        opened = QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.log_dir)))
        self._say("" if opened else f"No file manager opened {self.log_dir}: open it yourself.")
