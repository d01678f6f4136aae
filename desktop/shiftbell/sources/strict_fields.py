"""Strict readers for JSON that is pushed to Shiftbell: a wrong field is an error naming its path.

The local receiver's own alert object and Alertmanager's webhook are read with these, so a
sender learns exactly what to fix ("alerts[2].labels.team: expected a string, got a number")
instead of an alert going missing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from types import UnionType

from shiftbell.core.errors import PayloadError


def rfc3339_time(value: object, where: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise PayloadError(f"{where}: expected an RFC 3339 time string, got {json_kind(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise PayloadError(f"{where}: {value!r} is not an RFC 3339 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed.year <= 1:
        return None  # Go's zero time: "not set"
    return parsed.astimezone(UTC)


def optional_str(item: Mapping[str, object], name: str, where: str) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        path = f"{where}.{name}" if where else name
        raise PayloadError(f"{path}: expected a string, got {json_kind(value)}")
    return value


def string_labels(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise PayloadError(f"{where}: expected an object of string values, got {json_kind(value)}")
    for name, text in value.items():
        if not isinstance(text, str):
            raise PayloadError(f"{where}.{name}: expected a string, got {json_kind(text)}")
    return tuple(sorted(value.items()))


# Most specific first: a bool is an int to isinstance.
_JSON_KINDS: tuple[tuple[type | UnionType, str], ...] = (
    (type(None), "null"),
    (bool, "true/false"),
    (int | float, "a number"),
    (str, "a string"),
    (list, "a list"),
    (dict, "an object"),
)


def json_kind(value: object) -> str:
    """What a parsed JSON value is, in the words a message about a bad payload uses."""
    return next(
        (word for kind, word in _JSON_KINDS if isinstance(value, kind)), type(value).__name__
    )
