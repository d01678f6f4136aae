"""Snooze: silence what is firing now, for a while, and nothing else.

A snooze pressed at 03:25 for 15 minutes covers the alerts that were firing at
03:25, each at the severity it had then and in the alarm stretch it was in. An
alert that starts firing afterwards, fires again after an acknowledgement ran
out, or rises in severity is not covered: it alarms at once. A snooze whose
alerts have all stopped firing is over.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from shiftbell.core.alert import Alert, Severity, Status


@dataclass(frozen=True)
class SnoozedAlert:
    """One covered alert: which one, which alarm stretch, and how severe it was."""

    alert_id: str
    alarm_since: datetime
    severity: Severity


@dataclass(frozen=True)
class Snooze:
    """`until` is the wall time people read ("until 03:40") and the one kept across
    restarts; `steady_until` is when it ends on the steady clock, which decides while
    the app runs, so a wall clock that steps does not stretch or cut it."""

    until: datetime
    covered: tuple[SnoozedAlert, ...] = ()
    steady_until: datetime | None = field(default=None, compare=False)

    @classmethod
    def of(
        cls, alerts: Iterable[Alert], until: datetime, steady_until: datetime | None = None
    ) -> Snooze:
        """A snooze of every alert firing now."""
        return cls(
            until,
            tuple(
                SnoozedAlert(a.id, a.alarm_since, a.severity)
                for a in alerts
                if a.status is Status.FIRING
            ),
            steady_until,
        )

    def timed(self, now: datetime, steady: datetime) -> Snooze:
        """This snooze tied to the steady clock (one read back from disk is not)."""
        if self.steady_until is not None:
            return self
        return replace(self, steady_until=steady + (self.until - now))

    def over(self, now: datetime, steady: datetime | None = None) -> bool:
        if self.steady_until is not None and steady is not None:
            return steady >= self.steady_until
        return now >= self.until

    def covers(self, alert: Alert, now: datetime, steady: datetime | None = None) -> bool:
        """Whether the snooze holds this alert's sound back at `now`."""
        if self.over(now, steady) or alert.status is not Status.FIRING:
            return False
        held = self._by_id.get(alert.id)
        return (
            held is not None
            and held.alarm_since == alert.alarm_since
            and alert.severity.rank <= held.severity.rank
        )

    @cached_property
    def _by_id(self) -> dict[str, SnoozedAlert]:
        # Asked for every firing alert at every tick: a lookup, not a scan (storms).
        return {c.alert_id: c for c in self.covered}

    def holding(
        self, alerts: Sequence[Alert], now: datetime, steady: datetime | None = None
    ) -> list[Alert]:
        """The alerts it silences right now; none means the snooze is over."""
        return [a for a in alerts if self.covers(a, now, steady)]


class AlertSnoozes:
    """Each alert's own snooze ("this one, for an hour"), by alert id.

    It holds back that alert's sound until its time is up, then the alert alarms again by
    itself, from where its escalation was. Like the snooze of everything, it ends early when
    the alert stops firing or gets worse, and never covers a later occurrence.
    """

    def __init__(self, snoozes: Mapping[str, Snooze] | None = None) -> None:
        self.by_id: dict[str, Snooze] = dict(snoozes or {})

    def timed(self, now: datetime, steady: datetime) -> AlertSnoozes:
        return AlertSnoozes({i: s.timed(now, steady) for i, s in self.by_id.items()})

    def snooze(self, alert: Alert, until: datetime, steady_until: datetime) -> Snooze | None:
        """Snooze `alert` until then; None (nothing done) unless it fires."""
        snooze = Snooze.of([alert], until, steady_until)
        if not snooze.covered:
            return None
        self.by_id[alert.id] = snooze
        return snooze

    def end(self, alert_id: str) -> bool:
        return self.by_id.pop(alert_id, None) is not None

    def until(self, alert_id: str) -> datetime | None:
        snooze = self.by_id.get(alert_id)
        return snooze.until if snooze is not None else None

    def prune(
        self, active: Sequence[Alert], now: datetime, steady: datetime | None = None
    ) -> list[str]:
        """Forget the snoozes that hold nothing back any more; returns their alert ids."""
        if not self.by_id:
            return []  # asked at every tick: no index of 10,000 alerts for nothing
        by_id = {a.id: a for a in active}
        over = [
            alert_id
            for alert_id, snooze in self.by_id.items()
            if alert_id not in by_id or not snooze.covers(by_id[alert_id], now, steady)
        ]
        for alert_id in over:
            del self.by_id[alert_id]
        return over
