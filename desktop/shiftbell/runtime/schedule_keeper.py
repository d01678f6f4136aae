"""Keeps every configured schedule fresh on the app's asyncio loop, and the person's override.

`ScheduleKeeper.apply(configs)` is to schedules what FeedConfigSync.apply is to feeds: one task
per `[[schedules]]` entry, started, replaced or stopped so the running set equals the config.
Each task builds its source (the calendar link or the vendor feed's token comes from the
keyring, off the loop, because the keyring can block on D-Bus), fetches every `interval_s`,
and after a failure tries again sooner, with backoff (never later than the interval, unless
the vendor's Retry-After says so). Every result goes through the ScheduleCache, so a broken
calendar keeps the last good copy, and `on_update` hears the whole picture after each one.

`apply` first reports what the cache already holds, before any fetch: the schedule is known
offline, right after a start.

`OverrideStore` keeps "I am off call for 4 h" in a small JSON file in the data folder, so it
survives a restart and the CLI can set it without the app.

No Qt here: the app hands `on_update` a function that posts to the UI thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from shiftbell.core.backoff import Backoff, RetryStreak
from shiftbell.core.clock import Clock
from shiftbell.core.errors import (
    FeedConfigError,
    FeedError,
    FeedRateLimitedError,
    ShiftbellError,
)
from shiftbell.core.schedule import OnCallSchedule, Override
from shiftbell.runtime.schedule_cache import (
    Problem,
    ScheduleCache,
    ScheduleCopy,
    fetch_shifts,
    on_call_schedule,
)
from shiftbell.settings.model import KEYRING_LOCATION
from shiftbell.sources import registry
from shiftbell.sources.build import build_schedule
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.schedule import ScheduleSource, ScheduleSourceConfig
from shiftbell.store.credentials import SecretStore
from shiftbell.system.atomic_file import write_atomically

log = logging.getLogger(__name__)

SECRET_SCOPE = "schedule"
FETCH_TIMEOUT_S = 60.0
OVERRIDE_FILE_NAME = "override.json"
SCHEDULE_CACHE_DIR_NAME = "schedules"
_OVERRIDE_VERSION = 1

ScheduleUpdate = Callable[[OnCallSchedule, list[ScheduleCopy]], None]
Sleep = Callable[[float], Awaitable[None]]


def schedule_cache_dir(data_dir: Path) -> Path:
    """Where the app and the CLI keep the last good copies: `<data>/schedules/`."""
    return data_dir / SCHEDULE_CACHE_DIR_NAME


def noun_of(kind: str) -> str:
    """How messages name a schedule before its source exists (sources say the same)."""
    found = registry.find(kind)
    return found.schedule_noun if found is not None else "schedule"


def calendar_location(config: ScheduleSourceConfig, secrets: SecretStore) -> str:
    """The ICS link or path to fetch: the keyring's link when the file says "keyring".

    Blocking (the keyring); call it off the event loop. Raises FeedConfigError when the link
    is not there, so the schedule shows "not set up right" with what to do.
    """
    if config.location.strip() != KEYRING_LOCATION:
        return config.location
    try:
        link = secrets.get(config.name, scope=SECRET_SCOPE)
    except ShiftbellError as exc:
        raise FeedConfigError(f"calendar {config.name}: {exc}") from None
    if not link:
        raise FeedConfigError(
            f"calendar {config.name}: its link is not in the keyring (or in {secrets.file_path}): "
            f"add it again with `shiftbell schedule add LINK --name {config.name}`"
        )
    return link


@dataclass(eq=False)
class ScheduleKeeper:
    """Fetches the configured schedules on their intervals into the cache, and tells
    `on_update` what the on-call schedule is after each change (worker loop)."""

    cache: ScheduleCache
    secrets: SecretStore
    clock: Clock
    tz: tzinfo
    _: KW_ONLY
    on_update: ScheduleUpdate
    feeds_lookup: Callable[[str], FeedConfig | None]
    sleep: Sleep = asyncio.sleep
    rng: random.Random = field(default_factory=random.Random)
    fetch_timeout_s: float = FETCH_TIMEOUT_S
    _configs: dict[str, ScheduleSourceConfig] = field(default_factory=dict, init=False)
    _copies: dict[str, ScheduleCopy] = field(default_factory=dict, init=False)
    _tasks: dict[str, asyncio.Task[None]] = field(default_factory=dict, init=False)
    _applying: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    # -- the running set --------------------------------------------------------------------

    async def apply(self, configs: Sequence[ScheduleSourceConfig]) -> None:
        """Make the running schedules equal `configs` (in order), then report the cache.

        Every configured schedule restarts, as feeds do on a reload: its link or the
        feed's token may have changed in the keyring even when the entry did not.
        """
        async with self._applying:
            wanted = {config.name: config for config in configs}
            for name in list(self._tasks):
                await self._cancel(name)
            for name in list(self._copies):
                if name not in wanted:
                    del self._copies[name]
                    self.cache.forget(name)
                    log.info("schedule %s is no longer configured: its copy is removed", name)
            self._configs = wanted
            for config in configs:
                stored = self.cache.load(config.name)
                self._copies[config.name] = stored or ScheduleCopy(
                    config.name, noun_of(config.kind)
                )
            self._publish()
            for config in configs:
                self._tasks[config.name] = asyncio.create_task(
                    self._keep(config), name=f"schedule {config.name}"
                )

    async def stop(self) -> None:
        async with self._applying:
            for name in list(self._tasks):
                await self._cancel(name)

    def copies(self) -> list[ScheduleCopy]:
        """The latest copy of every configured schedule, in config order."""
        return [self._copies[name] for name in self._configs if name in self._copies]

    def schedule(self) -> OnCallSchedule:
        return on_call_schedule(self.copies())

    async def _cancel(self, name: str) -> None:
        task = self._tasks.pop(name)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    # -- one schedule -----------------------------------------------------------------------

    async def _keep(self, config: ScheduleSourceConfig) -> None:
        # Never later than the normal interval after a failure; a first retry after ~30 s.
        policy = Backoff(
            base_s=min(30.0, config.interval_s),
            cap_s=config.interval_s,
            floor_s=min(5.0, config.interval_s),
            rng=self.rng,
        )
        streak = RetryStreak(policy)
        source: ScheduleSource | None = None
        try:
            while True:
                retry_after: float | None = None
                try:
                    if source is None:
                        source = await self._build(config)
                    copy = await self._fetch(source)
                except FeedError as exc:
                    log.warning("%s", exc)  # messages name the schedule, never the link
                    if isinstance(exc, FeedRateLimitedError):
                        retry_after = exc.retry_after_s
                    copy = self.cache.record_failure(
                        config.name, noun_of(config.kind), exc, self.clock.now()
                    )
                except Exception as exc:  # a bug in a source must not stop the others
                    log.exception("schedule %s failed unexpectedly", config.name)
                    error = FeedError(f"schedule {config.name} failed: {type(exc).__name__}")
                    copy = self.cache.record_failure(
                        config.name, noun_of(config.kind), error, self.clock.now()
                    )
                self._copies[config.name] = copy
                self._publish()
                if copy.problem is Problem.NONE:
                    streak.succeeded()
                    delay = config.interval_s
                else:
                    delay = streak.failed(retry_after)
                    if copy.problem is Problem.MISCONFIGURED:
                        source = None  # the keyring may be unlocked, the feed added, by then
                await self.sleep(delay)
        finally:
            if source is not None:
                with contextlib.suppress(Exception):
                    await source.close()

    async def _build(self, config: ScheduleSourceConfig) -> ScheduleSource:
        if not registry.source(config.kind).schedule_signs_in_through_feed:
            location = await asyncio.to_thread(calendar_location, config, self.secrets)
            if location != config.location:
                config = ScheduleSourceConfig(
                    config.name, config.kind, location, config.options, config.interval_s
                )
            return build_schedule(config, tz=self.tz)
        feed_name = config.options.get("feed", "")
        feed = self.feeds_lookup(feed_name)
        if feed is None:
            raise FeedConfigError(
                f"schedule {config.name} signs in through feed {feed_name}, which is not "
                "configured: add that feed, or set feed to one that is"
            )
        try:
            secret = await asyncio.to_thread(self.secrets.get, feed.name)
        except ShiftbellError as exc:
            raise FeedConfigError(f"schedule {config.name}: {exc}") from None
        return build_schedule(config, tz=self.tz, feed=feed, secret=secret)

    async def _fetch(self, source: ScheduleSource) -> ScheduleCopy:
        now = self.clock.now()
        shifts, team = await fetch_shifts(source, now, self.fetch_timeout_s)
        known_until = now.astimezone(UTC) + source.lookahead
        return self.cache.record_success(source.name, source.noun, shifts, now, known_until, team)

    def _publish(self) -> None:
        copies = self.copies()
        try:
            self.on_update(on_call_schedule(copies), copies)
        except Exception:
            log.exception("the schedule listener failed")


class OverrideStore:
    """The person's override ("off call until 14:00") in `<data>/override.json`.

    Not secret, so no special mode. Written atomically; an unreadable file counts as no
    override (the schedule decides) and is reported in the log.
    """

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / OVERRIDE_FILE_NAME

    def load(self) -> Override | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.warning("cannot read the override %s: %s", self.path, exc)
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != _OVERRIDE_VERSION:
                raise ValueError(f"not a version {_OVERRIDE_VERSION} override")
            since = data.get("since")
            return Override(
                on_call=bool(data["on_call"]),
                until=aware_time(data["until"]),
                since=aware_time(since) if since is not None else None,
            )
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring the unreadable override %s: %s", self.path, exc)
            return None

    def save(self, override: Override) -> None:
        data = {
            "version": _OVERRIDE_VERSION,
            "on_call": override.on_call,
            "until": override.until.isoformat(),
            "since": override.since.isoformat() if override.since is not None else None,
        }
        write_atomically(self.path, json.dumps(data).encode("utf-8"))

    def clear(self) -> bool:
        """Remove the override; False if there was none."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        return True

    def active(self, now: datetime) -> Override | None:
        """The stored override if it still applies at `now`."""
        override = self.load()
        return override if override is not None and override.active_at(now) else None


def aware_time(value: object) -> datetime:
    parsed = datetime.fromisoformat(str(value))
    if parsed.tzinfo is None:
        raise ValueError(f"time without a zone: {value!r}")
    return parsed
