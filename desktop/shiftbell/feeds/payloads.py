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

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shiftbell.core.alert import Alert, Incoming, Severity
from shiftbell.core.errors import PayloadError

ALERTMANAGER_WEBHOOK_VERSION = "4"

# The API's fixed points, here rather than in local.py so the CLI can use them
# without importing aiohttp.
RECEIVER_HOST = "127.0.0.1"
DEFAULT_RECEIVER_PORT = 8974
# `shiftbell` sends this User-Agent, so acknowledgements made from the command
# line are recorded as such in the history.
CLI_USER_AGENT_PREFIX = "shiftbell-cli/"

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
    status = _optional_str(item, "status", where) or "firing"
    if status not in _LOCAL_STATUSES:
        raise PayloadError(f"{where}.status: {status!r} is not one of firing, resolved")
    key = _optional_str(item, "key", where)
    if item.get("key") is not None and not key.strip():
        raise PayloadError(f"{where}.key: must not be empty; leave it out for a new alert")
    if not key:
        if key_required:
            raise PayloadError(f"{where}.key: required, so the alert keeps its identity")
        if status == "resolved":
            raise PayloadError(f"{where}.key: required to resolve an alert (which one?)")
        key = new_key()
    severity_text = _optional_str(item, "severity", where)
    try:
        severity = Severity.parse(severity_text) if severity_text else Severity.WARNING
    except PayloadError as exc:
        raise PayloadError(f"{where}.severity: {exc}") from None
    url = _optional_str(item, "url", where).strip()
    if url and not url.lower().startswith(("http://", "https://")):
        # The window opens this link with one click: nothing but web pages.
        raise PayloadError(f"{where}.url: must start with http:// or https://")
    return Incoming(
        source_id=key,
        title=title.strip(),
        severity=severity,
        summary=_optional_str(item, "summary", where),
        url=url,
        labels=_labels(item.get("labels"), f"{where}.labels"),
        firing=status == "firing",
    )


# -- Alertmanager webhook --------------------------------------------------------------------


@dataclass(frozen=True)
class WebhookBatch:
    """One Alertmanager webhook notification: a group of alerts, firing and resolved mixed.

    `truncated_alerts` is how many alerts Alertmanager left out (its `max_alerts`).
    """

    receiver: str
    external_url: str
    truncated_alerts: int
    items: tuple[Incoming, ...]


def parse_alertmanager_webhook(body: object) -> WebhookBatch:
    """Read an Alertmanager webhook payload (version "4").

    Each alert's own `status` counts, not the group's: a group that is still
    "firing" can carry alerts that resolved. Fields Alertmanager does not send
    (Grafana's `values`, `silenceURL`, ...) are ignored.
    """
    if not isinstance(body, dict):
        raise PayloadError(f"request body: expected a webhook object, got {json_kind(body)}")
    version = body.get("version")
    if version != ALERTMANAGER_WEBHOOK_VERSION:
        got = "no version" if version is None else f"version {json.dumps(version)}"
        raise PayloadError(
            f"version: this endpoint accepts Alertmanager webhook payloads with version "
            f'"{ALERTMANAGER_WEBHOOK_VERSION}", got {got}'
        )
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError(f"alerts: required, a list of alerts; got {json_kind(alerts)}")
    truncated = body.get("truncatedAlerts", 0)
    if not isinstance(truncated, int) or isinstance(truncated, bool):
        truncated = 0
    return WebhookBatch(
        receiver=_optional_str(body, "receiver", ""),
        external_url=_optional_str(body, "externalURL", ""),
        truncated_alerts=truncated,
        items=tuple(
            _parse_webhook_alert(alert, f"alerts[{index}]") for index, alert in enumerate(alerts)
        ),
    )


def _parse_webhook_alert(item: object, where: str) -> Incoming:
    if not isinstance(item, dict):
        raise PayloadError(f"{where}: expected an alert object, got {json_kind(item)}")
    status = item.get("status")
    if status not in _LOCAL_STATUSES:
        raise PayloadError(f"{where}.status: required, firing or resolved; got {json_kind(status)}")
    labels = _labels(item.get("labels"), f"{where}.labels")
    annotations = dict(_labels(item.get("annotations"), f"{where}.annotations"))
    fingerprint = _optional_str(item, "fingerprint", where) or _labels_fingerprint(labels)
    text = alertmanager_alert_text(dict(labels), annotations, fingerprint)
    return Incoming(
        source_id=fingerprint,
        title=text.title,
        severity=text.severity,
        summary=text.summary,
        url=_optional_str(item, "generatorURL", where).strip(),
        labels=labels,
        firing=status == "firing",
        started_at=_timestamp(item.get("startsAt"), f"{where}.startsAt"),
    )


@dataclass(frozen=True)
class AlertmanagerText:
    """What a person reads about one Alertmanager alert."""

    title: str
    summary: str
    severity: Severity


def alertmanager_alert_text(
    labels: Mapping[str, str], annotations: Mapping[str, str], fingerprint: str
) -> AlertmanagerText:
    """Title, text and severity of an Alertmanager alert, from its webhook or its API v2 list.

    One rule for both, so an alert reads the same whether Alertmanager pushed it
    or the feed polled it. The title is the `summary` annotation, else
    "<alertname> on <instance>" (else the fingerprint); the text is the
    `description` annotation; severity comes from the `severity` label.
    """
    title = annotations.get("summary", "").strip()
    summary = annotations.get("description", "").strip()
    if not title:
        title = labels.get("alertname", "").strip() or f"Alertmanager alert {fingerprint}"
        if instance := labels.get("instance", "").strip():
            title = f"{title} on {instance}"
    return AlertmanagerText(
        title=title, summary=summary, severity=severity_from_label(labels.get("severity"))
    )


def severity_from_label(value: str | None) -> Severity:
    """Map a Prometheus `severity` label; a missing or unfamiliar one counts as warning.

    Rules are written by many teams with their own words (critical, page, error,
    warning, info, none, P1...). Rejecting the alert over its label would lose it,
    so anything we cannot read is a warning: it still makes a sound.
    """
    if value is None or not value.strip():
        return Severity.WARNING
    try:
        return Severity.parse(value)
    except PayloadError:
        return Severity.WARNING


def _labels_fingerprint(labels: tuple[tuple[str, str], ...]) -> str:
    """Stand-in for a missing fingerprint: stable for the same label set, like Alertmanager's."""
    raw = json.dumps(sorted(labels), separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()[:16]


def _timestamp(value: object, where: str) -> datetime | None:
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


# -- shared field readers --------------------------------------------------------------------


def _optional_str(item: Mapping[str, object], name: str, where: str) -> str:
    value = item.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        path = f"{where}.{name}" if where else name
        raise PayloadError(f"{path}: expected a string, got {json_kind(value)}")
    return value


def _labels(value: object, where: str) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise PayloadError(f"{where}: expected an object of string values, got {json_kind(value)}")
    for name, text in value.items():
        if not isinstance(text, str):
            raise PayloadError(f"{where}.{name}: expected a string, got {json_kind(text)}")
    return tuple(sorted(value.items()))


def json_kind(value: object) -> str:
    """What a parsed JSON value is, in the words a message about a bad payload uses."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# -- alerts out ------------------------------------------------------------------------------


def alert_to_json(alert: Alert, level: int) -> dict[str, Any]:
    """An alert as the receiver's API and `shiftbell status --json` show it.

    Times are ISO 8601 with their UTC offset; `key` is the id the source knows the
    alert by (the `key` that was sent, or Alertmanager's fingerprint).
    """
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
        "started_at": _iso(alert.started_at),
        "updated_at": _iso(alert.updated_at),
        "acknowledged_at": _iso(alert.acknowledged_at),
        "resolved_at": _iso(alert.resolved_at),
        # Whether the source knows of the acknowledgement yet (core.alert.AckDelivery).
        "ack_delivery": alert.ack_delivery.value,
        "ack_error": alert.ack_error,
    }


def _iso(when: datetime | None) -> str | None:
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the core keeps UTC; say so on the wire
    return when.isoformat()
