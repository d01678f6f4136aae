"""Snooze: silence what is firing now, for a while, and nothing else.

A snooze pressed at 03:25 for 15 minutes covers the alerts that were firing at
03:25, each at the severity it had then and in the alarm stretch it was in. An
alert that starts firing afterwards, fires again after an acknowledgement ran
out, or rises in severity is not covered: it alarms at once. A snooze whose
alerts have all stopped firing is over.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
