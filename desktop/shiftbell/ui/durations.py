"""Lengths of time as a person says them, for the window's ages and the history."""

from __future__ import annotations

from datetime import timedelta


def format_age(elapsed: timedelta) -> str:
    """How long ago, the way a person says it: "< 1 min", "2 min", "3 h 5 min", "2 d 4 h"."""
    minutes = int(elapsed.total_seconds() // 60)
    if minutes < 1:
        return "< 1 min"
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def duration_words(length: timedelta | None) -> str:
    """ "45 s" under a minute (how fast an acknowledgement came counts), else format_age's
    words; "" for none."""
    if length is None:
        return ""
    if length < timedelta(minutes=1):
        return f"{max(int(length.total_seconds()), 0)} s"
    return format_age(length)
