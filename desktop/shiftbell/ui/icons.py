"""The app's icons, loaded by name from resources/icons/, with a drawn stand-in if one is missing.

A missing or broken icon file must never leave the tray blank: an on-call tool
whose tray icon vanished looks exactly like one that quit. So every lookup
answers with something visible, a circle in the state's colour at worst.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from shiftbell.core.alert import Severity
from shiftbell.ui.resource_files import resource_dir

log = logging.getLogger(__name__)

# The colours of the generated SVGs (tools/make_icons.py), so placeholders and
# severity dots read the same as the real icons.
SEVERITY_COLOURS: dict[Severity, str] = {
    Severity.CRITICAL: "#e5322d",
    Severity.WARNING: "#f7a81b",
    Severity.INFO: "#3d8fe0",
}
_PLACEHOLDER_COLOURS: dict[str, str] = {
    "clear": "#c9ced6",
    "firing-info": SEVERITY_COLOURS[Severity.INFO],
    "firing-warning": SEVERITY_COLOURS[Severity.WARNING],
    "firing-critical": SEVERITY_COLOURS[Severity.CRITICAL],
    "acknowledged": "#2f9e44",
    "feed-error": "#f28c1e",
    "snoozed-info": "#7c5cd6",
    "snoozed-warning": "#7c5cd6",
    "snoozed-critical": "#7c5cd6",
    "shiftbell": "#f6c343",
}
_UNKNOWN_COLOUR = "#9aa1a9"
_PLACEHOLDER_SIZE = 64


def icons_dir() -> Path:
    """Where the icon files are: the installed package, else the source tree's resources/."""
    return resource_dir("icons")


def icon_path(name: str) -> Path | None:
    """The SVG for `name` (e.g. "firing-critical"), or None if it is not there."""
    path = icons_dir() / f"{name}.svg"
    return path if path.is_file() else None


@functools.cache
def icon(name: str) -> QIcon:
    """The icon called `name`, cached; a drawn placeholder if the file is missing or unreadable.

    Needs a QGuiApplication (it may draw).
    """
    path = icon_path(name)
    if path is not None:
        loaded = QIcon(str(path))
        if not loaded.isNull() and not loaded.pixmap(_PLACEHOLDER_SIZE).isNull():
            return loaded
        log.warning("icon %s could not be read; using a placeholder", path)
    else:
        log.info("icon %r not found in %s; using a placeholder", name, icons_dir())
    return placeholder_icon(name)


def placeholder_icon(name: str) -> QIcon:
    """A filled circle in the colour of the state `name`."""
    return QIcon(_dot(_PLACEHOLDER_COLOURS.get(name, _UNKNOWN_COLOUR), _PLACEHOLDER_SIZE))


@functools.cache
def severity_icon(severity: Severity) -> QIcon:
    """A small coloured dot for a severity, for table cells."""
    return QIcon(_dot(SEVERITY_COLOURS[severity], 16))


def status_dot(ok: bool) -> QPixmap:
    """A green or red dot for a feed status line."""
    return _dot("#2f9e44" if ok else SEVERITY_COLOURS[Severity.CRITICAL], 10)


def _dot(colour: str, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = QColor(colour)
        painter.setPen(fill.darker(130))
        painter.setBrush(fill)
        margin = max(size / 16, 1.0)
        painter.drawEllipse(QRectF(margin, margin, size - 2 * margin, size - 2 * margin))
    finally:
        painter.end()
    return pixmap
