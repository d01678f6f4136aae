"""Adding, changing and removing an on-call schedule: the config file, the keyring and the
saved copy.

Shared by `shiftbell schedule add|remove` and the Settings window's Schedules page, in three
steps so a front-end can run the network part off its UI thread:

1. `draft`: checks what the person gave (kind, link or file, name, options) and makes the
   entry; with `original`, the entry replaces that schedule (an empty link then keeps the
   stored one, and the schedule may be renamed). A calendar link is a credential (private
   PagerDuty or Opsgenie links sign nobody in), so the entry says `location = "keyring"` and
   the link goes to the keyring.
2. `fetch_once` (async, network): reads the schedule once, so a wrong link, file or user is
   said now, not at 3 a.m. A vendor schedule signs in through the alert feed it names
   (`sign_in` finds it and its token).
3. `save`: the link to the keyring (asking before a private file, as for feed tokens), the
   entry to config.toml (the keyring put back as it was if the file refuses it), and the
   fetched shifts as the first saved copy, so the app and `schedule show` know them at once.
   A changed schedule's old link and saved copy go only once the file has the new entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from urllib.parse import urlsplit

from shiftbell.core.errors import ConfigError, ShiftbellError
from shiftbell.core.schedule import Shift
from shiftbell.operations.feeds import AskFile, allow_file_for_one_change, store_secret
from shiftbell.runtime.schedule_cache import ScheduleCache, fetch_shifts
from shiftbell.runtime.schedule_keeper import SECRET_SCOPE, schedule_cache_dir
from shiftbell.settings import schedule_rules
from shiftbell.settings.feed_editor import EntryNotFoundError
from shiftbell.settings.model import FEED_NAME_MAX, KEYRING_LOCATION, Settings
from shiftbell.settings.schedule_editor import (
    add_schedule,
    remove_schedule,
    update_schedule,
)
from shiftbell.sources import registry
from shiftbell.sources.build import build_schedule
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.schedule import ScheduleSourceConfig
from shiftbell.store.credentials import SecretStore

# Adding a schedule gives up on its first fetch after this long.
FETCH_TIMEOUT_S = 30.0


class ScheduleProblems(ConfigError):
    """What the person gave cannot make a schedule; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ScheduleDraft:
    """A checked new schedule.

    Attributes:
        config: the entry as config.toml keeps it (a link's location is "keyring").
        fetch_config: the same with the real location, to fetch with.
        link: the calendar link to keep in the keyring, or "".
        original: the name of the schedule this one replaces; None for a new schedule.
    """

    config: ScheduleSourceConfig
    fetch_config: ScheduleSourceConfig
    link: str = ""
    original: str | None = None

    @property
    def name(self) -> str:
        return self.config.name


@dataclass(frozen=True)
class FetchedSchedule:
    """What the first fetch found: the shifts, and until when the schedule knows."""

    noun: str
    shifts: list[Shift]
    fetched_at: datetime
    known_until: datetime
    team: tuple[Shift, ...] = ()  # who else is on call, where the schedule knows the team


@dataclass(frozen=True)
class RemovedSchedule:
    """What `remove` removed; `problem` says why a stored link could not be deleted."""

    entry: bool
    link: bool
    problem: str = ""


class ScheduleOperations:
    """The schedule operations on one config file, data dir and secret store.

    `ask_file` is the front-end's question "no keyring: keep the link in this file?"; it may
    raise to refuse with a message of its own.
    """

    def __init__(
        self,
        config_path: Path,
        data_dir: Path,
        secrets: SecretStore,
        ask_file: AskFile = lambda _path: False,
    ) -> None:
        self.config_path = config_path
        self.secrets = secrets
        self.ask_file = ask_file
        self._cache = ScheduleCache(schedule_cache_dir(data_dir))

    def draft(
        self,
        settings: Settings,
        kind: str,
        location: str,
        *,
        name: str = "",
        options: dict[str, str] | None = None,
        interval_s: float | None = None,
        original: str | None = None,
    ) -> ScheduleDraft:
        """Check a new schedule; ScheduleProblems (every reason) or ConfigError if it is not one.

        `settings` are the ones in the file, for a name already taken. With `original`, the
        draft replaces that schedule: an empty name or interval keeps its own, and an empty
        link keeps its stored link.
        """
        source = registry.source(kind)
        options = dict(options or {})
        location = location.strip()
        before = self._original(settings, original)
        if before is not None:
            name = name.strip() or before.name
            if interval_s is None and before.kind == kind:
                interval_s = before.interval_s
            if not location and before.location == KEYRING_LOCATION:
                location = self.secrets.get(before.name, scope=SECRET_SCOPE)
        link, stored = "", location
        if source.schedule_signs_in_through_feed:
            if location:
                raise ScheduleProblems(
                    [
                        f"a {kind} schedule has no link or file: leave out {location!r} and "
                        "name the alert feed it signs in through"
                    ]
                )
        elif not location:
            raise ScheduleProblems(["give the calendar's link (https://, webcal://) or file"])
        elif schedule_rules.is_link(location):
            link, stored = location, KEYRING_LOCATION
        else:
            path = Path(location).expanduser().resolve()
            if not path.is_file():
                raise ConfigError(
                    f"there is no calendar file at {path}: the schedule was not added"
                )
            location = stored = str(path)
        name = name.strip() or (default_name(location) if location else "")
        interval = interval_s if interval_s is not None else source.schedule_interval_s
        # Every problem at once: a stand-in name lets the other checks run without one.
        config = ScheduleSourceConfig(name or "unnamed", kind, stored, options, interval)
        problems = schedule_rules.schedule_problems(config)
        if not name:
            problems.insert(0, f"a {kind} schedule needs a name")
        if problems:
            raise ScheduleProblems(problems)
        if settings.schedule_source(name) is not None and name != original:
            raise ConfigError(
                f'a schedule named "{name}" is already in {self.config_path}: choose another '
                "name, or remove that one first"
            )
        fetch_config = ScheduleSourceConfig(name, kind, location, options, interval)
        return ScheduleDraft(config, fetch_config, link, original)

    def _original(self, settings: Settings, name: str | None) -> ScheduleSourceConfig | None:
        if name is None:
            return None
        found = settings.schedule_source(name)
        if found is None:
            raise ConfigError(f'there is no schedule named "{name}" in {self.config_path}')
        return found

    def sign_in(self, settings: Settings, draft: ScheduleDraft) -> tuple[FeedConfig | None, str]:
        """The alert feed and token a vendor schedule signs in with; (None, "") for a calendar."""
        if not registry.source(draft.config.kind).schedule_signs_in_through_feed:
            return None, ""
        feed_name = draft.config.options.get("feed", "")
        feed = settings.feed(feed_name)
        if feed is None:
            raise ConfigError(
                f"there is no feed named {feed_name} in {self.config_path}: add that feed "
                "first, then the schedule"
            )
        return feed.config, self.secrets.get(feed.name)

    async def fetch_once(
        self,
        draft: ScheduleDraft,
        *,
        tz: tzinfo,
        now: datetime,
        feed: FeedConfig | None = None,
        secret: str = "",
    ) -> FetchedSchedule:
        """Read the schedule once; a FeedError says what is wrong with it."""
        schedule = build_schedule(draft.fetch_config, tz=tz, feed=feed, secret=secret)
        try:
            shifts, team = await fetch_shifts(schedule, now, FETCH_TIMEOUT_S)
        finally:
            await schedule.close()
        known_until = now.astimezone(UTC) + schedule.lookahead
        return FetchedSchedule(schedule.noun, shifts, now, known_until, team)

    def save(self, draft: ScheduleDraft, fetched: FetchedSchedule) -> str:
        """Keep the link, write the entry (the keyring put back as it was if that fails), and
        the fetched shifts as the first saved copy. Returns a problem that did not stop the
        change (an old link that could not be deleted), or ""."""
        name, original = draft.name, draft.original
        # What the keyring held under the new name, to put back if the file refuses the entry.
        before = self.secrets.get(name, scope=SECRET_SCOPE) if draft.link else ""
        with allow_file_for_one_change(self.secrets):
            if draft.link:
                verb = "added" if original is None else "changed"
                refused = f"the link was not stored, so schedule {name} was not {verb}"
                store_secret(
                    self.secrets, name, draft.link, self.ask_file, refused, scope=SECRET_SCOPE
                )
            try:
                if original is None:
                    add_schedule(self.config_path, draft.config)
                else:
                    update_schedule(self.config_path, original, draft.config)
            except ConfigError:
                if draft.link and before:
                    self.secrets.set(name, before, scope=SECRET_SCOPE)
                elif draft.link:
                    self.secrets.delete(name, scope=SECRET_SCOPE)
                raise
        problem = ""
        if original is not None and (original != name or not draft.link):
            try:
                self.secrets.delete(original, scope=SECRET_SCOPE)
            except ShiftbellError as exc:
                problem = f"the old link of {original} could not be deleted: {exc}"
        if original is not None and original != name:
            self._cache.forget(original)
        self._cache.record_success(
            name,
            fetched.noun,
            fetched.shifts,
            fetched.fetched_at,
            fetched.known_until,
            fetched.team,
        )
        return problem

    def remove(self, name: str) -> RemovedSchedule:
        """Remove the entry, its stored link and its saved copy; any may already be gone."""
        try:
            remove_schedule(self.config_path, name)
            entry = True
        except EntryNotFoundError:
            entry = False
        problem = ""
        try:
            link = self.secrets.delete(name, scope=SECRET_SCOPE)
        except ShiftbellError as exc:
            link, problem = False, str(exc)
        self._cache.forget(name)
        return RemovedSchedule(entry, link, problem)


def default_name(location: str) -> str:
    """A schedule name from its link's host or its file's name: "acme", "rota"."""
    if schedule_rules.is_link(location):
        host = urlsplit(location).hostname or ""
        stem = host.split(".")[0] if host else ""
    else:
        stem = Path(location).stem
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:FEED_NAME_MAX]
    return name or "calendar"


def coming_shifts(fetched: FetchedSchedule, ahead: timedelta) -> list[Shift]:
    """The fetched shifts that are not over and start within `ahead`."""
    now = fetched.fetched_at
    return [s for s in fetched.shifts if s.end > now and s.start < now + ahead]
