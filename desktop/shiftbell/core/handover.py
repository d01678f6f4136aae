"""The hand-over report: what happened during a shift, for the next person on call.

Made from the alerts that were alive at any time in [since, until): those that fired in the
shift, and those inherited from before it that were still open. For each: who acknowledged
it and how (the source's word when it gave one, else where: window, tray, notification,
phone, CLI), how fast (`time_to_ack_s`: from when it fired to the acknowledgement), whether
it is still open, and a silence that runs past the end of the shift. Plus the time to
acknowledge over the shift (median and worst) and the person's notes.

Pure: the caller reads the alerts, how they were acknowledged and the notes from the store.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from shiftbell.core.alert import Alert, Status
from shiftbell.core.schedule import OnCallSchedule, Shift

# Where an acknowledgement came from, in words (the store's `via`).
_VIA_WORDS = {
    "window": "in the window",
    "tray": "from the tray",
    "notification": "from the notification",
    "cli": "with the CLI",
    "api": "through the API",
    "phone": "on the phone",
}


@dataclass(frozen=True)
class ShiftAlert:
    alert: Alert
    via: str = ""  # how it was acknowledged here (the store's `via`), "" if it was not
    note: str = ""

    @property
    def time_to_ack_s(self) -> float | None:
        acked = self.alert.acknowledged_at
        if acked is None:
            return None
        return max((acked - self.alert.started_at).total_seconds(), 0.0)

    @property
    def acknowledged_by(self) -> str:
        """Who and how, in words: "Alex (at PagerDuty)", "on the phone", "in the window"."""
        if self.alert.acknowledged_at is None:
            return ""
        info = self.alert.ack_info
        if info is not None and info.by:
            return info.by
        return _VIA_WORDS.get(self.via, f"via {self.via}" if self.via else "in Shiftbell")

    def open_at(self, until: datetime) -> bool:
        """Still firing or acknowledged-but-unresolved at the end of the shift."""
        resolved = self.alert.resolved_at
        return self.alert.status is not Status.RESOLVED or (
            resolved is not None and resolved >= until
        )

    def silenced_past(self, until: datetime) -> datetime | None:
        info = self.alert.ack_info
        if info is None or info.until is None or info.until <= until:
            return None
        return info.until if self.open_at(until) else None


@dataclass(frozen=True)
class Handover:
    since: datetime
    until: datetime
    made_at: datetime
    alerts: tuple[ShiftAlert, ...]
    note: str = ""
    shift_label: str = ""

    @property
    def fired(self) -> tuple[ShiftAlert, ...]:
        """Alerts that started within the shift."""
        return tuple(a for a in self.alerts if a.alert.started_at >= self.since)

    @property
    def inherited(self) -> tuple[ShiftAlert, ...]:
        return tuple(a for a in self.alerts if a.alert.started_at < self.since)

    @property
    def still_open(self) -> tuple[ShiftAlert, ...]:
        return tuple(a for a in self.alerts if a.open_at(self.until))

    @property
    def silences_into_next(self) -> tuple[ShiftAlert, ...]:
        return tuple(a for a in self.alerts if a.silenced_past(self.until) is not None)

    @property
    def ack_times_s(self) -> list[float]:
        return [t for a in self.alerts if (t := a.time_to_ack_s) is not None]

    @property
    def median_ack_s(self) -> float | None:
        times = self.ack_times_s
        return statistics.median(times) if times else None

    @property
    def worst_ack_s(self) -> float | None:
        times = self.ack_times_s
        return max(times) if times else None


def make_handover(
    alerts: Iterable[Alert],
    since: datetime,
    until: datetime,
    made_at: datetime,
    *,
    vias: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
    shift_note: str = "",
    shift_label: str = "",
    ongoing: bool = False,
) -> Handover:
    """The report for [since, until) from any alerts (those outside it are left out);
    `ongoing`: `until` is now, and what fired this very moment is in it."""
    vias = vias or {}
    notes = notes or {}
    inside = []
    for alert in sorted(alerts, key=lambda a: (a.started_at, a.id)):
        if alert.started_at > until or (alert.started_at == until and not ongoing):
            continue
        if alert.resolved_at is not None and alert.resolved_at < since:
            continue
        inside.append(ShiftAlert(alert, vias.get(alert.id, ""), notes.get(alert.id, "")))
    return Handover(since, until, made_at, tuple(inside), shift_note, shift_label)


# Without a schedule, "the shift" is the last this long: a night, or a working day.
DEFAULT_SPAN = timedelta(hours=12)


@dataclass(frozen=True)
class ShiftSpan:
    since: datetime
    until: datetime
    label: str = ""  # what the schedule calls it; "" without a schedule
    scheduled: bool = True  # False: the last DEFAULT_SPAN, for want of a schedule
    ongoing: bool = False  # it ends now: what fires now is in it

    def note_ref(self, tz: tzinfo) -> str:
        """Where the person's note on this shift is kept: the shift's start (UTC); without a
        schedule, the day (in `tz`) the span ends, so notes made during a day stay together."""
        if self.scheduled:
            return self.since.astimezone(UTC).isoformat()
        return "day:" + self.until.astimezone(tz).date().isoformat()


def shift_span(schedule: OnCallSchedule | None, now: datetime, which: str) -> ShiftSpan:
    """The shift a report is about: "current" (the stretch on now, up to now; else the last
    one) or "last" (the last that ended). Without a schedule, the last 12 hours."""
    stretches = schedule.stretches if schedule is not None and schedule.is_known else ()
    if which == "current" and schedule is not None:
        on = schedule.on_call_at(now)
        if on is not None and not on.open_ended:
            return ShiftSpan(on.start, min(on.end, now), _label(schedule, on), ongoing=on.end > now)
    ended = [s for s in stretches if s.end <= now]
    if ended:
        last = ended[-1]
        return ShiftSpan(last.start, last.end, _label(schedule, last))
    return ShiftSpan(now - DEFAULT_SPAN, now, "", scheduled=False, ongoing=True)


def _label(schedule: OnCallSchedule | None, stretch: Shift) -> str:
    if schedule is None:
        return ""
    names = {s.label or s.source for s in schedule.shifts if s.overlaps(stretch.start, stretch.end)}
    return ", ".join(sorted(n for n in names if n))
