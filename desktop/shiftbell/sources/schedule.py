"""What every schedule source looks like to the rest of Shiftbell.

A schedule source answers one question: which shifts does the person have between a day ago
and two weeks ahead? `fetch(now)` returns them as `core.schedule.Shift`s, with `source` set to
the schedule's name (the window shows where each shift came from). Sources:

- `sources.ics.schedule.IcsSchedule`: an iCalendar feed (https://, webcal://, http://) or file.
- `sources.pagerduty.schedule.PagerDutySchedule`: PagerDuty's /oncalls for the person.
- `sources.grafana_oncall.schedule.GrafanaOnCallSchedule`: Grafana OnCall final shifts.
- `sources.opsgenie.schedule.OpsgenieSchedule`: Opsgenie (or JSM Ops) schedule timelines.

A source that knows the team (a team calendar read for one person; PagerDuty) is also a
`TeamSource`: who else is on call, now and next.

Like the feeds, sources raise only Shiftbell's `FeedError` subclasses, each naming the schedule
and what to do; `runtime.schedule_cache.ScheduleCache` turns a failure into "showing the last good
copy". Sources never read the clock: `now` is passed in.

Every source also says how far ahead it looks (`lookahead`): past the end of what was
fetched the schedule knows nothing, and core.schedule counts the person as on call there.
`Shift` keeps its times in UTC (core/schedule.py says why); sources hand it aware datetimes
in any zone, and skip entries that do not end after they start (a zero-length calendar
event is not a shift).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from shiftbell.core.errors import FeedError, FeedRateLimitedError
from shiftbell.core.schedule import Shift

DEFAULT_LOOKBEHIND = timedelta(days=1)
DEFAULT_LOOKAHEAD = timedelta(days=14)
# How far ahead "who is on call next" looks (TeamSource).
TEAM_AHEAD = timedelta(days=7)


@dataclass(frozen=True)
class ScheduleSourceConfig:
    """One configured schedule source (a `[[schedules]]` entry, say).

    Not settings.model.ScheduleConfig, which is the [schedule] section: how the schedule
    softens the alarm.

    `location` is the ICS URL or file path (ICS only). The vendor kinds sign in through the
    alert feed of the same account, named by the option `feed`: its URL, token and auth
    options are used as they are, so the key is entered once. The other options are
    declared by each source (`SourceSpec.schedule_options`).
    """

    name: str
    kind: str  # a source id from sources/registry.py
    location: str = ""
    options: Mapping[str, str] = field(default_factory=dict)
    interval_s: float = 900.0


@dataclass(frozen=True)
class Window:
    """The stretch of time a fetch covers: [start, end)."""

    start: datetime
    end: datetime

    @classmethod
    def around(
        cls,
        now: datetime,
        lookbehind: timedelta = DEFAULT_LOOKBEHIND,
        lookahead: timedelta = DEFAULT_LOOKAHEAD,
    ) -> Window:
        if now.tzinfo is None:
            raise ValueError("now must be timezone-aware")
        now = now.astimezone(UTC)
        return cls(now - lookbehind, now + lookahead)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return start < self.end and end > self.start


@runtime_checkable
class ScheduleSource(Protocol):
    name: str
    # How messages name this kind of source: "calendar", "PagerDuty schedule", ...
    noun: str
    # How far past `now` a fetch looks; the end of that is where the schedule stops knowing.
    lookahead: timedelta

    async def fetch(self, now: datetime) -> list[Shift]:
        """The person's shifts overlapping [now - lookbehind, now + lookahead), sorted."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class TeamSource(Protocol):
    """A schedule source that also knows who else is on call (a team calendar, PagerDuty's
    schedules): the Schedule tab shows who is on call now and next."""

    async def fetch_team(self, now: datetime) -> list[Shift]:
        """Everyone's shifts from `now` on (about a week), each `label` the person on call;
        called right after a `fetch` that worked."""
        ...


def where_to_fix(name: str) -> str:
    return f"Settings > Schedule > {name}"


def shift_or_none(start: datetime, end: datetime, source: str, label: str) -> Shift | None:
    """A Shift, or None when it would not end after it starts (Shift refuses those)."""
    if end <= start:
        return None
    return Shift(start=start, end=end, source=source, label=label)


def tidy(shifts: Iterable[Shift | None]) -> list[Shift]:
    """Sorted, without exact duplicates (and without the Nones of `shift_or_none`).

    Duplicates are real: PagerDuty lists a person once per escalation level and policy
    that reaches them, and two overlapping calendar layers export the same slot twice.
    """
    unique = {(s.start, s.end, s.label): s for s in shifts if s is not None}
    return [unique[key] for key in sorted(unique)]


@contextmanager
def naming(prefix: str) -> Iterator[None]:
    """Put the schedule's name in front of any FeedError raised inside.

    The vendor sources reuse the feeds' HTTP error mapping, whose messages name the feed
    the account belongs to; a person reading "unreachable" needs the schedule too.
    """
    try:
        yield
    except FeedError as exc:
        if str(exc).startswith(f"{prefix}:"):
            raise  # named already, where it was raised
        if isinstance(exc, FeedRateLimitedError):
            raise FeedRateLimitedError(f"{prefix}: {exc}", exc.retry_after_s) from None
        raise type(exc)(f"{prefix}: {exc}") from None
