"""Small widgets the Settings window's pages share: labels that never render HTML (alert and
server text is quoted in them), their message styles, and a seconds field."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QLabel, QPushButton, QSizePolicy, QWidget

from shiftbell.settings import feed_rules

ERROR_STYLE = "color: #b3261e;"
NOTE_STYLE = "color: palette(mid);"


class SecondsSpinBox(QDoubleSpinBox):
    """Seconds with one decimal when it has one: "15 s", "2.5 s", as the config file writes them."""

    def textFromValue(self, value: float) -> str:
        return feed_rules.seconds_text(round(value, self.decimals()))


def plain_label(text: str = "", parent: QWidget | None = None) -> QLabel:
    """A QLabel that never interprets its text as HTML; feed errors quote remote text."""
    label = QLabel(parent)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setText(text)
    return label


def heading_label(text: str, parent: QWidget | None = None) -> QLabel:
    """A page's title: plain text, larger and bold."""
    label = plain_label(text, parent)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.3)
    font.setBold(True)
    label.setFont(font)
    return label


def message_label(style: str, name: str, parent: QWidget | None = None) -> QLabel:
    label = plain_label("", parent)
    label.setObjectName(name)
    label.setStyleSheet(style)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.hide()
    return label


def sentence(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def button(
    text: str, name: str, parent: QWidget, slot: Callable[[], object] | None = None
) -> QPushButton:
    """A push button that Enter in a form never presses by accident (not auto-default)."""
    pushed = QPushButton(text, parent)
    pushed.setObjectName(name)
    pushed.setAutoDefault(False)
    if slot is not None:
        pushed.clicked.connect(lambda _=False: slot())
    return pushed


def seconds_spin(parent: QWidget, name: str, maximum: float) -> SecondsSpinBox:
    """A seconds field with a wide range on purpose: a spin box would silently clamp a value,
    whereas the rules say what is wrong with it and what to use instead."""
    spin = SecondsSpinBox(parent)
    spin.setObjectName(name)
    spin.setDecimals(1)
    spin.setRange(0.0, maximum)
    spin.setSuffix(" s")
    spin.setSingleStep(5.0)
    spin.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    spin.setMinimumWidth(110)
    return spin
