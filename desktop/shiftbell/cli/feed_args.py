"""The arguments of `shiftbell feed ...`; the kinds and their options come from the sources'
declarations."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from shiftbell.cli.common import CommandGroup, add_secret_arguments, seconds_arg
from shiftbell.cli.group_help import FEED_HELP
from shiftbell.settings import feed_rules
from shiftbell.settings.model import (
    DEFAULT_FEED_INTERVAL_S,
)
from shiftbell.sources import registry

_FEED_EPILOG = """\
Feeds are kept as [[feeds]] tables in the config file (your comments there are
kept); their tokens go to the OS keyring, never to the config file. These
commands work without Shiftbell running; a running Shiftbell picks up the
change when it restarts.

exit status: 0 done, 1 failed (the reason is printed), 2 bad usage.
"""


def add_feed_parsers(sub: Any) -> None:
    kinds = ", ".join(registry.feed_kinds())
    feed = CommandGroup(
        sub,
        "feed",
        help=FEED_HELP,
        description=f"Manage the alert sources Shiftbell watches. KIND is one of: {kinds}.",
        epilog=_FEED_EPILOG,
        module="feed_commands",
    )
    add = feed.add(
        "add",
        "add a feed; its token is read from standard input",
        "Add a feed to the config file. The token (API key) is read from\n"
        "standard input with --token-stdin, never from the command line, where other\n"
        "users could see it; it is stored in the OS keyring.\n\n"
        "examples:\n"
        "  shiftbell feed add alertmanager prod-am --url http://alertmanager:9093\n"
        "  shiftbell feed add pagerduty work-pd --token-stdin --option from_email=me@example.com\n"
        "  shiftbell feed add ntfy team --url https://ntfy.sh --option topics=team-alerts\n\n"
        "options (--option KEY=VALUE) by kind; `shiftbell feed kinds KIND` says what they do:\n"
        + _options_by_kind(),
    )
    add.add_argument("kind", type=_feed_kind, metavar="KIND", help=kinds)
    add.add_argument("name", metavar="NAME", help="your name for it: letters, digits, . _ -")
    add.add_argument(
        "--url",
        metavar="URL",
        help="the source's address, https://... (PagerDuty and Opsgenie have a default)",
    )
    add.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of this kind of feed (repeatable): `shiftbell feed kinds KIND`",
    )
    add.add_argument(
        "--interval",
        type=seconds_arg,
        metavar="S",
        help=f"seconds between polls (default {DEFAULT_FEED_INTERVAL_S:g})",
    )
    add.add_argument(
        "--stale-after",
        type=seconds_arg,
        metavar="S",
        help="raise a feed-down alert after this long without contact "
        "(default 4 x interval, at least 120)",
    )
    add.add_argument("--disabled", action="store_true", help="add it, but do not run it yet")
    add_secret_arguments(add)

    feed.add(
        "kinds", "the kinds of source, or everything about one: its URL, secret and options"
    ).add_argument("kind", nargs="?", metavar="KIND")
    listing = feed.add("list", "list the feeds (never their tokens)")
    listing.add_argument("--json", action="store_true", help="print them as a JSON list")
    feed.add("test", "connect to a feed with its token and report what it sees").add_argument(
        "name", metavar="NAME"
    )
    feed.add("remove", "remove a feed and its stored token").add_argument("name", metavar="NAME")


def _options_by_kind() -> str:
    lines = []
    for source in registry.feed_sources():
        names = ", ".join(option.name for option in source.feed_options) or "none"
        lines += textwrap.wrap(
            f"{source.id}: {names}", 78, initial_indent="  ", subsequent_indent="    "
        )
    return "\n".join(lines)


def _feed_kind(text: str) -> str:
    kind = feed_rules.parse_kind(text)
    if kind is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a feed kind: use {', '.join(registry.feed_kinds())}"
        )
    return kind
