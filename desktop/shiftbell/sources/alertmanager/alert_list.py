"""Alertmanager's API v2 alert list, read into Shiftbell's alerts; a wrong field names its
path in the list, so a person can tell which alert the server sent oddly."""

from __future__ import annotations

from datetime import UTC, datetime

from shiftbell.core.alert import Incoming
from shiftbell.sources.alertmanager.webhook import alertmanager_alert_text
from shiftbell.sources.strict_fields import json_kind


def parse_alerts(body: object) -> list[Incoming]:
    """Read `GET /api/v2/alerts`. Raises ValueError naming the field that is wrong.

    One unreadable alert fails the whole list: a snapshot without it would resolve it.
    """
    if not isinstance(body, list):
        raise ValueError(f"expected a list of alerts, got {json_kind(body)}")
    return [parse_alert(item, f"alerts[{index}]") for index, item in enumerate(body)]


def parse_alert(item: object, where: str) -> Incoming:
    if not isinstance(item, dict):
        raise ValueError(f"{where}: expected an alert object, got {json_kind(item)}")
    fingerprint = item.get("fingerprint")
    if not isinstance(fingerprint, str) or not fingerprint:
        raise ValueError(f"{where}.fingerprint: required, a string; got {json_kind(fingerprint)}")
    labels = string_map(item.get("labels"), f"{where}.labels")
    annotations = dict(string_map(item.get("annotations"), f"{where}.annotations"))
    text = alertmanager_alert_text(dict(labels), annotations, fingerprint)
    status = item.get("status")
    silenced_by = status.get("silencedBy") if isinstance(status, dict) else None
    url = item.get("generatorURL")
    # The window opens this link with one click: web pages only.
    if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
        url = ""
    return Incoming(
        source_id=fingerprint,
        title=text.title,
        severity=text.severity,
        summary=text.summary,
        url=url,
        labels=labels,
        firing=True,
        acknowledged=bool(silenced_by),
        started_at=rfc3339_or_none(item.get("startsAt"), f"{where}.startsAt"),
    )


def string_map(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected an object of strings, got {json_kind(value)}")
    for name, text in value.items():
        if not isinstance(text, str):
            raise ValueError(f"{where}.{name}: expected a string, got {json_kind(text)}")
    return tuple(sorted(value.items()))


def rfc3339_or_none(value: object, where: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{where}: expected an RFC 3339 time, got {json_kind(value)}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{where}: {value!r} is not an RFC 3339 time") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    if parsed.year <= 1:
        return None  # Go's zero time: not set
    return parsed.astimezone(UTC)
