"""The on-call schedule: "am I on call at t", "when is my next shift", quiet hours, reminders.

Pure: times come in as timezone-aware datetimes, zones are passed in, nothing
reads the clock or the machine's settings. Source adapters (iCalendar,
PagerDuty, Grafana OnCall, Opsgenie) turn what they fetch into `Shift`s; this
module answers the questions, and core.escalation decides how loud to be.

Three decisions shape the answers:

- No schedule configured means on call. Shiftbell alarmed at full strength
  before schedules existed, and a person who has not told it when they are off
  must not miss a page because of a feature they never set up.
- Beyond what the schedule knows (`known_until`, the end of what the sources
  were asked for) the person counts as on call again, for the same reason: a
  calendar that stopped refreshing must not silence the alarm for good.
- Shifts that overlap or touch, from one source or several, are one stretch of
  being on call: "on call until" is the end of the stretch, and the reminder
  fires once before it, not again at each hand-over inside it. The individual
  shifts are kept for display ("where each came from").
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

# Where a source says "on call with no end" (PagerDuty's `end: null` for an
# always-on-call schedule), the adapter writes this instead. Far enough to be
# "never" for a person, early enough that moving it to any zone cannot overflow.
OPEN_END = datetime(9000, 1, 1, tzinfo=UTC)

# Bounds of the timeline for the interval arithmetic below; never shown, never shifted.
_PAST = datetime.min.replace(tzinfo=UTC)
_FUTURE = datetime.max.replace(tzinfo=UTC)


def _require_aware(value: datetime, what: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} must carry a time zone, got the naive {value.isoformat()}")


def _utc(value: datetime, what: str) -> datetime:
    """`value` as UTC, which is how every time in this module is kept.

    WORKAROUND: Python compares and subtracts two datetimes that share a tzinfo
    by their wall clocks, ignoring the offset (and `fold`): 00:00 to 08:00
    Europe/Berlin on the night the clocks go forward comes out as 8 hours, not
    7. In UTC the arithmetic is real time. The window shows times in the
    person's zone by converting back.
    https://docs.python.org/3/library/datetime.html#datetime.datetime.__sub__
    """
    _require_aware(value, what)
    return value.astimezone(UTC)


@dataclass(frozen=True)
class Shift:
    """One stretch of on-call duty from one source, [start, end).

    Attributes:
        start: when it begins; any zone on the way in, kept as UTC.
        end: when it ends (after start), kept as UTC; `OPEN_END` for "no end".
        source: which schedule source it came from (the name the person gave it).
        label: what the source calls it (the calendar event's summary, the
            PagerDuty schedule's name); may be empty.
    """

    start: datetime
    end: datetime
    source: str
    label: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _utc(self.start, "a shift's start"))
        object.__setattr__(self, "end", _utc(self.end, "a shift's end"))
        if self.end <= self.start:
            raise ValueError(
                f"a shift must end after it starts: {self.start.isoformat()} to "
                f"{self.end.isoformat()} ({self.source or 'no source'})"
            )

    @property
    def duration(self) -> timedelta:
        return self.end - self.start

    @property
    def open_ended(self) -> bool:
        """True for "on call with no end"; the UI says "until further notice", not a year."""
        return self.end >= OPEN_END

    def contains(self, t: datetime) -> bool:
        return self.start <= t < self.end

    def overlaps(self, a: datetime, b: datetime) -> bool:
        """Whether any part of the shift falls in [a, b)."""
        return self.start < b and self.end > a


def _merged(shifts: Iterable[Shift]) -> Iterator[Shift]:
    """Overlapping or touching shifts (sorted by start) as one shift each.

    A merged shift names every source and label it is made of, in order, so the
    window can still say where an "on call until" came from.
    """
    group: list[Shift] = []
    end = _PAST
    for shift in shifts:
        if group and shift.start > end:
            yield _joined(group, end)
            group = []
        group.append(shift)
        end = shift.end if len(group) == 1 else max(end, shift.end)
    if group:
        yield _joined(group, end)


def _joined(group: list[Shift], end: datetime) -> Shift:
    if len(group) == 1:
        return group[0]
    sources = dict.fromkeys(s.source for s in group)
    labels = dict.fromkeys(s.label for s in group if s.label)
    return Shift(group[0].start, end, ", ".join(sources), ", ".join(labels))


class OnCallSchedule:
    """The person's shifts from all sources, normalised for questions about time.

    `shifts` are the individual shifts (sorted, exact duplicates dropped) for
    display; `stretches` are the same time merged where shifts overlap or touch,
    which is what "am I on call" and "next shift" answer with.

    `known_until` is where the sources' answers end (the end of the window they
    were asked for); at and after it the person counts as on call. None means
    the shifts are all there is. `OnCallSchedule.unknown()` is "no schedule
    configured": on call always.
    """

    __slots__ = ("_known", "_starts", "known_until", "shifts", "stretches")

    def __init__(
        self, shifts: Iterable[Shift] = (), *, known_until: datetime | None = None
    ) -> None:
        if known_until is not None:
            known_until = _utc(known_until, "known_until")
        self.shifts: tuple[Shift, ...] = tuple(
            sorted(set(shifts), key=lambda s: (s.start, s.end, s.source, s.label))
        )
        self.stretches: tuple[Shift, ...] = tuple(_merged(self.shifts))
        self.known_until = known_until
        self._starts = [s.start for s in self.stretches]
        self._known = True

    @classmethod
    def unknown(cls) -> OnCallSchedule:
        """No schedule configured: the person is on call all the time (full escalation)."""
        schedule = cls()
        schedule._known = False
        return schedule

    @property
    def is_known(self) -> bool:
        """False when no schedule is configured at all."""
        return self._known

    def covers(self, t: datetime) -> bool:
        """Whether the schedule can answer for `t`; where it cannot, the person is on call."""
        return self._known and (self.known_until is None or t < self.known_until)

    def on_call_at(self, t: datetime) -> Shift | None:
        """The merged stretch of shifts covering `t`, or None.

        Only what the shifts say: `on_call_state` adds overrides and the
        "unknown means on call" rule.
        """
        index = bisect.bisect_right(self._starts, t) - 1
        if index >= 0 and self.stretches[index].contains(t):
            return self.stretches[index]
        return None

    def next_shift_after(self, t: datetime) -> Shift | None:
        """The first merged stretch that starts after `t` (not the one `t` is in)."""
        index = bisect.bisect_right(self._starts, t)
        return self.stretches[index] if index < len(self.stretches) else None

    def shifts_between(self, a: datetime, b: datetime) -> tuple[Shift, ...]:
        """The individual shifts that fall at least partly in [a, b), for "the next 14 days"."""
        return tuple(s for s in self.shifts if s.overlaps(a, b))

    def shifts_at(self, t: datetime) -> tuple[Shift, ...]:
        """The individual shifts covering `t`: where the current stretch comes from."""
        return tuple(s for s in self.shifts if s.contains(t))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OnCallSchedule):
            return NotImplemented
        return (self._known, self.known_until, self.shifts) == (
            other._known,
            other.known_until,
            other.shifts,
        )

    def __hash__(self) -> int:
        return hash((self._known, self.known_until, self.shifts))

    def __repr__(self) -> str:
        if not self._known:
            return "OnCallSchedule.unknown()"
        return f"OnCallSchedule({len(self.shifts)} shifts, known_until={self.known_until!r})"


@dataclass(frozen=True)
class Override:
    """The person's own word: "I am on call" / "I am off call", until `until`.

    `since` is when they said it. It only matters for an alert that was held
    back before: escalation ramps from `since` rather than jumping straight to
    the siren. Leave it None when unknown; the override then reaches back as far
    as needed, and nothing else changes.
    """

    on_call: bool
    until: datetime
    since: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "until", _utc(self.until, "an override's end"))
        if self.since is not None:
            object.__setattr__(self, "since", _utc(self.since, "an override's start"))
            if self.since >= self.until:
                raise ValueError(
                    f"an override must end after it starts: {self.since.isoformat()} to "
                    f"{self.until.isoformat()}"
                )

    def active_at(self, t: datetime) -> bool:
        return (self.since is None or self.since <= t) and t < self.until

    def cleared(self, now: datetime) -> Override | None:
        """This override taken back at `now`.

        Taken back at once (not yet begun): as if never said. Otherwise it expires now
        rather than vanishing: its `since` still dates when the answer changed, which is
        where a held-back alert's ramp starts from.
        """
        if self.since is not None and now <= self.since:
            return None
        return Override(self.on_call, min(now, self.until), since=self.since)


class OnCallReason(StrEnum):
    """Why the answer is what it is, for the window and the tray tooltip."""

    OVERRIDE = "override"  # the person said so, and it has not expired
    SHIFT = "shift"  # a shift covers now
    OFF_SHIFT = "off-shift"  # the schedule has no shift now
    NO_SCHEDULE = "no-schedule"  # nothing configured, or now is past what it knows: on call


@dataclass(frozen=True)
class OnCallState:
    """Am I on call now, since and until when, and what comes next.

    Attributes:
        on_call: the answer escalation follows.
        current: the scheduled stretch covering now, even when an override says
            otherwise (so the window can show both).
        until: when the answer next changes (override expiry, shift end, next
            shift start, or where the schedule's knowledge ends); None when it
            does not change as far as anything knows.
        next_shift: the next scheduled stretch starting after now.
        overridden: an unexpired override decides the answer.
        since: when the current answer began; None when it has held as far
            back as anything knows. Escalation restarts its ramp here.
        schedule_known: False when there is no schedule, or now is beyond it.
    """

    on_call: bool
    current: Shift | None
    until: datetime | None
    next_shift: Shift | None
    overridden: bool
    since: datetime | None = None
    schedule_known: bool = True

    @property
    def reason(self) -> OnCallReason:
        if self.overridden:
            return OnCallReason.OVERRIDE
        if not self.schedule_known:
            return OnCallReason.NO_SCHEDULE
        return OnCallReason.SHIFT if self.on_call else OnCallReason.OFF_SHIFT


ALWAYS_ON_CALL = OnCallState(
    on_call=True, current=None, until=None, next_shift=None, overridden=False, schedule_known=False
)

# Sorted, disjoint, non-touching [start, end) intervals; _PAST/_FUTURE stand for "forever".
_Intervals = list[tuple[datetime, datetime]]


def _normalised(intervals: Iterable[tuple[datetime, datetime]]) -> _Intervals:
    out: _Intervals = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _without(intervals: _Intervals, start: datetime, end: datetime) -> _Intervals:
    out: _Intervals = []
    for a, b in intervals:
        if b <= start or a >= end:
            out.append((a, b))
            continue
        if a < start:
            out.append((a, start))
        if b > end:
            out.append((end, b))
    return out


def _on_call_times(schedule: OnCallSchedule, override: Override | None) -> _Intervals:
    """Every moment the person counts as on call, as intervals over the whole timeline."""
    if not schedule.is_known:
        times: _Intervals = [(_PAST, _FUTURE)]
    else:
        spans = [(s.start, s.end) for s in schedule.stretches]
        if schedule.known_until is not None:
            spans.append((schedule.known_until, _FUTURE))
        times = _normalised(spans)
    if override is not None:
        start = override.since if override.since is not None else _PAST
        if override.on_call:
            times = _normalised([*times, (start, override.until)])
        else:
            times = _without(times, start, override.until)
    return times


def on_call_state(
    schedule: OnCallSchedule | None, override: Override | None, now: datetime
) -> OnCallState:
    """The answer at `now`: the override while it lasts, else the schedule; none means on call.

    The caller may keep passing an expired override: it no longer decides the
    answer, but it still says when the answer last changed (`since`), which is
    what lets an alert held back by "I am off call" ramp up from the override's
    end. An override set for later already shows in `until`. The caller
    computes this for the same `now` it gives escalation.
    """
    now = _utc(now, "now")
    schedule = schedule if schedule is not None else OnCallSchedule.unknown()
    active = override if override is not None and override.active_at(now) else None
    times = _on_call_times(schedule, override)
    index = bisect.bisect_right(times, (now, _FUTURE)) - 1
    covering = times[index] if index >= 0 and times[index][0] <= now < times[index][1] else None
    if covering is not None:
        since, until = covering
    else:
        since = times[index][1] if index >= 0 else _PAST
        until = times[index + 1][0] if index + 1 < len(times) else _FUTURE
    return OnCallState(
        on_call=covering is not None,
        current=schedule.on_call_at(now),
        until=None if until >= OPEN_END else until,
        next_shift=schedule.next_shift_after(now),
        overridden=active is not None,
        since=None if since == _PAST else since,
        schedule_known=schedule.covers(now),
    )


def reminder_due(
    schedule: OnCallSchedule | None,
    now: datetime,
    lead: timedelta,
    last_reminded_shift_start: datetime | None,
) -> Shift | None:
    """The shift to remind the person of now, or None.

    Due when the next stretch starts within `lead` of `now` and no reminder was
    given for a stretch starting at or after that time. The app shows the
    notification and then passes the shift's start back as
    `last_reminded_shift_start` (persist it, or a restart inside the lead time
    reminds once more). A stretch that has already begun is never announced;
    a zero `lead` turns reminders off.
    """
    if schedule is None or lead <= timedelta(0):
        return None
    now = _utc(now, "now")
    upcoming = schedule.next_shift_after(now)
    if upcoming is None or upcoming.start - now > lead:
        return None
    if last_reminded_shift_start is not None and upcoming.start <= last_reminded_shift_start:
        return None
    return upcoming


_SAME_TIME = "start and end at the same time: say which hours are quiet, e.g. 22:00-07:00"
# An en dash (U+2013) too: that is how a range often looks when copied from a document.
_CLOCK_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})\s*$", re.ASCII)


@dataclass(frozen=True)
class QuietHours:
    """A daily window of local wall-clock time, e.g. 22:00-07:00, that may cross midnight.

    Evaluated in `tz`, the person's zone, passed in: the window follows the
    wall clock through daylight-saving changes (22:00-07:00 is 8 or 10 hours on
    those nights), which is what a person setting "quiet at night" means.
    """

    start: time
    end: time
    tz: tzinfo

    def __post_init__(self) -> None:
        if self.start.tzinfo is not None or self.end.tzinfo is not None:
            raise ValueError("quiet hours are wall-clock times: give the zone as tz, not on them")
        if self.start == self.end:
            raise ValueError(f"quiet hours {self.text} {_SAME_TIME}")

    @staticmethod
    def problem(text: str) -> str | None:
        """What is wrong with "HH:MM-HH:MM" as quiet hours, said after the value; None if fine."""
        found = _CLOCK_RANGE.match(text)
        if found is None:
            return "is not a time range: write it like 22:00-07:00"
        h1, m1, h2, m2 = (int(part) for part in found.groups())
        if not (h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60):
            return "has a time that does not exist: use 00:00 to 23:59"
        if (h1, m1) == (h2, m2):
            return _SAME_TIME
        return None

    @classmethod
    def parse(cls, text: str, tz: tzinfo) -> QuietHours:
        """Read "HH:MM-HH:MM"; the ValueError's message says what is wrong."""
        why = cls.problem(text)
        if why is not None:
            raise ValueError(f"quiet hours {text.strip()!r} {why}")
        found = _CLOCK_RANGE.match(text)
        assert found is not None  # problem() matched it
        h1, m1, h2, m2 = (int(part) for part in found.groups())
        return cls(time(h1, m1), time(h2, m2), tz)

    @property
    def text(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    def contains(self, t: datetime) -> bool:
        _require_aware(t, "the time to check")
        local = t.astimezone(self.tz).time()
        if self.crosses_midnight:
            return local >= self.start or local < self.end
        return self.start <= local < self.end

    def last_end(self, t: datetime) -> datetime:
        """The latest moment at or before `t` when a quiet window ended.

        Escalation counts a held-back alert from here once the window is over.
        """
        t = _utc(t, "the time to check")
        today = t.astimezone(self.tz).date()
        ended = _wall(today, self.end, self.tz)
        # Yesterday's end is always earlier: wall clocks on either side of a DST
        # jump are at least the jump apart.
        return ended if ended <= t else _wall(today - timedelta(days=1), self.end, self.tz)


def _wall(day: date, at: time, tz: tzinfo) -> datetime:
    """`at` on `day` in `tz`, as UTC; a wall time a DST jump skips resolves as zoneinfo does."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)
