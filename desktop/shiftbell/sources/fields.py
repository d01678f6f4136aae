"""Lenient reading of the vendors' JSON fields (PagerDuty, Opsgenie, Grafana OnCall).

A field of the wrong type or shape reads as absent instead of failing the poll:
one odd field must not hide the whole alert list.
"""

from __future__ import annotations

from datetime import UTC, datetime


def iso_time(value: object) -> datetime | None:
    """An ISO 8601 time, timezone-aware (UTC when it names no zone); None if unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
