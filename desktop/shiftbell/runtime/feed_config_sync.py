"""Keeps the feed runner's running feeds equal to the feeds in the config file.

Building a feed needs its secret from the OS keyring, which can block (D-Bus) or
fail (a keyring still locked at login); so it happens here, on the worker loop,
and a feed that cannot be built shows as a feed in error with the reason, while
every other feed runs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from shiftbell.core.clock import Clock
from shiftbell.core.errors import ShiftbellError
from shiftbell.core.feed_status import FeedStatus
from shiftbell.runtime.desk import AlertDesk
from shiftbell.runtime.feed_runner import FeedRunner
from shiftbell.runtime.waiting import Sleep
from shiftbell.sources.build import build_feed
from shiftbell.sources.feed import RESERVED_FEED_NAMES, FeedConfig
from shiftbell.store.credentials import SecretStore

log = logging.getLogger(__name__)

# How long after start-up a feed started without asking the keyring waits for it to be asked:
# after the first polls, the tray and the receiver, which loading the keyring would slow.
KEYRING_AFTER_S = 2.0


@dataclass(eq=False)
class FeedConfigSync:
    """Keeps the running feeds equal to the configured ones (`apply`), with their secrets."""

    desk: AlertDesk
    feed_runner: FeedRunner
    secrets: SecretStore
    clock: Clock
    on_status: Callable[[FeedStatus], None]
    on_removed: Callable[[str], None]
    sleep: Sleep = asyncio.sleep
    _broken: set[str] = field(default_factory=set, init=False)  # configured, not buildable
    # A reload while the start-up apply still waits for the keyring must not interleave.
    _applying: asyncio.Lock = field(default_factory=asyncio.Lock, init=False)

    async def apply(self, configs: Sequence[FeedConfig], *, first: bool = False) -> None:
        """Start new feeds, restart the others with their current settings and secret,
        stop the ones no longer configured. `first`: also resolve alerts left behind
        by feeds removed from the config while the app was not running, and start a feed
        the keyring last had no token for before asking it (KEYRING_AFTER_S later)."""
        async with self._applying:
            await self._apply(configs, first=first)

    async def _apply(self, configs: Sequence[FeedConfig], *, first: bool) -> None:
        wanted = {config.name: config for config in configs}
        for name in set(self.feed_runner.names()) | self._broken:
            if name not in wanted:
                self.feed_runner.remove(name)
                self._broken.discard(name)
                self.on_removed(name)
        # At start-up a feed last seen without a token polls at once: loading the keyring
        # takes a third of a second, longer while the desktop logs in.
        early = [c for c in configs if first and await self._start_without_secret(c)]
        for config in configs:
            if config not in early:
                await self._start(config)
        if first:
            self._resolve_orphans(set(wanted))
        if early:
            await self.sleep(KEYRING_AFTER_S)
        for config in early:
            await self._recheck_secret(config)

    async def _start(self, config: FeedConfig) -> None:
        try:
            secret = await asyncio.to_thread(self.secrets.get, config.name)
            feed = build_feed(config, secret)
        except ShiftbellError as exc:
            log.error("feed %s cannot start: %s", config.name, exc)
            self.feed_runner.remove(config.name)
            self._broken.add(config.name)
            self.on_status(FeedStatus(config.name, False, str(exc), self.clock.now()))
            return
        self._broken.discard(config.name)
        self.feed_runner.replace(feed)
        log.info("feed %s (%s) started", config.name, config.kind)

    async def _start_without_secret(self, config: FeedConfig) -> bool:
        try:
            if not await asyncio.to_thread(self.secrets.last_seen_without, config.name):
                return False
            feed = build_feed(config, "")
        except ShiftbellError:
            return False  # `_start` says why
        self.feed_runner.replace(feed)
        log.info("feed %s (%s) started (it had no token last time)", config.name, config.kind)
        return True

    async def _recheck_secret(self, config: FeedConfig) -> None:
        """Ask the keyring about a feed started without it; restart the feed with a token
        that turned up (set beside Shiftbell). A keyring that cannot answer leaves it be."""
        if config.name not in self.feed_runner.names():
            return
        try:
            secret = await asyncio.to_thread(self.secrets.get, config.name)
        except ShiftbellError as exc:
            log.warning(
                "feed %s runs without a token; the keyring did not answer: %s", config.name, exc
            )
            return
        if secret:
            log.warning(
                "feed %s has a token in the keyring now: restarting it with it", config.name
            )
            await self._start(config)

    def _resolve_orphans(self, configured: set[str]) -> None:
        orphans = {
            alert.key.feed_id
            for alert in self.desk.active()
            if alert.key.feed_id not in configured and alert.key.feed_id not in RESERVED_FEED_NAMES
        }
        for feed_id in sorted(orphans):
            log.info("feed %s is no longer configured: resolving its alerts", feed_id)
            self.desk.replace_snapshot(feed_id, [], source=feed_id)
