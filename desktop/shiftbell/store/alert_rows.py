"""Alerts and their events as rows of the alert database, and back; a row that reads oddly
reads as its nearest meaning instead of failing the whole list."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from shiftbell.core.alert import AckDelivery, AckInfo, Alert, AlertKey, Link, Severity, Status

log = logging.getLogger(__name__)

ALERT_COLUMNS = (
    "id, feed_id, source_id, title, severity, status, started_at, alarm_since, updated_at, "
    "source, summary, url, labels, acknowledged_at, resolved_at, ack_delivery, ack_error, links, "
    "ack_info"
)


UPSERT_ALERT = (
    f"INSERT OR REPLACE INTO alerts ({ALERT_COLUMNS}, history_us) "
    f"VALUES ({', '.join('?' * (ALERT_COLUMNS.count(',') + 2))})"
)


class EventKind(StrEnum):
    """What happened to an alert, as the audit trail records it."""

    FIRED = "fired"  # appeared, or fired again after an acknowledgement (it got worse)
    UPDATED = "updated"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class AlertEvent:
    """One line of an alert's audit trail; `at` is the alert's own change time."""

    alert_id: str
    at: datetime
    kind: EventKind
    via: str


def event_kinds(alert: Alert, new: bool) -> list[EventKind]:
    """Which events one alert in a Changes stands for (`new`: one of its `new` alerts).

    The board stamps `acknowledged_at` and `updated_at` with the same instant when it
    acknowledges, and `alarm_since` and `updated_at` when an acknowledged alert fires
    again, so equal times tell those apart from ordinary updates.
    """
    if new:
        if alert.status is Status.ACKNOWLEDGED:  # arrived already acknowledged at its source
            return [EventKind.FIRED, EventKind.ACKNOWLEDGED]
        return [EventKind.FIRED]
    if alert.status is Status.RESOLVED:
        return [EventKind.RESOLVED]
    if alert.status is Status.ACKNOWLEDGED and alert.acknowledged_at == alert.updated_at:
        return [EventKind.ACKNOWLEDGED]
    if alert.status is Status.FIRING and alert.alarm_since == alert.updated_at:
        return [EventKind.FIRED]
    return [EventKind.UPDATED]


def alert_row(alert: Alert) -> tuple[object, ...]:
    stamp = alert.resolved_at or alert.acknowledged_at or alert.updated_at
    return (
        alert.id,
        alert.key.feed_id,
        alert.key.source_id,
        alert.title,
        alert.severity.value,
        alert.status.value,
        alert.started_at.isoformat(),
        alert.alarm_since.isoformat(),
        alert.updated_at.isoformat(),
        alert.source,
        alert.summary,
        alert.url,
        json.dumps([list(pair) for pair in alert.labels], ensure_ascii=False),
        iso_or_none(alert.acknowledged_at),
        iso_or_none(alert.resolved_at),
        alert.ack_delivery.value,
        alert.ack_error,
        json.dumps([[link.title, link.url] for link in alert.links], ensure_ascii=False),
        _ack_info_text(alert.ack_info),
        utc_microseconds(stamp),
    )


def alerts_from(rows: list[tuple[object, ...]]) -> list[Alert]:
    alerts: list[Alert] = []
    for row in rows:
        try:
            alerts.append(alert_from(row))
        except (ValueError, TypeError) as exc:
            # One unreadable row (an old bug, a hand edit) must not hide all the others.
            log.error("skipping alert %r in the database: cannot read it (%s)", row[0], exc)
    return alerts


def alert_from(row: tuple[object, ...]) -> Alert:
    (aid, feed_id, source_id, title, severity, status, started, alarm_since, updated) = row[:9]
    source, summary, url, labels, acknowledged, resolved, delivery, ack_error, links = row[9:18]
    ack_info = row[18]
    pairs = _text_pairs(labels, "labels")
    return Alert(
        id=text_of(aid),
        key=AlertKey(text_of(feed_id), text_of(source_id)),
        title=text_of(title),
        severity=Severity(text_of(severity)),
        status=Status(text_of(status)),
        started_at=datetime.fromisoformat(text_of(started)),
        alarm_since=datetime.fromisoformat(text_of(alarm_since)),
        updated_at=datetime.fromisoformat(text_of(updated)),
        source=text_of(source),
        summary=text_of(summary),
        url=text_of(url),
        labels=tuple((name, value) for name, value in pairs),
        links=tuple(Link(title, link) for title, link in _links(links, aid)),
        acknowledged_at=datetime_or_none(acknowledged),
        resolved_at=datetime_or_none(resolved),
        ack_delivery=_delivery(delivery, aid),
        ack_error=text_of(ack_error),
        ack_info=_ack_info(ack_info, aid),
    )


def _text_pairs(value: object, what: str) -> list[list[str]]:
    pairs = json.loads(text_of(value))
    if not isinstance(pairs, list) or not all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(s, str) for s in p) for p in pairs
    ):
        raise ValueError(f"{what} are not a list of [name, value] pairs: {value!r}")
    return pairs


def _links(value: object, alert_id: object) -> list[list[str]]:
    # Lenient: the links are extras; an alert without them still rings and acknowledges.
    try:
        return _text_pairs(value, "links")
    except (ValueError, TypeError) as exc:
        log.warning("alert %r: cannot read its links (%s), showing none", alert_id, exc)
        return []


def _ack_info_text(info: AckInfo | None) -> str:
    if info is None:
        return ""
    until = info.until.isoformat() if info.until is not None else None
    data: dict[str, object] = {"by": info.by, "comment": info.comment, "until": until}
    if info.resolve:
        data["resolve"] = True
    return json.dumps(data, ensure_ascii=False)


def _ack_info(value: object, alert_id: object) -> AckInfo | None:
    # Lenient, like the links: what the source said of it is an extra.
    if not value:
        return None
    try:
        data = json.loads(text_of(value))
        until = data.get("until")
        return AckInfo(
            by=str(data.get("by", "")),
            comment=str(data.get("comment", "")),
            until=datetime.fromisoformat(until) if isinstance(until, str) else None,
            resolve=data.get("resolve") is True,
        )
    except (ValueError, TypeError, AttributeError) as exc:
        log.warning("alert %r: cannot read who acknowledged it (%s)", alert_id, exc)
        return None


def _delivery(value: object, alert_id: object) -> AckDelivery:
    # Lenient: an unknown value (a newer Shiftbell's) must not hide the alert itself.
    try:
        return AckDelivery(text_of(value))
    except (ValueError, TypeError):
        log.warning(
            "alert %r: unknown acknowledgement delivery %r, reading it as none", alert_id, value
        )
        return AckDelivery.NONE


def text_of(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected text, found {value!r}")
    return value


def iso_or_none(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def datetime_or_none(value: object) -> datetime | None:
    return None if value is None else datetime.fromisoformat(text_of(value))


def utc_microseconds(when: datetime) -> int:
    # Alerts carry aware times; a naive one (a feed's bug) is taken as UTC rather than
    # as local time, so the order does not depend on the machine's zone.
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return (aware - _EPOCH) // timedelta(microseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
