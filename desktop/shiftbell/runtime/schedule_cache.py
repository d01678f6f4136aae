"""The last good shifts of every schedule, on disk, so the schedule works offline and after a
restart, and a broken refresh never leaves the person without one.

One JSON file per schedule in the cache directory (the app's data dir, e.g.
`<data>/schedules/`), written atomically (a temporary file, then a rename), so a crash
mid-write leaves the previous copy whole:

    {"version": 1, "name": ..., "noun": "calendar", "fetched_at": ISO | null,
     "known_until": ISO | null, "problem": "" | "unreachable" | ..., "error": "",
     "failing_since": ISO | null,
     "shifts": [{"start": ISO, "end": ISO, "source": ..., "label": ...}, ...],
     "team": [the same, each label the person on call]}

`refresh(source, now)`:
- the fetch works: the shifts are stored with `fetched_at = now` and returned, fresh;
- it fails (a FeedError: unreachable, 404, refused, malformed ICS): the stored shifts are
  kept exactly as they were and returned with the error and `failing_since` (the first of
  the failures in a row, kept across restarts), so the window can say "calendar team
  unreachable since 10:42: showing the copy from 09:30".

`on_call_schedule(copies)` turns the copies of every configured schedule into the
core.schedule.OnCallSchedule the policy asks.

Time is passed in; nothing here reads the clock. Files are small and written from the worker
thread that refreshes; reading from another thread is safe because of the rename.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from pathlib import Path
from typing import Any

from shiftbell.core.errors import FeedError, FeedUnreachableError
from shiftbell.core.schedule import OnCallSchedule, Shift
from shiftbell.sources.schedule import ScheduleSource, TeamSource
from shiftbell.system.atomic_file import write_atomically

log = logging.getLogger(__name__)

CACHE_VERSION = 1
_NOTHING_KNOWN = datetime.min.replace(tzinfo=UTC)
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Problem(StrEnum):
    """What went wrong with the last refresh, in the words the status line uses."""

    # The values are the errors' `trouble` words.
    NONE = ""
    UNREACHABLE = "unreachable"
    REFUSED = "refused access"
    UNREADABLE = "unreadable"
    RATE_LIMITED = "rate-limited"
    MISCONFIGURED = "not set up right"
    FAILING = "failing"

    @classmethod
    def of(cls, error: FeedError) -> Problem:
        return cls(error.trouble)


class Freshness(StrEnum):
    FRESH = "fresh"  # the last refresh worked
    STALE = "stale"  # the last refresh failed; the shifts are the last good copy
    MISSING = "missing"  # no refresh has ever worked: no shifts to show


@dataclass(frozen=True)
class ScheduleCopy:
    """A schedule's shifts as last fetched, and how the latest refresh went.

    `fetched_at` is when `shifts` were fetched (None: never) and `known_until` the end of
    the window that fetch covered. `error` is the latest refresh's message ("" when it
    worked) and `failing_since` the first failure in a row.
    """

    name: str
    noun: str
    shifts: tuple[Shift, ...] = ()
    fetched_at: datetime | None = None
    known_until: datetime | None = None
    problem: Problem = Problem.NONE
    error: str = ""
    failing_since: datetime | None = None
    # Who is on call besides the person, where the source knows the team: shifts whose
    # label is the person on call (sources/schedule.py, TeamSource).
    team: tuple[Shift, ...] = ()

    @property
    def freshness(self) -> Freshness:
        if self.fetched_at is None:
            return Freshness.MISSING
        return Freshness.STALE if self.problem is not Problem.NONE else Freshness.FRESH

    def describe(self, now: datetime, tz: tzinfo | None = None) -> str:
        """One line for the window and the tray: "" while fresh.

        "calendar team unreachable since 10:42: showing the copy from 09:30". Times are in
        `tz` (default: `now`'s zone), with the day when it is not today.
        """
        if self.problem is Problem.NONE:
            return ""
        zone = tz or now.tzinfo
        what = f"{self.noun} {self.name} {self.problem.value}"
        if self.failing_since is not None:
            what += f" since {_when(self.failing_since, now, zone)}"
        if self.fetched_at is None:
            return f"{what}: no copy saved yet"
        return f"{what}: showing the copy from {_when(self.fetched_at, now, zone)}"


class ScheduleCache:
    """Last good shifts per schedule, in `directory` (created on first write)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        # The latest copy per schedule, as written or read: a disk that cannot be read for a
        # moment must not make a failure look like "no copy".
        self._known: dict[str, ScheduleCopy] = {}

    # -- refreshing -----------------------------------------------------------------------

    async def refresh(self, source: ScheduleSource, now: datetime) -> ScheduleCopy:
        """Fetch `source`; store and return the fresh shifts, or the last good copy and why."""
        try:
            shifts, team = await fetch_shifts(source, now)
        except FeedError as exc:
            log.warning("%s", exc)  # sources' messages name the schedule already
            return self.record_failure(source.name, source.noun, exc, now)
        known_until = now.astimezone(UTC) + source.lookahead
        return self.record_success(source.name, source.noun, shifts, now, known_until, team)

    def record_success(
        self,
        name: str,
        noun: str,
        shifts: Sequence[Shift],
        now: datetime,
        known_until: datetime,
        team: Sequence[Shift] = (),
    ) -> ScheduleCopy:
        copy = ScheduleCopy(
            name, noun, tuple(shifts), fetched_at=now, known_until=known_until, team=tuple(team)
        )
        self._write(copy)
        return copy

    def record_failure(self, name: str, noun: str, error: FeedError, now: datetime) -> ScheduleCopy:
        with self._lock:
            previous, unreadable = self._known.get(name), False
        if previous is None:
            previous, unreadable = self._read(name)
        base = previous or ScheduleCopy(name, noun)
        failing_since = base.failing_since if base.problem is not Problem.NONE else None
        copy = replace(
            base,
            noun=noun,
            problem=Problem.of(error),
            error=str(error),
            failing_since=failing_since or now,
        )
        if unreadable:
            # A file we could not read now may still hold the last good copy: leave it.
            with self._lock:
                self._known[name] = copy
        else:
            # Same shifts and fetched_at as before, so rewriting loses nothing; it only
            # remembers since when the source has been failing, across a restart.
            self._write(copy)
        return copy

    # -- reading --------------------------------------------------------------------------

    def load(self, name: str) -> ScheduleCopy | None:
        """The stored copy of schedule `name`, or None (never stored, or unreadable)."""
        with self._lock:
            known = self._known.get(name)
        return known if known is not None else self._read(name)[0]

    def _read(self, name: str) -> tuple[ScheduleCopy | None, bool]:
        """(copy or None, whether a file is there that could not be read)."""
        path = self._path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, False
        except OSError as exc:
            log.warning("cannot read the saved copy of schedule %s (%s): %s", name, path, exc)
            return None, True
        try:
            copy = _decode(json.loads(text))
        except (ValueError, KeyError, TypeError) as exc:
            # Left in place until the next good fetch replaces it, so it can be looked at.
            log.warning("the saved copy of schedule %s (%s) is unreadable: %s", name, path, exc)
            return None, True
        if copy.name != name:
            return None, True
        with self._lock:
            self._known[name] = copy
        return copy, False

    def load_all(self) -> dict[str, ScheduleCopy]:
        """Every stored copy by schedule name: what the window shows right after a start."""
        copies: dict[str, ScheduleCopy] = {}
        if not self.directory.is_dir():
            return copies
        for path in sorted(self.directory.glob("*.json")):
            try:
                copy = _decode(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("skipping the unreadable schedule copy %s: %s", path, exc)
                continue
            copies[copy.name] = copy
        return copies

    def forget(self, name: str) -> None:
        """Remove a schedule's copy (the schedule was removed from the settings)."""
        with self._lock:
            self._known.pop(name, None)
        with contextlib.suppress(FileNotFoundError):
            self._path(name).unlink()

    # -- files ----------------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        # Readable, safe on every file system, and distinct for names that differ only in
        # case or in characters the slug drops ("Team A" and "team-a").
        slug = _UNSAFE.sub("-", name).strip("-.")[:40] or "schedule"
        digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
        return self.directory / f"{slug}-{digest}.json"

    def _write(self, copy: ScheduleCopy) -> None:
        path = self._path(copy.name)
        text = json.dumps(_encode(copy), indent=1, ensure_ascii=False)
        with self._lock:
            self._known[copy.name] = copy
            try:
                write_atomically(path, text.encode("utf-8"))
            except OSError as exc:
                # The copy in memory is still returned; the previous file is untouched.
                log.warning("cannot save the copy of schedule %s (%s): %s", copy.name, path, exc)


async def fetch_shifts(
    source: ScheduleSource, now: datetime, timeout_s: float | None = None
) -> tuple[list[Shift], tuple[Shift, ...]]:
    """The person's shifts, and who else is on call where the source knows the team.

    A schedule that does not answer within `timeout_s` is unreachable (FeedUnreachableError).
    The team is extra: when only it fails, it is said in the log and left empty.
    """
    try:
        shifts = await asyncio.wait_for(source.fetch(now), timeout_s)
    except TimeoutError:
        raise FeedUnreachableError(
            f"{source.noun} {source.name} did not answer within {timeout_s:g} s"
        ) from None
    team: list[Shift] = []
    if isinstance(source, TeamSource):
        try:
            team = await asyncio.wait_for(source.fetch_team(now), timeout_s)
        except (FeedError, TimeoutError) as exc:
            log.warning(
                "%s %s: who else is on call is not shown: %s", source.noun, source.name, exc
            )
    return shifts, tuple(team)


def on_call_schedule(copies: Iterable[ScheduleCopy]) -> OnCallSchedule:
    """What the copies of all configured schedules say, as one OnCallSchedule.

    No schedule configured: `OnCallSchedule.unknown()` (on call always). Otherwise the
    schedule knows only as far as the least-far-reaching copy: past that, one source has
    nothing to say and the person counts as on call. A schedule that has never been fetched
    knows nothing, so until its first good fetch the person counts as on call throughout.
    """
    copies = list(copies)
    if not copies:
        return OnCallSchedule.unknown()
    horizon = min(c.known_until or _NOTHING_KNOWN for c in copies)
    return OnCallSchedule((shift for copy in copies for shift in copy.shifts), known_until=horizon)


def _when(moment: datetime, now: datetime, zone: tzinfo | None) -> str:
    local = moment.astimezone(zone)
    if local.date() == now.astimezone(zone).date():
        return local.strftime("%H:%M")
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _encode(copy: ScheduleCopy) -> dict[str, Any]:
    return {
        "version": CACHE_VERSION,
        "name": copy.name,
        "noun": copy.noun,
        "fetched_at": _iso(copy.fetched_at),
        "known_until": _iso(copy.known_until),
        "problem": copy.problem.value,
        "error": copy.error,
        "failing_since": _iso(copy.failing_since),
        "shifts": [_encode_shift(s) for s in copy.shifts],
        "team": [_encode_shift(s) for s in copy.team],
    }


def _encode_shift(shift: Shift) -> dict[str, str]:
    return {
        "start": shift.start.isoformat(),
        "end": shift.end.isoformat(),
        "source": shift.source,
        "label": shift.label,
    }


def _decode(data: Any) -> ScheduleCopy:
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        raise ValueError(f"not a version {CACHE_VERSION} schedule copy")
    return ScheduleCopy(
        name=str(data["name"]),
        noun=str(data.get("noun", "schedule")),
        shifts=_decode_shifts(data["shifts"]),
        fetched_at=_optional(data.get("fetched_at")),
        known_until=_optional(data.get("known_until")),
        problem=Problem(data.get("problem", "")),
        error=str(data.get("error", "")),
        failing_since=_optional(data.get("failing_since")),
        # Copies written before the team was kept have none.
        team=_decode_shifts(data.get("team", [])),
    )


def _decode_shifts(items: Any) -> tuple[Shift, ...]:
    return tuple(
        Shift(
            start=_aware(s["start"]),
            end=_aware(s["end"]),
            source=str(s["source"]),
            label=str(s.get("label", "")),
        )
        for s in items
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _optional(value: Any) -> datetime | None:
    return _aware(value) if value is not None else None


def _aware(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"time without a zone: {value!r}")
    return parsed
