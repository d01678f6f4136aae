"""`shiftbell feed kinds|add|list|test|remove`: the config file and the keyring, through the
feed operations the Settings window uses too; they work without the app."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

from shiftbell.cli.common import (
    interactive,
    no_such_entry,
    parse_options,
    read_config,
    tell_running_app,
    usage_error,
    warn,
)
from shiftbell.cli.listing import print_listing
from shiftbell.core.errors import ConfigError, FeedError, ShiftbellError
from shiftbell.operations.feeds import FeedOperations
from shiftbell.settings import feed_rules
from shiftbell.settings.model import (
    DEFAULT_FEED_INTERVAL_S,
    FeedSettings,
    default_stale_after_s,
)
from shiftbell.sources import docs as source_docs
from shiftbell.sources import registry
from shiftbell.sources.build import missing_options
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.spec import SecretNeed
from shiftbell.store.credentials import NO_KEYRING, SecretLocation, SecretStore
from shiftbell.system.paths import AppPaths

# `shiftbell feed test` gives up after this long, whatever the adapter's own timeouts.
FEED_TEST_TIMEOUT_S = 60.0


def feed_kinds(args: argparse.Namespace, paths: AppPaths) -> int:
    if args.kind is None:
        print(source_docs.kinds_text())
        return 0
    source = registry.find(args.kind)
    if source is None:
        known = ", ".join(s.id for s in registry.SOURCES)
        return usage_error(f"feed kinds: {args.kind!r} is not a kind: use {known}")
    print(source_docs.kind_text(source))
    return 0


def feed_add(args: argparse.Namespace, paths: AppPaths) -> int:
    kind: str = args.kind
    source = registry.source(kind)
    vendor = source.name
    why = feed_rules.name_problem(args.name)
    if why is not None:
        return usage_error(f"feed add: {why}")
    options = parse_options(args.option)
    if isinstance(options, str):
        return usage_error(f"feed add: {options}")
    url = args.url if args.url is not None else source.url_for(options)
    if url is None:
        return usage_error(f"feed add: a {vendor} feed needs --url (the server's address)")
    interval = args.interval
    if interval is None:
        interval = max(DEFAULT_FEED_INTERVAL_S, source.min_interval_s)
    stale_after = args.stale_after
    if stale_after is None:
        stale_after = default_stale_after_s(interval)
    config = FeedConfig(
        name=args.name,
        kind=kind,
        url=url,
        options=options,
        interval_s=interval,
        stale_after_s=stale_after,
    )
    feed = FeedSettings(config, enabled=not args.disabled)
    problems = feed_rules.feed_problems(feed)
    missing = missing_options(config)
    problems += [f"a {vendor} feed needs --option {key}=..." for key in missing]
    need = source.secret.need
    word = source.secret.word
    if need is SecretNeed.REQUIRED and not args.token_stdin:
        problems.append(
            f"a {vendor} feed needs its {word}: add --token-stdin and give it on standard "
            f"input (for example `... --token-stdin < {word.replace(' ', '-')}.txt`)"
        )
    if need is SecretNeed.NONE and args.token_stdin:
        problems.append(f"a {vendor} feed takes no token: leave out --token-stdin")
    if problems:
        for problem in problems:
            print(f"shiftbell: feed add: {problem}", file=sys.stderr)
        return 2
    _refuse_taken_name(paths.config_file, args.name)

    secret = read_secret(vendor, word, args.name) if args.token_stdin else ""
    store = SecretStore(paths.data_dir, allow_file=args.allow_file_secrets)
    operations = _feed_operations(paths, store, args.name)
    # The source checks its own options (e.g. Opsgenie's cloud_id with api=jsm); no network.
    try:
        asyncio.run(operations.check(config, secret))
    except FeedError as exc:
        raise ConfigError(f"feed {args.name} was not added: {exc}") from None
    stored = operations.add(feed, secret)
    where = {
        SecretLocation.KEYRING: "; its token is in the OS keyring",
        SecretLocation.FILE: f"; its token is in {store.file_path} (readable only by you)",
        SecretLocation.NONE: "",
    }[stored]
    for advice in source.feed_advice(config.options):
        warn(f"feed {args.name}: {advice}")
    state = " (disabled)" if args.disabled else ""
    print(f"Added {vendor} feed {args.name}{state} at {url} to {paths.config_file}{where}.")
    print(f"Check it with: shiftbell feed test {args.name}")
    if not args.disabled:
        tell_running_app(paths, "starts")
    return 0


def _refuse_taken_name(config_file: Path, name: str) -> None:
    """Fail before asking for a token, rather than after, when the name is taken."""
    try:
        document = tomllib.loads(config_file.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return  # add_feed reports an unreadable file properly
    feeds = document.get("feeds")
    if isinstance(feeds, list) and any(
        isinstance(entry, dict) and entry.get("name") == name for entry in feeds
    ):
        raise ConfigError(
            f'a feed named "{name}" is already in {config_file}: choose another name, or '
            f"remove it first with `shiftbell feed remove {name}`"
        )


def read_secret(vendor: str, word: str, name: str, what: str = "feed") -> str:
    """The token from standard input: typed without echo in a terminal, else read whole."""
    if interactive():
        text = getpass.getpass(f"{vendor} {word} for {name} (not shown): ")
    else:
        text = sys.stdin.read()
    token = text.strip()
    if not token:
        raise ConfigError(f"no {word} on standard input: {what} {name} was not added")
    if "\n" in token or "\r" in token:
        raise ConfigError(
            f"the {word} on standard input has several lines: give just the {word}; "
            f"{what} {name} was not added"
        )
    return token


def _feed_operations(paths: AppPaths, store: SecretStore, name: str) -> FeedOperations:
    """The feed operations, asking at the terminal before a secret goes to the file."""
    return FeedOperations(paths.config_file, store, ask_before_file(name))


def ask_before_file(name: str, what: str = "feed") -> Callable[[Path], bool]:
    """The terminal's question before a token goes to the private file instead of a keyring;
    without a terminal, the refusal that says how to agree."""

    def may_use_file(file_path: Path) -> bool:
        if not interactive():
            raise ConfigError(
                f"{NO_KEYRING}, so the token for {what} {name} could not be stored and the "
                f"{what} was not added. "
                f"To keep it in {file_path} instead (readable only by you, not encrypted), "
                "run the command again with --allow-file-secrets"
            )
        print(
            f"{NO_KEYRING}.\nShiftbell can keep the token in a file instead: not encrypted, "
            "but readable only by you.",
            file=sys.stderr,
        )
        answer = input(f"Store the token in {file_path} (readable only by you) instead? [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    return may_use_file


def _feed_problems(problems: list[str]) -> list[str]:
    return [problem for problem in problems if "feed" in problem]


def feed_list(args: argparse.Namespace, paths: AppPaths) -> int:
    settings, problems = read_config(paths)
    for problem in _feed_problems(problems):
        warn(problem)
    store = SecretStore(paths.data_dir)
    rows = []
    for feed in settings.feeds:
        try:
            secret: str | None = store.where(feed.name).value
        except ShiftbellError as exc:
            warn(f"feed {feed.name}: {exc}")
            secret = None  # unknown: the keyring would not say
        rows.append(
            {
                "name": feed.name,
                "kind": feed.kind,
                "url": feed.config.url,
                "enabled": feed.enabled,
                "interval_s": feed.config.interval_s,
                "stale_after_s": feed.config.stale_after_s,
                "options": dict(feed.config.options),
                "secret_stored": None if secret is None else secret != SecretLocation.NONE,
                "secret_store": None if secret in (None, SecretLocation.NONE) else secret,
            }
        )
    table = [("NAME", "KIND", "ENABLED", "SECRET", "URL")]
    for row in rows:
        stored = row["secret_store"] or ("?" if row["secret_stored"] is None else "none")
        table.append(
            (
                str(row["name"]),
                str(row["kind"]),
                "yes" if row["enabled"] else "no",
                str(stored),
                str(row["url"]),
            )
        )
    empty = "No feeds yet. Add one with: shiftbell feed add KIND NAME --url URL"
    return print_listing(args.json, rows, table, empty)


def feed_test(args: argparse.Namespace, paths: AppPaths) -> int:
    settings, problems = read_config(paths)
    feed = settings.feed(args.name)
    if feed is None:
        return no_such_entry("feed", args.name, problems, paths.config_file)
    store = SecretStore(paths.data_dir)
    secret = store.get(feed.name)
    need = registry.source(feed.kind).secret.need
    if not secret and need is SecretNeed.REQUIRED and not store.keyring_usable:
        # Say why there is no token: it may well be in a keyring this session cannot reach.
        raise ConfigError(
            f"{NO_KEYRING}, and {store.file_path} holds no token for feed {feed.name}: "
            f"add it again with `shiftbell feed remove {feed.name}` and `shiftbell feed add "
            "... --token-stdin --allow-file-secrets`, or run this where the keyring is unlocked"
        )
    try:
        operations = FeedOperations(paths.config_file, store)
        result = asyncio.run(operations.test(feed.config, secret, FEED_TEST_TIMEOUT_S))
    except FeedError as exc:
        print(f"shiftbell: feed {feed.name}: {exc}", file=sys.stderr)
        return 1
    disabled = " (the feed is disabled in the config)" if not feed.enabled else ""
    print(f"{feed.name}: {result}{disabled}")
    return 0


def feed_remove(args: argparse.Namespace, paths: AppPaths) -> int:
    name = args.name
    removed = FeedOperations(paths.config_file, SecretStore(paths.data_dir)).remove(name)
    if removed.problem:
        raise ConfigError(
            f"removed feed {name} from {paths.config_file}, but its token could not be "
            f"deleted: {removed.problem}"
        )
    removed_config, removed_secret = removed.entry, removed.token
    if not removed_config and not removed_secret:
        raise ConfigError(
            f"there is no feed named {name} in {paths.config_file} and no token stored for it"
        )
    if removed_config and removed_secret:
        print(f"Removed feed {name} from {paths.config_file} and its stored token.")
    elif removed_config:
        print(f"Removed feed {name} from {paths.config_file}.")
    else:
        print(f"There was no feed {name} in {paths.config_file}; removed the token stored for it.")
    if removed_config:
        tell_running_app(paths, "stops")
    return 0
