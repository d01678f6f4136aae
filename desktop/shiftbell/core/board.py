"""AlertBoard: the one in-memory truth about which alerts exist and in what state.

Feeds report `Incoming` alerts either one at a time (push sources, the local
receiver) or as a full snapshot (polling sources). The board merges them and
answers with `Changes`, which is all the UI and the store need to react.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from shiftbell.core.alert import (
    AckDelivery,
    AckInfo,
    Alert,
    AlertKey,
    Incoming,
    Status,
    alert_id_for,
)
from shiftbell.core.errors import UnknownAlertError


@dataclass(frozen=True)
class Changes:
    """What one merge did. Each alert appears in at most one of the three lists."""

    new: tuple[Alert, ...] = ()
    updated: tuple[Alert, ...] = ()
    resolved: tuple[Alert, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.new or self.updated or self.resolved)

    @property
    def all(self) -> tuple[Alert, ...]:
        return self.new + self.updated + self.resolved

    def __add__(self, other: Changes) -> Changes:
        return Changes(
            self.new + other.new, self.updated + other.updated, self.resolved + other.resolved
        )

    @classmethod
    def join(cls, parts: Iterable[Changes]) -> Changes:
        """All of `parts` in order; linear, where `+=` in a loop is quadratic (storms)."""
        new: list[Alert] = []
        updated: list[Alert] = []
        resolved: list[Alert] = []
        for part in parts:
            new += part.new
            updated += part.updated
            resolved += part.resolved
        return cls(tuple(new), tuple(updated), tuple(resolved))


class AlertBoard:
    """Active alerts keyed by `AlertKey`; resolved ones leave the board (history keeps them)."""

    def __init__(self, active: Iterable[Alert] = ()) -> None:
        self._by_key: dict[AlertKey, Alert] = {}
        # By id too, and the sorted list kept until something changes: with thousands of
        # alerts, the 4 Hz tick and every acknowledgement read them.
        self._key_of: dict[str, AlertKey] = {}
        self._sorted: list[Alert] | None = None
        for alert in active:
            if alert.is_active:
                self._put(alert)

    # -- reading -----------------------------------------------------------------------------

    def active(self) -> list[Alert]:
        """Active alerts, most urgent first: firing before acknowledged, then by severity."""
        if self._sorted is None:
            self._sorted = sorted(
                self._by_key.values(),
                key=lambda a: (
                    a.status is not Status.FIRING,
                    -a.severity.rank,
                    a.started_at,
                    a.id,
                ),
            )
        return list(self._sorted)

    def get(self, alert_id: str) -> Alert | None:
        key = self._key_of.get(alert_id)
        return self._by_key.get(key) if key is not None else None

    def _put(self, alert: Alert) -> None:
        old = self._by_key.get(alert.key)
        if old is not None and old.id != alert.id:
            self._key_of.pop(old.id, None)
        self._by_key[alert.key] = alert
        self._key_of[alert.id] = alert.key
        self._sorted = None

    def _pop(self, key: AlertKey) -> Alert:
        alert = self._by_key.pop(key)
        self._key_of.pop(alert.id, None)
        self._sorted = None
        return alert

    def __len__(self) -> int:
        return len(self._by_key)

    # -- merging -----------------------------------------------------------------------------

    def merge_event(
        self, feed_id: str, incoming: Incoming, now: datetime, source: str = ""
    ) -> Changes:
        """Merge one alert reported by a push feed."""
        return self._merge_one(AlertKey(feed_id, incoming.source_id), incoming, now, source)

    def merge_snapshot(
        self, feed_id: str, incoming: Sequence[Incoming], now: datetime, source: str = ""
    ) -> Changes:
        """Merge a feed's complete list of current alerts: any of its alerts not in it resolved."""
        parts: list[Changes] = []
        seen: set[AlertKey] = set()
        for item in incoming:
            key = AlertKey(feed_id, item.source_id)
            seen.add(key)
            if changed := self._merge_one(key, item, now, source):
                parts.append(changed)
        gone = [k for k in self._by_key if k.feed_id == feed_id and k not in seen]
        parts.append(Changes(resolved=tuple(self._resolve(key, now) for key in sorted(gone))))
        return Changes.join(parts)

    def _merge_one(self, key: AlertKey, item: Incoming, now: datetime, source: str) -> Changes:
        current = self._by_key.get(key)
        if not item.firing:
            if current is None:
                return Changes()
            return Changes(resolved=(self._resolve(key, now),))
        if current is None:
            started = item.started_at or now
            status = Status.ACKNOWLEDGED if item.acknowledged else Status.FIRING
            delivery = AckDelivery.CONFIRMED if item.acknowledged else AckDelivery.NONE
            alert = Alert(
                id=alert_id_for(key, started),
                key=key,
                title=item.title,
                severity=item.severity,
                status=status,
                started_at=started,
                alarm_since=now,
                updated_at=now,
                source=source,
                summary=item.summary,
                url=item.url,
                labels=item.labels,
                links=item.links,
                ack_info=item.ack_info,
                acknowledged_at=now if item.acknowledged else None,
                ack_delivery=delivery,
            )
            self._put(alert)
            return Changes(new=(alert,))
        if _as_before(current, item, source):
            return Changes()  # most of every poll: a copy to compare would cost 16 µs each
        merged = replace(
            current,
            title=item.title,
            severity=item.severity,
            summary=item.summary,
            url=item.url,
            labels=item.labels,
            links=item.links,
            ack_info=item.ack_info,
            source=source or current.source,
        )
        source_dropped_ack = (
            current.status is Status.ACKNOWLEDGED
            and current.ack_delivery is AckDelivery.CONFIRMED
            and not item.acknowledged
        )
        if current.status is Status.ACKNOWLEDGED and (
            item.severity.rank > current.severity.rank or source_dropped_ack
        ):
            # An acknowledged alert that gets worse must wake the person again; so must one
            # whose acknowledgement the source confirmed and has since dropped (an expired
            # Alertmanager silence, a PagerDuty acknowledgement timeout). Not one still being
            # sent: the source cannot know of it yet.
            merged = replace(
                merged,
                status=Status.FIRING,
                acknowledged_at=None,
                alarm_since=now,
                ack_delivery=AckDelivery.NONE,
                ack_error="",
            )
        elif current.status is Status.FIRING and item.acknowledged:
            # Acknowledged at the source by someone: the source knows, by definition.
            merged = replace(
                merged,
                status=Status.ACKNOWLEDGED,
                acknowledged_at=now,
                ack_delivery=AckDelivery.CONFIRMED,
            )
        if merged == current:
            return Changes()
        merged = replace(merged, updated_at=now)
        self._put(merged)
        return Changes(updated=(merged,))

    def _resolve(self, key: AlertKey, now: datetime) -> Alert:
        alert = replace(self._pop(key), status=Status.RESOLVED, resolved_at=now, updated_at=now)
        return alert

    # -- acknowledging -----------------------------------------------------------------------

    def acknowledge(self, alert_id: str, now: datetime, comment: str = "") -> Changes:
        """Acknowledge one alert, with the person's `comment` for its source (an
        Alertmanager silence's comment). Acknowledging an acknowledged alert changes nothing."""
        alert = self.get(alert_id)
        if alert is None:
            raise UnknownAlertError(f"no active alert with id {alert_id!r}")
        return self._acknowledge(alert, now, comment)

    def acknowledge_all(self, now: datetime) -> Changes:
        return Changes.join([self._acknowledge(alert, now) for alert in self.active()])

    def _acknowledge(self, alert: Alert, now: datetime, comment: str = "") -> Changes:
        if alert.status is not Status.FIRING:
            return Changes()
        acked = replace(alert, status=Status.ACKNOWLEDGED, acknowledged_at=now, updated_at=now)
        if comment.strip():
            # Shown at once; the source's own word replaces it once it has the acknowledgement.
            acked = replace(acked, ack_info=AckInfo(comment=comment.strip()))
        self._put(acked)
        return Changes(updated=(acked,))

    def silence(self, alert_id: str, now: datetime, until: datetime, comment: str = "") -> Changes:
        """Acknowledge one alert until `until` at its source (an Alertmanager silence of that
        length), acknowledged already or not: the person chose how long, and why."""
        alert = self.get(alert_id)
        if alert is None:
            raise UnknownAlertError(f"no active alert with id {alert_id!r}")
        return self._ask_source(alert, now, AckInfo(comment=comment.strip(), until=until))

    def resolve(self, alert_id: str, now: datetime, comment: str = "", *, here: bool) -> Changes:
        """Resolve one alert: `here` at once (Shiftbell's own, sent with `shiftbell send`);
        otherwise ask its source, and hold it acknowledged until the source drops it."""
        alert = self.get(alert_id)
        if alert is None:
            raise UnknownAlertError(f"no active alert with id {alert_id!r}")
        if here:
            return Changes(resolved=(self._resolve(alert.key, now),))
        return self._ask_source(alert, now, AckInfo(comment=comment.strip(), resolve=True))

    def _ask_source(self, alert: Alert, now: datetime, asked: AckInfo) -> Changes:
        """Acknowledged here while the source is asked for more (`asked`: a silence of a
        chosen length, or resolving), acknowledged already or not."""
        held = replace(
            alert,
            status=Status.ACKNOWLEDGED,
            acknowledged_at=alert.acknowledged_at or now,
            updated_at=now,
            ack_delivery=AckDelivery.NONE,
            ack_error="",
            ack_info=asked,
        )
        self._put(held)
        return Changes(updated=(held,))

    def unacknowledge(self, alert_id: str, now: datetime) -> Changes:
        """Put an acknowledged alert back to firing; its escalation starts over."""
        alert = self.get(alert_id)
        if alert is None:
            raise UnknownAlertError(f"no active alert with id {alert_id!r}")
        if alert.status is not Status.ACKNOWLEDGED:
            return Changes()
        firing = replace(
            alert,
            status=Status.FIRING,
            acknowledged_at=None,
            alarm_since=now,
            updated_at=now,
            ack_delivery=AckDelivery.NONE,
            ack_error="",
        )
        self._put(firing)
        return Changes(updated=(firing,))

    def set_ack_delivery(
        self, alert_id: str, delivery: AckDelivery, error: str, now: datetime
    ) -> Changes:
        """Record how the acknowledgement of an alert stands at its source."""
        alert = self.get(alert_id)
        if alert is None or (alert.ack_delivery, alert.ack_error) == (delivery, error):
            return Changes()
        updated = replace(alert, ack_delivery=delivery, ack_error=error, updated_at=now)
        self._put(updated)
        return Changes(updated=(updated,))


def _as_before(current: Alert, item: Incoming, source: str) -> bool:
    """Whether `item` tells nothing new of `current`: the same text and labels, and no change
    of acknowledgement (by the source, or dropped by it) for the merge to make."""
    if current.status is Status.FIRING and item.acknowledged:
        return False
    if (
        current.status is Status.ACKNOWLEDGED
        and current.ack_delivery is AckDelivery.CONFIRMED
        and not item.acknowledged
    ):
        return False
    return (
        item.title == current.title
        and item.severity is current.severity
        and item.summary == current.summary
        and item.url == current.url
        and item.labels == current.labels
        and item.links == current.links
        and item.ack_info == current.ack_info
        and (source or current.source) == current.source
    )
