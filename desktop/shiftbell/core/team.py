"""Who is on call now and next besides the person, from the team shifts schedules that know
the team report (each shift's label is the person on call; runtime/schedule_cache.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from shiftbell.core.schedule import Shift


@dataclass(frozen=True)
class TeamOnCall:
    now: tuple[Shift, ...]  # covering the moment asked about
    next: tuple[Shift, ...]  # the earliest start after it (all starting then)

    @property
    def known(self) -> bool:
        return bool(self.now or self.next)


def team_on_call(shifts: Iterable[Shift], at: datetime) -> TeamOnCall:
    """Who is on call at `at` and who comes next, one entry per person and schedule."""
    everyone = sorted(
        {(s.start, s.end, s.source, s.label): s for s in shifts}.values(),
        key=lambda s: (s.start, s.source, s.label),
    )
    now = tuple(s for s in everyone if s.contains(at))
    later = [s for s in everyone if s.start > at]
    first = later[0].start if later else None
    upcoming = tuple(s for s in later if s.start == first)
    return TeamOnCall(now, upcoming)


def team_text(team: TeamOnCall, clock: Callable[[datetime], str]) -> str:
    """ "Now: Dana until 18:00 (Payments Primary) · Next: Sam from 18:00 (Payments Primary)";
    `clock` writes a moment as the person reads it."""

    def who(shift: Shift, when: str) -> str:
        return f"{shift.label} {when} ({shift.source})"

    def until(shift: Shift) -> str:
        return "until further notice" if shift.open_ended else f"until {clock(shift.end)}"

    parts = []
    if team.now:
        parts.append("Now: " + "; ".join(who(s, until(s)) for s in team.now))
    if team.next:
        parts.append("Next: " + "; ".join(who(s, f"from {clock(s.start)}") for s in team.next))
    return " · ".join(parts)
