"""What is pushed to the local receiver, read into core `Incoming` alerts; and alerts as JSON.

Pure functions, no I/O, so every rule about what we accept is tested without a
socket. Two wire formats come in:

- Shiftbell's own alert object (`shiftbell send`, scripts, cron jobs).
- Alertmanager's webhook payload, version "4"
  (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config).

Every error is a `PayloadError` whose message starts with the path of the field
that is wrong ("alerts[2].title: ..."), so a person can fix the sender. A whole
body is read before anything is returned: a bad item means nothing is merged.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from shiftbell.core.alert import Alert, Incoming, Severity
from shiftbell.core.errors import PayloadError
from shiftbell.sources.strict_fields import json_kind, optional_str, string_labels

_LOCAL_FIELDS = ("title", "severity", "summary", "url", "key", "status", "labels")
_LOCAL_STATUSES = ("firing", "resolved")


def _random_key() -> str:
    return uuid.uuid4().hex


# -- Shiftbell's own alert object ------------------------------------------------------------


def parse_local_alerts(body: object, *, new_key: Callable[[], str] = _random_key) -> list[Incoming]:
    """Read a POSTed body: one alert object, or a list of them (a batch of events).

    An alert without `key` gets a fresh one, so each send is a new alert; the
    same `key` again updates that alert; `"status": "resolved"` resolves it.
    """
    if isinstance(body, dict):
        return [_parse_local(body, "alert", new_key, key_required=False)]
    if isinstance(body, list):
        return [
            _parse_local(item, f"alerts[{index}]", new_key, key_required=False)
            for index, item in enumerate(body)
        ]
    raise PayloadError(
        f"request body: expected an alert object or a list of them, got {json_kind(body)}"
    )


def parse_local_snapshot(body: object) -> list[Incoming]:
    """Read a PUT body: the complete list of current local alerts, each with its `key`.

    Keys are required because the snapshot says which alerts still exist; an
    alert without one could never be matched with itself in the next snapshot.
    """
    if not isinstance(body, list):
        raise PayloadError(
            f"request body: expected the list of current alerts, got {json_kind(body)} "
            "(send [] to resolve them all)"
        )
    items: list[Incoming] = []
    first_index: dict[str, int] = {}
    for index, item in enumerate(body):
        incoming = _parse_local(item, f"alerts[{index}]", _random_key, key_required=True)
        if incoming.source_id in first_index:
            raise PayloadError(
                f"alerts[{index}].key: {incoming.source_id!r} is already used by "
                f"alerts[{first_index[incoming.source_id]}]; a snapshot lists each alert once"
            )
        first_index[incoming.source_id] = index
        items.append(incoming)
    return items


def _parse_local(
    item: object, where: str, new_key: Callable[[], str], *, key_required: bool
) -> Incoming:
    if not isinstance(item, dict):
        raise PayloadError(f"{where}: expected an alert object, got {json_kind(item)}")
    unknown = sorted(set(item) - set(_LOCAL_FIELDS))
    if unknown:
        # A typo such as "sevrity" would otherwise silently become a warning.
        raise PayloadError(
            f"{where}.{unknown[0]}: unknown field; the fields are {', '.join(_LOCAL_FIELDS)}"
        )
    title = item.get("title")
    if not isinstance(title, str) or not title.strip():
        raise PayloadError(f"{where}.title: required, a non-empty string")
    status = optional_str(item, "status", where) or "firing"
    if status not in _LOCAL_STATUSES:
        raise PayloadError(f"{where}.status: {status!r} is not one of firing, resolved")
    key = optional_str(item, "key", where)
    if item.get("key") is not None and not key.strip():
        raise PayloadError(f"{where}.key: must not be empty; leave it out for a new alert")
    if not key:
        if key_required:
            raise PayloadError(f"{where}.key: required, so the alert keeps its identity")
        if status == "resolved":
            raise PayloadError(f"{where}.key: required to resolve an alert (which one?)")
        key = new_key()
    severity_text = optional_str(item, "severity", where)
    try:
        severity = Severity.parse(severity_text) if severity_text else Severity.WARNING
    except PayloadError as exc:
        raise PayloadError(f"{where}.severity: {exc}") from None
    url = optional_str(item, "url", where).strip()
    if url and not url.lower().startswith(("http://", "https://")):
        # The window opens this link with one click: nothing but web pages.
        raise PayloadError(f"{where}.url: must start with http:// or https://")
    return Incoming(
        source_id=key,
        title=title.strip(),
        severity=severity,
        summary=optional_str(item, "summary", where),
        url=url,
        labels=string_labels(item.get("labels"), f"{where}.labels"),
        firing=status == "firing",
    )


# -- Alertmanager webhook --------------------------------------------------------------------


# -- alerts out ------------------------------------------------------------------------------


def alert_to_json(
    alert: Alert, level: int, snoozed_until: datetime | None = None
) -> dict[str, Any]:
    """An alert as the receiver's API and `shiftbell status --json` show it.

    Times are ISO 8601 with their UTC offset; `key` is the id the source knows the
    alert by (the `key` that was sent, or Alertmanager's fingerprint).
    """
    info = alert.ack_info
    return {
        "id": alert.id,
        "key": alert.key.source_id,
        "feed": alert.key.feed_id,
        "title": alert.title,
        "severity": alert.severity.value,
        "status": alert.status.value,
        "level": level,
        "source": alert.source,
        "summary": alert.summary,
        "url": alert.url,
        "labels": dict(alert.labels),
        # Every web link, as the details pane offers them (runbook, dashboard, the source's page).
        "links": [{"title": link.title, "url": link.url} for link in alert.web_links()],
        "started_at": _iso(alert.started_at),
        # Since when it has alarmed this time (a new stretch after an un-acknowledgement).
        "alarm_since": _iso(alert.alarm_since),
        "updated_at": _iso(alert.updated_at),
        "acknowledged_at": _iso(alert.acknowledged_at),
        "resolved_at": _iso(alert.resolved_at),
        # Whether the source knows of the acknowledgement yet (core.alert.AckDelivery).
        "ack_delivery": alert.ack_delivery.value,
        "ack_error": alert.ack_error,
        # What the source says of its acknowledgement: who, with what comment, until when
        # (an Alertmanager silence's createdBy, comment and endsAt).
        "acknowledged_by": info.by if info is not None else "",
        "ack_comment": info.comment if info is not None else "",
        "silenced_until": _iso(info.until if info is not None else None),
        # Until when the alert's own snooze holds its sound back (here, not at the source).
        "snoozed_until": _iso(snoozed_until),
    }


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the core keeps UTC; say so on the wire
    return when.isoformat()
