"""From a feed's or a schedule's settings to a running source, through its declaration.

The checks every source shares happen here, once: the kind is known, the options are the
declared ones with valid values, the required ones and the secret are there. The vendor's own
code is imported only now (spec.lazy), so one missing module never stops the other sources.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from datetime import timedelta, tzinfo

import httpx

from shiftbell.core.alert import Alert
from shiftbell.core.errors import FeedConfigError, FeedUnreachableError
from shiftbell.sources import registry
from shiftbell.sources.feed import Feed, FeedConfig, PollingFeed, StreamFeed
from shiftbell.sources.http import where_to_fix
from shiftbell.sources.schedule import (
    ScheduleSource,
    ScheduleSourceConfig,
)
from shiftbell.sources.schedule import where_to_fix as where_to_fix_schedule
from shiftbell.sources.spec import (
    Ability,
    ScheduleRequest,
    SecretNeed,
    SourceSpec,
    importable,
    option_problems,
    option_values,
)


def feed_source(config: FeedConfig) -> SourceSpec:
    """The declaration of `config`'s kind; FeedConfigError if it has no alert feed."""
    return _declared(config.name, config.kind, "feed", registry.feed_kinds())


def _declared(name: str, kind: str, what: str, kinds: tuple[str, ...]) -> SourceSpec:
    """The declaration of `kind` if it is one of `kinds`; FeedConfigError naming them if not."""
    found = registry.find(kind)
    if found is None or found.id not in kinds:
        raise FeedConfigError(
            f"{what} {name}: {kind!r} is not a kind of {what} Shiftbell knows: "
            f"use {', '.join(kinds)}"
        )
    return found


def available_feed_kinds() -> tuple[str, ...]:
    """The feed kinds whose code is in this build."""
    return tuple(s.id for s in registry.feed_sources() if importable(s.open_feed))


def missing_options(config: FeedConfig) -> list[str]:
    source = feed_source(config)
    return [
        option.name
        for option in source.feed_options
        if option.required and not config.options.get(option.name, "").strip()
    ]


def build_feed(
    config: FeedConfig,
    secret: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Feed:
    """The feed for `config`, not yet connected (construction does no I/O).

    Raises FeedConfigError, naming the feed, when an option is unknown or wrong, a required
    option or the secret is missing, or the vendor's code refuses the options.
    """
    source = feed_source(config)
    missing = missing_options(config)
    if missing:
        listed = ", ".join(missing)
        raise FeedConfigError(
            f"{source.name} feed {config.name} needs the option{'s' if len(missing) > 1 else ''} "
            f"{listed}: set it in {where_to_fix(config)} (or config.toml [feeds.options])"
        )
    problems = option_problems(source.feed_options, config.options, source.id, check_required=False)
    if problems:
        raise FeedConfigError(
            f"{source.name} feed {config.name}: {problems[0]}; fix it in {where_to_fix(config)}"
        )
    if source.secret.need is SecretNeed.REQUIRED and not secret:
        raise FeedConfigError(
            f"{source.name} feed {config.name} has no {source.secret.word} stored: "
            f"add it in {where_to_fix(config)}"
        )
    assert source.open_feed is not None  # feed_source checked it
    feed = source.open_feed(config, secret, transport=transport)
    if not isinstance(feed, PollingFeed | StreamFeed):
        raise FeedConfigError(
            f"the {source.name} feed ({type(feed).__name__}) does not implement a feed protocol"
        )
    return feed


async def check_feed(config: FeedConfig, secret: str) -> None:
    """Build the feed once and close it, so its own option checks run; no network."""
    feed = build_feed(config, secret)
    await feed.close()


async def connection_test(config: FeedConfig, secret: str, timeout_s: float) -> str:
    """Build the feed, run its `test()` within `timeout_s`, close it; FeedError on failure.

    The one connection test behind `shiftbell feed test` and the Settings window's
    Test button, so both say the same about the same server.
    """
    feed = build_feed(config, secret)
    try:
        return await asyncio.wait_for(feed.test(), timeout_s)
    except TimeoutError:
        raise FeedUnreachableError(
            f"no answer from {config.url} within {timeout_s:g} s ({config.name}): check the URL "
            "and that the server is up"
        ) from None
    finally:
        await feed.close()


def schedule_source(config: ScheduleSourceConfig) -> SourceSpec:
    """The declaration of the schedule's kind; FeedConfigError if it has no schedule."""
    return _declared(config.name, config.kind, "schedule", registry.schedule_kinds())


def build_schedule(
    config: ScheduleSourceConfig,
    *,
    tz: tzinfo,
    feed: FeedConfig | None = None,
    secret: str = "",
    transport: httpx.AsyncBaseTransport | None = None,
) -> ScheduleSource:
    """A schedule source for `config`. `tz` is the person's local zone (floating ICS times,
    all-day events); `feed` and `secret` are the account a vendor schedule signs in with."""
    source = schedule_source(config)
    problems = option_problems(source.schedule_options, config.options, f"{source.id} schedules")
    if problems:
        raise FeedConfigError(
            f"schedule {config.name}: {problems[0]}, in {where_to_fix_schedule(config.name)}"
        )
    values = option_values(source.schedule_options, config.options)
    if source.schedule_signs_in_through_feed and feed is None:
        raise FeedConfigError(
            f"schedule {config.name} reads {config.kind} through an alert feed of the same "
            f"account: set feed to that feed's name in {where_to_fix_schedule(config.name)}"
        )
    request = ScheduleRequest(
        config=config,
        options=values,
        tz=tz,
        lookbehind=timedelta(days=values["days_behind"]),
        lookahead=timedelta(days=values["days_ahead"]),
        feed=feed,
        secret=secret,
        transport=transport,
    )
    assert source.open_schedule is not None  # schedule_source checked it
    return source.open_schedule(request)


def takes_back_acknowledgements(kind: str | None) -> str:
    """Why an acknowledgement of this kind's alerts cannot be taken back, or "" if it can.

    It can wherever it stays in Shiftbell (a source without acknowledgements, the local
    receiver: `kind` None), and at a source that can undo one (UNACKNOWLEDGE).
    """
    source = registry.find(kind) if kind else None
    if source is None or Ability.ACKNOWLEDGE not in source.abilities:
        return ""
    if Ability.UNACKNOWLEDGE in source.abilities:
        return ""
    return f"{source.name} cannot take back an acknowledgement through its API"


class AlertAbilities:
    """What can be done to an alert, from the kind of the feed it came from.

    `kind_of(feed name)` answers with the feed's kind as the config has it now (None for the
    local receiver, or a feed no longer configured); `local_feeds` are the feeds whose alerts
    are Shiftbell's own (the local receiver's), which it resolves itself.
    """

    def __init__(
        self, kind_of: Callable[[str], str | None], local_feeds: Collection[str] = ()
    ) -> None:
        self._kind_of = kind_of
        self._local_feeds = frozenset(local_feeds)

    def why_no_unack(self, alert: Alert) -> str:
        """Why the alert's acknowledgement cannot be taken back; "" if it can."""
        return takes_back_acknowledgements(self._kind_of(alert.key.feed_id))

    def why_no_silence(self, alert: Alert) -> str:
        """Why the alert cannot be silenced at its source for a chosen time; "" if it can."""
        kind = self._kind_of(alert.key.feed_id)
        source = registry.find(kind or "")
        if source is not None and Ability.SILENCE in source.abilities:
            return ""
        name = source.name if source is not None else "the local receiver"
        return f"{name} has no silence of a chosen length: acknowledge it instead"

    def why_no_resolve(self, alert: Alert) -> str:
        """Why the alert cannot be resolved from Shiftbell; "" if it can (at its source, or
        here for one of `local_feeds`: sent with `shiftbell send`)."""
        if alert.key.feed_id in self._local_feeds:
            return ""
        source = registry.find(self._kind_of(alert.key.feed_id) or "")
        if source is not None and Ability.RESOLVE in source.abilities:
            return ""
        name = source.name if source is not None else "its source"
        return f"{name} cannot resolve it through its API (it resolves by itself): acknowledge it"

    def acknowledged_for_everyone(self, alert: Alert) -> bool:
        """Whether acknowledging it acknowledges it at its source, for the whole team."""
        source = registry.find(self._kind_of(alert.key.feed_id) or "")
        return source is not None and Ability.ACKNOWLEDGE in source.abilities
