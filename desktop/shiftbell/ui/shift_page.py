"""The window's Shift tab: the hand-over report of this shift or the last, to copy into the
team chat (Markdown) or save (HTML), and the person's notes on the shift and on its alerts.

The page shows what it is given (`show`) and says what the person did through signals; the
app reads the report and keeps the notes (ui/shift_tab.py).
"""

from __future__ import annotations

from datetime import tzinfo

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from shiftbell.core.handover import Handover
from shiftbell.core.handover_text import to_html, to_markdown

WHICH = (("current", "This shift"), ("last", "Last shift"))
NOTE_SAVE_DELAY_MS = 800  # a note is kept once the person stops typing


class ShiftPage(QWidget):
    """Signals:
    which_changed(str): "current" or "last" was chosen.
    shift_note_edited(str): the shift's note, after typing stopped.
    alert_note_edited(str, str): (alert id, note) when the person saves an alert's note.
    """

    which_changed = Signal(str)
    shift_note_edited = Signal(str)
    alert_note_edited = Signal(str, str)

    def __init__(self, parent: QWidget | None = None, tz: tzinfo | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shift-page")
        self._tz = tz
        self.report: Handover | None = None
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.which = QComboBox(self)
        for key, text in WHICH:
            self.which.addItem(text, key)
        self.which.currentIndexChanged.connect(
            lambda _i: self.which_changed.emit(self.which.currentData())
        )
        self.copy_button = QPushButton("Copy as Markdown", self)
        self.copy_button.setToolTip("For the team chat: paste it where the next person reads")
        self.copy_button.clicked.connect(self.copy_markdown)
        self.save_button = QPushButton("Save as HTML…", self)
        self.save_button.clicked.connect(self._save_html)
        self.copied = QLabel("", self)
        bar.addWidget(self.which)
        bar.addStretch(1)
        bar.addWidget(self.copied)
        bar.addWidget(self.copy_button)
        bar.addWidget(self.save_button)
        layout.addLayout(bar)

        self.view = QTextBrowser(self)
        self.view.setObjectName("shift-report")
        self.view.setOpenLinks(False)
        layout.addWidget(self.view, 1)

        layout.addWidget(QLabel("Note on this shift (in the report):", self))
        self.shift_note = QPlainTextEdit(self)
        self.shift_note.setObjectName("shift-note")
        self.shift_note.setPlaceholderText("What the next person should know")
        self.shift_note.setMaximumHeight(70)
        self._note_timer = QTimer(self)
        self._note_timer.setSingleShot(True)
        self._note_timer.setInterval(NOTE_SAVE_DELAY_MS)
        self._note_timer.timeout.connect(
            lambda: self.shift_note_edited.emit(self.shift_note.toPlainText())
        )
        self.shift_note.textChanged.connect(self._note_timer.start)
        layout.addWidget(self.shift_note)

        row = QHBoxLayout()
        self.alert_choice = QComboBox(self)
        self.alert_choice.setObjectName("note-alert")
        self.alert_choice.setMinimumContentsLength(24)
        self.alert_choice.currentIndexChanged.connect(self._show_alert_note)
        self.alert_note = QLineEdit(self)
        self.alert_note.setObjectName("alert-note")
        self.alert_note.setPlaceholderText("Note on this alert")
        self.alert_note.returnPressed.connect(self._save_alert_note)
        self.note_button = QPushButton("Save note", self)
        self.note_button.clicked.connect(self._save_alert_note)
        row.addWidget(self.alert_choice, 1)
        row.addWidget(self.alert_note, 2)
        row.addWidget(self.note_button)
        layout.addLayout(row)

    @property
    def chosen(self) -> str:
        return str(self.which.currentData())

    def show_report(self, report: Handover) -> None:
        self.report = report
        self.view.setHtml(to_html(report, self._zone()))
        if not self.shift_note.hasFocus() and self.shift_note.toPlainText() != report.note:
            self.shift_note.blockSignals(True)
            self.shift_note.setPlainText(report.note)
            self.shift_note.blockSignals(False)
        chosen = self.alert_choice.currentData()
        self.alert_choice.blockSignals(True)
        self.alert_choice.clear()
        for item in report.alerts:
            self.alert_choice.addItem(item.alert.title, item.alert.id)
        index = self.alert_choice.findData(chosen)
        self.alert_choice.setCurrentIndex(max(index, 0))
        self.alert_choice.blockSignals(False)
        enabled = bool(report.alerts)
        for widget in (self.alert_choice, self.alert_note, self.note_button):
            widget.setEnabled(enabled)
        if not self.alert_note.hasFocus():
            self._show_alert_note()

    def markdown(self) -> str:
        return to_markdown(self.report, self._zone()) if self.report is not None else ""

    def copy_markdown(self) -> None:
        QGuiApplication.clipboard().setText(self.markdown())
        self.copied.setText("Copied")
        QTimer.singleShot(3000, self.copied, lambda: self.copied.setText(""))

    def _save_html(self) -> None:
        if self.report is None:
            return
        path, _ = QFileDialog.getSaveFileName(
            self, "Save the hand-over report", "handover.html", "HTML (*.html)"
        )
        if not path:
            return
        try:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(to_html(self.report, self._zone()))
        except OSError as exc:
            self.copied.setText(f"Not saved: {exc.strerror or exc}")
        else:
            self.copied.setText("Saved")

    def _show_alert_note(self) -> None:
        alert_id = self.alert_choice.currentData()
        found = next(
            (a for a in (self.report.alerts if self.report else ()) if a.alert.id == alert_id),
            None,
        )
        self.alert_note.setText(found.note if found is not None else "")

    def _save_alert_note(self) -> None:
        alert_id = self.alert_choice.currentData()
        if alert_id:
            self.alert_note_edited.emit(str(alert_id), self.alert_note.text())

    def _zone(self) -> tzinfo:
        from shiftbell.system.clock import local_zone

        return self._tz or local_zone()
