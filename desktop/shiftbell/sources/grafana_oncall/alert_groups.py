"""Reading an OnCall alert group: its severity (OnCall has none of its own), title, text,
labels, link and state. A field of the wrong shape reads as absent, so one odd group never
hides the others."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any

from shiftbell.core.alert import Severity
from shiftbell.core.errors import PayloadError
from shiftbell.sources.fields import member, priority_severity

DEFAULT_SEVERITY = Severity.CRITICAL


class GroupState(StrEnum):
    """An alert group's state in OnCall, as the API names it."""

    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    SILENCED = "silenced"
    RESOLVED = "resolved"


_PERMALINK_ORDER = ("web", "slack_app", "slack", "telegram")


def severity_of(group: Mapping[str, Any], default: Severity = DEFAULT_SEVERITY) -> Severity:
    """The severity an alert group's labels or last payload name, else `default`."""
    for candidate in _severity_candidates(group):
        if candidate is not None:
            return candidate
    return default


def _severity_candidates(group: Mapping[str, Any]) -> Iterator[Severity | None]:
    yield _read_severity(_group_labels(group).get("severity"))
    payload = payload_of(group)
    yield _read_severity(_str_dict(payload.get("labels")).get("severity"))
    yield _read_severity(_str_dict(payload.get("commonLabels")).get("severity"))
    alerts = payload.get("alerts")
    if isinstance(alerts, list):
        found = [
            _read_severity(_str_dict(a.get("labels")).get("severity"))
            for a in alerts
            if isinstance(a, dict)
        ]
        known = [s for s in found if s is not None]
        yield max(known, key=lambda s: s.rank) if known else None
    yield _read_severity(payload.get("severity"))
    yield _read_severity(payload.get("priority"))


def _read_severity(value: Any) -> Severity | None:
    if not isinstance(value, str) or not value.strip():
        return None
    word = value.strip().lower()
    by_priority = priority_severity(word)
    if by_priority is not None:
        return by_priority
    try:
        return Severity.parse(word)
    except PayloadError:
        return None


def payload_of(group: Mapping[str, Any]) -> dict[str, Any]:
    last_alert = group.get("last_alert")
    payload = member(last_alert, "payload")
    return payload if isinstance(payload, dict) else {}


def _group_labels(group: Mapping[str, Any]) -> dict[str, str]:
    """OnCall's alert group labels: `[{"key": {"name": ..}, "value": {"name": ..}}]`."""
    labels: dict[str, str] = {}
    raw = group.get("labels")
    if not isinstance(raw, list):
        return labels
    for item in raw:
        if not isinstance(item, dict):
            continue
        key, value = item.get("key"), item.get("value")
        name = member(key, "name")
        text = member(value, "name")
        if isinstance(name, str) and isinstance(text, str):
            labels[name] = text
    return labels


def _str_dict(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str)}


def labels_of(group: Mapping[str, Any], payload: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    merged = _str_dict(payload.get("commonLabels")) or _str_dict(payload.get("labels"))
    merged.update(_group_labels(group))  # OnCall's own labels are the ones the team chose
    return tuple(sorted(merged.items()))


def title_of(group: Mapping[str, Any], payload: Mapping[str, Any]) -> str:
    for value in (
        group.get("title"),
        payload.get("title"),
        _str_dict(payload.get("commonLabels")).get("alertname"),
        _str_dict(payload.get("labels")).get("alertname"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return f"Alert group {group.get('id')}"


def summary_of(payload: Mapping[str, Any]) -> str:
    annotations = _str_dict(payload.get("commonAnnotations")) or _str_dict(
        payload.get("annotations")
    )
    alerts = payload.get("alerts")
    first_alert = alerts[0] if isinstance(alerts, list) and alerts else None
    first_annotations = (
        _str_dict(first_alert.get("annotations")) if isinstance(first_alert, dict) else {}
    )
    for value in (
        annotations.get("summary"),
        payload.get("message"),
        annotations.get("description"),
        first_annotations.get("summary"),
        first_annotations.get("description"),
    ):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def permalink_of(group: Mapping[str, Any]) -> str:
    links = group.get("permalinks")
    if not isinstance(links, dict):
        return ""
    for name in _PERMALINK_ORDER:
        value = links.get(name)
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            return value
    return ""


def state_of(value: Any, queried: GroupState) -> GroupState:
    try:
        return GroupState(value)
    except ValueError:
        return queried  # a state this code does not know: trust the filter that found it
