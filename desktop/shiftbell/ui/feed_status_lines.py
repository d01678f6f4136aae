"""The window's feed status lines in words, and emptying a layout of them."""

from __future__ import annotations

from datetime import datetime, tzinfo

from PySide6.QtWidgets import QHBoxLayout, QVBoxLayout

from shiftbell.core.feed_status import FeedStatus


def feed_status_text(
    status: FeedStatus, now: datetime | None = None, tz: tzinfo | None = None
) -> str:
    """One status line, e.g. "Local receiver: ok — listening on … · since 12:00"."""
    text = f"{status.name}: {'ok' if status.ok else 'error'}"
    message = " ".join(status.message.split())
    if message:
        text += f" — {message}"
    if status.since is not None:
        text += f" · since {_short_time(status.since, now, tz)}"
    if not status.ok:
        if status.last_contact is not None:
            text += f" · last contact {_short_time(status.last_contact, now, tz)}"
        else:
            text += " · never reached"
    return text


def _short_time(when: datetime, now: datetime | None, tz: tzinfo | None) -> str:
    """Time of day if it is today, date and time otherwise."""
    local = when.astimezone(tz)
    if now is not None and now.astimezone(tz).date() == local.date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def clear_layout(layout: QVBoxLayout | QHBoxLayout) -> None:
    """Remove and delete everything in a layout, nested layouts included."""
    while (item := layout.takeAt(0)) is not None:
        widget = item.widget()
        if widget is not None:
            widget.setObjectName("")  # findChildren must not see it before deleteLater runs
            widget.hide()
            widget.deleteLater()
        child = item.layout()
        if child is not None:
            clear_layout(child)  # type: ignore[arg-type]
            child.deleteLater()
