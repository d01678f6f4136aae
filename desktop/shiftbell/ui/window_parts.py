"""Pieces of the main window: the framed panel shown instead of an empty table, the stack
that swaps it for the table, and the scroll areas."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)


def empty_panel(parent: QWidget, *lines: QLabel) -> QFrame:
    """A framed panel like a table's, with these labels centred in it, the first one larger.

    The first label is the message when there is no picture; a picture is a
    label whose text is empty.
    """
    panel = QFrame(parent)
    panel.setFrameShape(QFrame.Shape.StyledPanel)
    panel.setBackgroundRole(QPalette.ColorRole.Base)
    panel.setAutoFillBackground(True)
    column = QVBoxLayout(panel)
    column.setSpacing(8)
    column.addStretch(1)
    message = next(label for label in lines if label.text())
    font = message.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    message.setFont(font)
    for label in lines:
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        column.addWidget(label)
    column.addStretch(1)
    return panel


def stack_of(parent: QWidget, empty: QWidget, full: QWidget) -> QStackedWidget:
    stack = QStackedWidget(parent)
    stack.addWidget(empty)
    stack.addWidget(full)
    return stack


def scroll_area(widget: QWidget, parent: QWidget, name: str) -> QScrollArea:
    """`widget` in a frameless scroll area: a long list in it never sets the window's size."""
    area = QScrollArea(parent)
    area.setObjectName(name)
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area
