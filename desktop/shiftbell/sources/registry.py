"""From a feed's settings to a running adapter: which class serves which kind, and what it needs.

Adapters are imported only when a feed of their kind is built, so one missing
or broken adapter module never stops the others (or the CLI) from working, and
starting Shiftbell does not import six HTTP clients it may not use.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import httpx

from shiftbell.core.errors import FeedConfigError, FeedUnreachableError
from shiftbell.sources.feed import FeedConfig, FeedKind, PollingFeed, StreamFeed
from shiftbell.sources.http import where_to_fix


class SecretNeed(StrEnum):
    """Whether a kind of feed needs a token."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


# (module, class) per kind, imported on first use.
ADAPTERS: Mapping[FeedKind, tuple[str, str]] = {
    FeedKind.ALERTMANAGER: ("shiftbell.sources.alertmanager.feed", "AlertmanagerFeed"),
    FeedKind.PAGERDUTY: ("shiftbell.sources.pagerduty.feed", "PagerDutyFeed"),
    FeedKind.OPSGENIE: ("shiftbell.sources.opsgenie.feed", "OpsgenieFeed"),
    FeedKind.GRAFANA_ONCALL: ("shiftbell.sources.grafana_oncall.feed", "GrafanaOnCallFeed"),
    FeedKind.NTFY: ("shiftbell.sources.ntfy.feed", "NtfyFeed"),
    FeedKind.GOTIFY: ("shiftbell.sources.gotify.feed", "GotifyFeed"),
}

# The vendor's own name, for messages.
VENDOR_NAMES: Mapping[FeedKind, str] = {
    FeedKind.ALERTMANAGER: "Alertmanager",
    FeedKind.PAGERDUTY: "PagerDuty",
    FeedKind.OPSGENIE: "Opsgenie",
    FeedKind.GRAFANA_ONCALL: "Grafana OnCall",
    FeedKind.NTFY: "ntfy",
    FeedKind.GOTIFY: "Gotify",
}

# Alertmanager has no authentication of its own, but the proxy in front of it may
# (the adapter's `auth` option); ntfy topics may be open to anyone.
SECRET_NEEDS: Mapping[FeedKind, SecretNeed] = {
    FeedKind.ALERTMANAGER: SecretNeed.OPTIONAL,
    FeedKind.PAGERDUTY: SecretNeed.REQUIRED,
    FeedKind.OPSGENIE: SecretNeed.REQUIRED,
    FeedKind.GRAFANA_ONCALL: SecretNeed.REQUIRED,
    FeedKind.NTFY: SecretNeed.OPTIONAL,
    FeedKind.GOTIFY: SecretNeed.REQUIRED,
}

# What the secret is called at each vendor, so prompts and messages use its words.
SECRET_WORDS: Mapping[FeedKind, str] = {
    FeedKind.ALERTMANAGER: "proxy token or user:password",
    FeedKind.PAGERDUTY: "API key",
    FeedKind.OPSGENIE: "API key",
    FeedKind.GRAFANA_ONCALL: "API token",
    FeedKind.NTFY: "access token or user:password",
    FeedKind.GOTIFY: "client token",
}

# Where a kind's service lives when --url is not given: the vendors' own API hosts.
DEFAULT_URLS: Mapping[FeedKind, str] = {
    FeedKind.PAGERDUTY: "https://api.pagerduty.com",
    FeedKind.OPSGENIE: "https://api.opsgenie.com",
}

# Options without which the feed cannot run at all. Options needed only in some
# set-ups (Opsgenie's cloud_id with api=jsm) are checked by the adapter itself,
# which `check_feed` builds.
REQUIRED_OPTIONS: Mapping[FeedKind, tuple[str, ...]] = {
    FeedKind.ALERTMANAGER: (),
    FeedKind.PAGERDUTY: (),
    FeedKind.OPSGENIE: (),
    FeedKind.GRAFANA_ONCALL: (),
    FeedKind.NTFY: ("topics",),
    FeedKind.GOTIFY: (),
}

# Options worth a word when missing: the feed runs, but something will not work.
ADVISED_OPTIONS: Mapping[FeedKind, Mapping[str, str]] = {
    FeedKind.PAGERDUTY: {
        "from_email": "without from_email (a PagerDuty user's email) acknowledging works only "
        "with a user API token; an account API key needs it",
    },
}


def default_url(kind: FeedKind, options: Mapping[str, str]) -> str | None:
    """The URL to use when the person gives none, or None when the kind has no usual one."""
    if kind is FeedKind.OPSGENIE and options.get("api", "").strip().lower() == "jsm":
        return "https://api.atlassian.com"  # JSM Ops, Opsgenie's successor
    return DEFAULT_URLS.get(kind)


def needs_secret(kind: FeedKind) -> bool:
    """True when the feed cannot work without a token."""
    return SECRET_NEEDS[kind] is SecretNeed.REQUIRED


def secret_need(kind: FeedKind) -> SecretNeed:
    return SECRET_NEEDS[kind]


def adapter_class(kind: FeedKind) -> type[Any]:
    """The adapter class for `kind`; FeedConfigError if this build of Shiftbell lacks it."""
    module_name, class_name = ADAPTERS[kind]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise  # the adapter exists but a library it imports is missing: a real bug
        raise FeedConfigError(
            f"this version of Shiftbell cannot run {VENDOR_NAMES[kind]} feeds yet "
            f"(no {module_name})"
        ) from None
    found = getattr(module, class_name, None)
    if not isinstance(found, type):
        raise FeedConfigError(
            f"this version of Shiftbell cannot run {VENDOR_NAMES[kind]} feeds yet "
            f"({module_name} has no {class_name})"
        )
    return found


def available_kinds() -> tuple[FeedKind, ...]:
    """The kinds whose adapter can be imported here."""
    found = []
    for kind in FeedKind:
        try:
            adapter_class(kind)
        except FeedConfigError:
            continue
        found.append(kind)
    return tuple(found)


def missing_options(config: FeedConfig) -> list[str]:
    return [key for key in REQUIRED_OPTIONS[config.kind] if not config.options.get(key, "").strip()]


def feed_advice(config: FeedConfig) -> list[str]:
    """Warnings for options that are missing but not required."""
    advice = ADVISED_OPTIONS.get(config.kind, {})
    return [text for key, text in advice.items() if not config.options.get(key, "").strip()]


def build_feed(
    config: FeedConfig,
    secret: str,
    transport: httpx.AsyncBaseTransport | None = None,
) -> PollingFeed | StreamFeed:
    """The adapter for `config`, not yet connected (construction does no I/O).

    Raises FeedConfigError, naming the feed, when a required option or the secret
    is missing, or when the adapter itself refuses the options.
    """
    vendor = VENDOR_NAMES[config.kind]
    missing = missing_options(config)
    if missing:
        listed = ", ".join(missing)
        raise FeedConfigError(
            f"{vendor} feed {config.name} needs the option{'s' if len(missing) > 1 else ''} "
            f"{listed}: set it in {where_to_fix(config)} (or config.toml [feeds.options])"
        )
    if needs_secret(config.kind) and not secret:
        raise FeedConfigError(
            f"{vendor} feed {config.name} has no {SECRET_WORDS[config.kind]} stored: "
            f"add it in {where_to_fix(config)}"
        )
    cls = adapter_class(config.kind)
    kwargs: dict[str, Any] = {}
    if transport is not None:
        kwargs["transport"] = transport
    feed = cls(config, secret, **kwargs)
    if not isinstance(feed, PollingFeed | StreamFeed):
        raise FeedConfigError(
            f"the {vendor} adapter ({cls.__name__}) does not implement a feed protocol"
        )
    return feed


async def check_feed(config: FeedConfig, secret: str) -> None:
    """Build the adapter once and close it, so its own option checks run; no network."""
    feed = build_feed(config, secret)
    await feed.close()


async def connection_test(config: FeedConfig, secret: str, timeout_s: float) -> str:
    """Build the adapter, run its `test()` within `timeout_s`, close it; FeedError on failure.

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
