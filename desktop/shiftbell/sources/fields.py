"""Lenient reading of the vendors' JSON fields (PagerDuty, Opsgenie, Grafana OnCall, Gotify),
and the priority scale they share.

A field of the wrong type or shape reads as absent instead of failing the poll:
one odd field must not hide the whole alert list.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from shiftbell.core.alert import Severity

_PRIORITY = re.compile(r"^\s*P([1-5])\b", re.IGNORECASE)
_BY_PRIORITY = {
    "1": Severity.CRITICAL,
    "2": Severity.CRITICAL,
    "3": Severity.WARNING,
    "4": Severity.INFO,
    "5": Severity.INFO,
}


def iso_time(value: object) -> datetime | None:
    """An ISO 8601 time, timezone-aware (UTC when it names no zone); None if unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def priority_severity(text: str) -> Severity | None:
    """The P1..P5 scale PagerDuty, Opsgenie and OnCall payloads share: P1, P2 critical; P3
    warning; P4, P5 info ("P1 - Critical" reads as P1); None for anything else."""
    match = _PRIORITY.match(text)
    return _BY_PRIORITY[match.group(1)] if match else None


def member(value: object, key: str) -> Any:
    """`value[key]` when `value` is a JSON object that has it; None otherwise."""
    return value.get(key) if isinstance(value, dict) else None


def text_member(value: object, key: str) -> str:
    """`value[key]` when `value` is a JSON object whose `key` is text; "" otherwise."""
    found = member(value, key)
    return found if isinstance(found, str) else ""
