"""What makes a `[[feeds]]` entry valid, in one place for the loader, the editor and the CLI.

Each check returns None when the value is fine, or the reason it is not, worded
to follow the value in a sentence ("name "a b" has a space: use letters, ...").
The loader adds the file and line, the CLI adds the command to fix it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from shiftbell.settings.kinds import FEED_KINDS
from shiftbell.settings.model import (
    FEED_NAME,
    FEED_NAME_MAX,
    MAX_FEED_INTERVAL_S,
    MAX_FEED_STALE_AFTER_S,
    FeedSettings,
)
from shiftbell.sources import registry
from shiftbell.sources.feed import RESERVED_FEED_NAMES
from shiftbell.sources.spec import SourceSpec, option_problems

OPTION_KEY = re.compile(r"[A-Za-z0-9_-]+")
KIND_CHOICES = FEED_KINDS.choices
parse_kind = FEED_KINDS.parse
kind_problem = FEED_KINDS.problem


def name_problem(name: str) -> str | None:
    if not name:
        return "the name is empty: give the feed a short name like work-pd"
    if len(name) > FEED_NAME_MAX:
        return f"the name is longer than {FEED_NAME_MAX} characters"
    if FEED_NAME.fullmatch(name) is None:
        return (
            f'the name "{name}" has characters other than letters, digits, ".", "_" and "-": '
            "use something like work-pd"
        )
    if name.lower() in RESERVED_FEED_NAMES:
        return f'the name "{name}" is reserved for Shiftbell\'s own alerts: choose another name'
    return None


def url_problem(url: str) -> str | None:
    if not url.strip():
        return "the URL is empty"
    if url != url.strip() or any(ch.isspace() for ch in url):
        return f'the URL "{url}" contains spaces'
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return f'the URL "{url}" must start with https:// or http://'
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return f'the URL "{url}" has a port that is not a number from 0 to 65535'
    if not parts.hostname:
        return f'the URL "{url}" has no host name'
    # The config file is not a place for secrets; a password in the URL would land there.
    if parts.username is not None or parts.password is not None:
        return (
            "the URL contains a user name or password: leave them out of the URL and give "
            "the token on standard input (--token-stdin), which keeps it in the keyring"
        )
    return None


def interval_problem(kind: str, interval_s: float) -> str | None:
    minimum = registry.source(kind).min_interval_s
    if not math.isfinite(interval_s):
        return "the interval is not a finite number"
    if interval_s < minimum:
        return (
            f"the interval {seconds_text(interval_s)} s is shorter than {kind} allows: "
            f"use {seconds_text(minimum)} s or more (stays inside its rate limit)"
        )
    if interval_s > MAX_FEED_INTERVAL_S:
        return (
            f"the interval {seconds_text(interval_s)} s is longer than an hour "
            f"({seconds_text(MAX_FEED_INTERVAL_S)} s): a feed that slow would miss pages"
        )
    return None


def stale_after_problem(interval_s: float, stale_after_s: float) -> str | None:
    if not math.isfinite(stale_after_s):
        return "stale_after_s is not a finite number"
    # One late poll is normal; calling the feed down for it would cry wolf.
    if stale_after_s < 2 * interval_s:
        return (
            f"stale_after_s {seconds_text(stale_after_s)} s is less than twice the interval "
            f"({seconds_text(interval_s)} s): one slow poll would raise a feed-down alarm"
        )
    if stale_after_s > MAX_FEED_STALE_AFTER_S:
        return f"stale_after_s {seconds_text(stale_after_s)} s is more than a day"
    return None


def option_problem(key: str, value: object) -> str | None:
    if OPTION_KEY.fullmatch(key) is None:
        return f'the option name "{key}" has characters other than letters, digits, "_" and "-"'
    if not isinstance(value, str):
        return f'option {key} must be text in quotes, like {key} = "..."'
    return None


def feed_problems(feed: FeedSettings) -> list[str]:
    """Everything wrong with a feed built in code (the CLI, the Settings window)."""
    config = feed.config
    found = [
        name_problem(config.name),
        url_problem(config.url),
        interval_problem(config.kind, config.interval_s),
        stale_after_problem(config.interval_s, config.stale_after_s),
    ]
    found += [option_problem(key, value) for key, value in _items(config.options)]
    if all(isinstance(value, str) for value in config.options.values()):
        source = registry.source(config.kind)
        found += declared_option_problems(source, config.options)
    return [problem for problem in found if problem is not None]


def declared_option_problems(source: SourceSpec, options: Mapping[str, str]) -> list[str]:
    """Unknown keys and wrong values among a feed's options; a missing required option is
    not one here (the feed says so when it starts, and the form marks it)."""
    return option_problems(source.feed_options, options, source.id, check_required=False)


def seconds_text(value: float) -> str:
    """Whole seconds as `60`, others as `2.5`."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _items(options: Mapping[str, object]) -> list[tuple[str, object]]:
    return list(options.items())
