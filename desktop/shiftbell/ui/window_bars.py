"""The coloured bars above the alert list: the app's problems, the snooze (with End snooze),
and Undo after "Acknowledge all". Fixed colours, not palette roles: each must read the same
on light and dark themes, so it brings its own background and text colour."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStyle, QVBoxLayout, QWidget

from shiftbell.ui.elided_label import ElidedLabel
from shiftbell.ui.feed_status_lines import clear_layout
from shiftbell.ui.form_widgets import plain_label

_STYLE = """
QFrame#{name} {{ background: {background}; border: 1px solid {border}; border-radius: 4px; }}
QFrame#{name} QLabel {{ color: {text}; background: transparent; border: none; }}
"""
UNDO_SECONDS = 10


def _bar(parent: QWidget, name: str, background: str, border: str, text: str) -> QHBoxLayout:
    """Style `parent` as a bar and give it its row; it starts hidden."""
    parent.setObjectName(name)
    parent.setStyleSheet(_STYLE.format(name=name, background=background, border=border, text=text))
    row = QHBoxLayout(parent)
    row.setContentsMargins(10, 4, 6, 4)
    parent.hide()
    return row


class ProblemsBanner(QFrame):
    """App-wide problems, one line each; hidden when there are none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = _bar(self, "problems-banner", "#fff4e5", "#f0b86e", "#4d2f00")
        row.setContentsMargins(10, 6, 10, 6)
        row.setSpacing(8)
        warning = QLabel(self)
        size = self.style().pixelMetric(QStyle.PixelMetric.PM_SmallIconSize)
        warning.setPixmap(
            self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(size)
        )
        warning.setAlignment(Qt.AlignmentFlag.AlignTop)
        row.addWidget(warning)
        self._lines = QVBoxLayout()
        self._lines.setSpacing(2)
        row.addLayout(self._lines, 1)

    def set_problems(self, problems: Sequence[str]) -> None:
        lines = [" ".join(p.split()) for p in problems if p.strip()]
        clear_layout(self._lines)
        for text in lines:
            # One line each, so neither a long message nor many of them push the alerts
            # off a small screen; the whole text is in the tooltip (and the log).
            label = ElidedLabel(text, self)
            label.setObjectName("problem")
            self._lines.addWidget(label)
        self.setVisible(bool(lines))

    def problem_lines(self) -> list[str]:
        """The problems as given (the labels may show them shortened)."""
        return [label.full_text() for label in self.findChildren(ElidedLabel, "problem")]


class SnoozeBar(QFrame):
    """ "Alarm snoozed until 03:40 (2 alerts)" with End snooze (`end_button`)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = _bar(self, "snooze-bar", "#ece6fb", "#7c5cd6", "#2d1f5c")
        self.label = plain_label("", self)
        self.label.setWordWrap(False)
        self.label.setObjectName("snooze-text")
        row.addWidget(self.label, 1)
        self.end_button = QPushButton("End snooze", self)
        self.end_button.setObjectName("end-snooze")
        row.addWidget(self.end_button)

    def set_text(self, text: str) -> None:
        self.label.setText(text)
        self.setVisible(bool(text))


class UndoBar(QFrame):
    """What was just done to several alerts at once, with Undo for UNDO_SECONDS.

    Signals: undo_requested(list): the ids to take the acknowledgement back from.
    """

    undo_requested = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = _bar(self, "undo-bar", "#e6f4ea", "#4c9a63", "#1d3b27")
        self.label = plain_label("", self)
        self.label.setObjectName("undo-text")
        row.addWidget(self.label, 1)
        self.undo_button = QPushButton("Undo", self)
        self.undo_button.setObjectName("undo")
        self.undo_button.clicked.connect(self._undo)
        row.addWidget(self.undo_button)
        self._ids: list[str] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.dismiss)

    def offer(self, text: str, ids: Sequence[str], seconds: float = UNDO_SECONDS) -> None:
        self._ids = list(ids)
        self.label.setText(text)
        self.undo_button.setToolTip(f"Take these {len(self._ids)} acknowledgements back")
        self.undo_button.setVisible(bool(self._ids))  # without ids: a note only
        self.show()
        self._timer.start(int(seconds * 1000))

    def dismiss(self) -> None:
        self._timer.stop()
        self._ids = []
        self.hide()

    def _undo(self) -> None:
        ids = self._ids
        self.dismiss()
        if ids:
            self.undo_requested.emit(ids)
