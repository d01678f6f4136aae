"""The words the Schedule tab and the tray use for the on-call state, as pure functions.

No Qt: "On call until Tue 09:00" and "Off call — next shift Fri 18:00 (in 2 days)"
are what a person on call reads to decide whether to keep the laptop open
tonight, so they are tested with fixed times and explicit zones, including a
daylight-saving day and a shift across midnight.

Every function takes `now` and the person's zone `tz` (None: the machine's
zone); shifts are kept in UTC by core.schedule and only turned into wall-clock
time here, at the last moment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from shiftbell.core.schedule import OPEN_END, OnCallReason, OnCallState, Shift
from shiftbell.runtime.schedule_cache import Freshness, ScheduleCopy

# How far ahead the Schedule tab lists shifts ("the shifts of the next 14 days").
HORIZON = timedelta(days=14)

# The fixed choices of "I am on call…" / "I am off call…"; the menu adds "until the next
# shift change". Short, medium, a night: longer than that should come from the calendar.
OVERRIDE_DURATIONS = (timedelta(hours=1), timedelta(hours=4), timedelta(hours=12))

# Between the two ends of a span of time, an en dash with spaces, as typeset text has it.
SPAN = " \u2013 "

# Within this many days a weekday names one day unambiguously ("Tue 09:00").
_WEEKDAY_IS_ENOUGH = 6


@dataclass(frozen=True)
class ScheduleSourceStatus:
    """How one schedule source is doing, as the Schedule tab shows it.

    Attributes:
        name: the source's name as the person gave it ("Team calendar").
        ok: the latest refresh worked.
        message: what is wrong, e.g. "unreachable since 10:42"; "" when ok.
        fetched_at: when the shifts shown from this source were fetched; None: never.
        stale: the shifts shown are an older copy (the latest refresh failed).
        detail: the full error, for the line's tooltip; may be long.
        team: who is on call on it besides the person, where the source knows the team.
    """

    name: str
    ok: bool
    message: str = ""
    fetched_at: datetime | None = None
    stale: bool = False
    detail: str = ""
    team: tuple[Shift, ...] = ()


def source_status(
    copy: ScheduleCopy, now: datetime, tz: tzinfo | None = None
) -> ScheduleSourceStatus:
    """The status line's data for one cached schedule (schedules.cache.ScheduleCopy)."""
    if copy.freshness is Freshness.FRESH:
        return ScheduleSourceStatus(copy.name, True, "", copy.fetched_at, team=copy.team)
    if copy.problem.value:
        message = copy.problem.value
        if copy.failing_since is not None:
            message += f" since {clock_time(copy.failing_since, now, tz)}"
    else:
        message = "not fetched yet"
    return ScheduleSourceStatus(
        copy.name,
        ok=False,
        message=message,
        fetched_at=copy.fetched_at,
        stale=copy.freshness is Freshness.STALE,
        detail=copy.error,
        team=copy.team,
    )


# -- times --------------------------------------------------------------------------------


def clock_time(when: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """A moment as a person reads it: "12:00" today, "Tue 09:00" this week, else with the date.

    Past moments follow the same rule ("since Mon 22:00"). An open end reads
    "further notice" (it goes after "until").
    """
    if when >= OPEN_END:
        return "further notice"
    local = when.astimezone(tz)
    days = (local.date() - now.astimezone(tz).date()).days
    if days == 0:
        return local.strftime("%H:%M")
    if abs(days) <= _WEEKDAY_IS_ENOUGH:
        return local.strftime("%a %H:%M")
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def relative_time(when: datetime, now: datetime, tz: tzinfo | None = None) -> str:
    """How far off `when` is: "now", "in 25 min", "in 3 h 20 min", "tomorrow", "in 2 days".

    Hours and minutes are real time (a night with a daylight-saving change is an
    hour shorter or longer); days are calendar days in `tz`, which is how people
    count "in 2 days".
    """
    # In UTC: two datetimes in one zone subtract by their wall clocks (see core.schedule._utc).
    delta = when.astimezone(UTC) - now.astimezone(UTC)
    if delta < timedelta(minutes=1):
        return "now"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"in {minutes} min"
    days = (when.astimezone(tz).date() - now.astimezone(tz).date()).days
    if minutes < 6 * 60 or days == 0:
        hours, rest = divmod(minutes, 60)
        if hours >= 6 or rest == 0:
            return f"in {hours} h"
        return f"in {hours} h {rest} min"
    return "tomorrow" if days == 1 else f"in {days} days"


def duration_text(length: timedelta) -> str:
    """A shift's length in its two largest units: "15 h", "8 h 30 min", "7 days", "1 day 2 h"."""
    minutes = max(int(length.total_seconds() // 60), 0)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if days:
        parts.append(f"{days} day" if days == 1 else f"{days} days")
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    return " ".join(parts[:2]) or "0 min"


# -- the headline -------------------------------------------------------------------------


def headline(
    state: OnCallState,
    now: datetime,
    tz: tzinfo | None = None,
    *,
    configured: bool = True,
    relative: bool = True,
) -> str:
    """The one line that answers "am I on call, and until when / when next".

    `configured` is False when no schedule source is set up at all (the text then
    says so instead of "schedule unknown"); `relative` adds "(in 2 days)" to an
    upcoming shift (the window does, the tray's tooltip does not).
    """
    until = state.until
    reason = state.reason
    if reason is OnCallReason.OVERRIDE:
        word = "On call" if state.on_call else "Off call"
        return f"{word} until {_until(until, now, tz)} (you said so)"
    if reason is OnCallReason.NO_SCHEDULE:
        why = "no schedule configured" if not configured else "schedule unknown"
        if until is None:
            return f"On call ({why})"
        return f"On call until {clock_time(until, now, tz)} ({why})"
    if reason is OnCallReason.SHIFT:
        return f"On call until {_until(until, now, tz)}"
    if until is None:
        return "Off call — no shifts ahead"
    after = f" ({relative_time(until, now, tz)})" if relative else ""
    upcoming = state.next_shift
    if upcoming is not None and upcoming.start == until:
        return f"Off call — next shift {clock_time(until, now, tz)}{after}"
    # The answer changes before any shift: that is where the schedule's knowledge ends.
    return f"Off call until {clock_time(until, now, tz)}{after}"


def explanation(
    state: OnCallState, now: datetime, tz: tzinfo | None = None, *, configured: bool = True
) -> str:
    """The smaller line under the headline: where the answer comes from."""
    reason = state.reason
    if reason is OnCallReason.OVERRIDE:
        return f"Your schedule says: {_schedule_says(state, now, tz)}."
    if reason is OnCallReason.NO_SCHEDULE:
        if not configured:
            return (
                "Alarms follow the full escalation all the time. "
                "Add a calendar with: shiftbell schedule add URL"
            )
        return "No schedule source knows about now, so Shiftbell counts you as on call."
    if reason is OnCallReason.SHIFT:
        current = state.current
        if current is None:  # an OnCallState built by hand; core always sets it
            return ""
        return f"Since {clock_time(current.start, now, tz)} · {origin_text(current)}"
    upcoming = state.next_shift
    if state.until is not None and (upcoming is None or state.until < upcoming.start):
        return "After that the schedule knows nothing yet, so Shiftbell counts you as on call."
    if upcoming is None:
        return "Your schedule has no further shifts."
    return f"Next: {shift_span(upcoming, now, tz)} · {origin_text(upcoming)}"


def tray_line(state: OnCallState, now: datetime, tz: tzinfo | None = None) -> str:
    """The tooltip's on-call line: the headline without "(in 2 days)"."""
    return headline(state, now, tz, relative=False)


def next_shift_change(state: OnCallState) -> datetime | None:
    """When the schedule (not the override) next changes the answer, as far as `state` shows.

    For the label of "until the next shift change"; the controller works out the
    real end from the schedule itself (the override signal carries None for it).
    """
    if state.current is not None:
        return None if state.current.open_ended else state.current.end
    if state.next_shift is not None:
        return state.next_shift.start
    return None


def _schedule_says(state: OnCallState, now: datetime, tz: tzinfo | None) -> str:
    if state.current is not None:
        return f"on shift until {_until(state.current.end, now, tz)}"
    if not state.schedule_known:
        return "nothing known for now"
    if state.next_shift is not None:
        return f"off call, next shift {clock_time(state.next_shift.start, now, tz)}"
    return "off call, no shifts ahead"


def _until(until: datetime | None, now: datetime, tz: tzinfo | None) -> str:
    return "further notice" if until is None else clock_time(until, now, tz)


# -- the shift list -----------------------------------------------------------------------


@dataclass(frozen=True)
class ShiftRow:
    """One line of the shift list, in the person's zone.

    Attributes:
        day: the day it starts, e.g. "Tue 3 Mar".
        hours: "18:00 to 09:00" or "22:00 to Wed 06:00" (with an en dash), or "all day".
        length: e.g. "15 h"; the current shift adds what is left ("15 h · 6 h left").
        origin: the source and what it calls the shift, "Team calendar · Primary".
        current: the shift covers `now` (the list highlights it).
    """

    day: str
    hours: str
    length: str
    origin: str
    current: bool


def upcoming_shifts(
    shifts: Iterable[Shift], now: datetime, horizon: timedelta = HORIZON
) -> list[Shift]:
    """The shifts still running or starting within `horizon` of `now`, by start."""
    end = now + horizon
    return sorted(
        (s for s in shifts if s.overlaps(now, end)), key=lambda s: (s.start, s.end, s.source)
    )


def shift_row(shift: Shift, now: datetime, tz: tzinfo | None = None) -> ShiftRow:
    start = shift.start.astimezone(tz)
    current = shift.contains(now)
    if shift.open_ended:
        length = "open end"
    else:
        length = duration_text(shift.duration)
        if current:
            length += f" · {duration_text(shift.end - now.astimezone(UTC))} left"
    return ShiftRow(
        day=f"{start:%a} {start.day} {start:%b}",
        hours=_hours(shift, tz),
        length=length,
        origin=origin_text(shift),
        current=current,
    )


def shift_span(shift: Shift, now: datetime, tz: tzinfo | None = None) -> str:
    """ "Fri 18:00 to Sat 09:00" (with an en dash), relative to `now` as `clock_time` is."""
    start = clock_time(shift.start, now, tz)
    if shift.open_ended:
        return f"from {start}"
    return f"{start}{SPAN}{clock_time(shift.end, now, tz)}"


def origin_text(shift: Shift) -> str:
    return f"{shift.source} · {shift.label}" if shift.label else shift.source


def _hours(shift: Shift, tz: tzinfo | None) -> str:
    """Start to end on the start's day; an end on a later day names that day."""
    start = shift.start.astimezone(tz)
    if shift.open_ended:
        return f"{start:%H:%M}{SPAN}open end"
    end = shift.end.astimezone(tz)
    midnight = time(0, 0)
    if start.time() == midnight and end.time() == midnight:
        return "all day"  # what a calendar's all-day event turns into
    days = (end.date() - start.date()).days
    if days == 0:
        return f"{start:%H:%M}{SPAN}{end:%H:%M}"
    if days <= _WEEKDAY_IS_ENOUGH:
        return f"{start:%H:%M}{SPAN}{end:%a %H:%M}"
    return f"{start:%H:%M}{SPAN}{end:%a} {end.day} {end:%b %H:%M}"


# -- the sources --------------------------------------------------------------------------


def source_line(status: ScheduleSourceStatus, now: datetime, tz: tzinfo | None = None) -> str:
    """E.g. "Team calendar: unreachable since 10:42 · showing the copy from 09:30"."""
    message = " ".join(status.message.split())
    if status.ok and not status.stale:
        text = f"{status.name}: {message or 'up to date'}"
        if status.fetched_at is not None:
            text += f" · fetched {clock_time(status.fetched_at, now, tz)}"
        return text
    text = f"{status.name}: {message or 'not working'}"
    if status.fetched_at is not None:
        return text + f" · showing the copy from {clock_time(status.fetched_at, now, tz)}"
    if status.stale:
        return text + " · showing an earlier copy"
    return text + " · no copy yet, so you count as on call"
