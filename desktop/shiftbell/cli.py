"""The `shiftbell` command: runs the tray app, or talks to the running one.

Every subcommand but `run`, `token`, `feed` and `schedule` is a request to the running app's
local receiver (see feeds/local.py), so this module never imports Qt: `shiftbell
status` answers in a fraction of a second and works over SSH. `shiftbell feed` and
`shiftbell schedule` edit the config file and the keyring directly (and `schedule show`
reads the saved schedule copies), so they work without the app.

Exit status: 0 done, 1 failed (the message on stderr says why), 2 bad usage.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import os
import re
import shlex
import sys
import textwrap
import time
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from shiftbell import __version__
from shiftbell.core.errors import ConfigError, FeedError, FeedUnreachableError, ShiftbellError
from shiftbell.core.schedule import OnCallState, Override, Shift, on_call_state
from shiftbell.operations.feeds import FeedOperations
from shiftbell.receiver.client import NotRunningError, ReceiverClient, ReceiverClientError
from shiftbell.receiver.token import load_or_create_token
from shiftbell.receiver.wire import DEFAULT_RECEIVER_PORT, RECEIVER_HOST
from shiftbell.runtime.schedule_cache import Problem, ScheduleCache, ScheduleCopy, on_call_schedule
from shiftbell.runtime.schedule_keeper import (
    SECRET_SCOPE,
    OverrideStore,
    noun_of,
    schedule_cache_dir,
)
from shiftbell.settings import feed_rules, schedule_rules
from shiftbell.settings.config_keeper import ConfigKeeper
from shiftbell.settings.model import (
    DEFAULT_FEED_INTERVAL_S,
    FEED_NAME_MAX,
    KEYRING_LOCATION,
    FeedSettings,
    Settings,
    default_stale_after_s,
)
from shiftbell.settings.schedule_editor import (
    ScheduleNotFoundError,
    add_schedule,
    remove_schedule,
)
from shiftbell.settings.toml_store import read_settings
from shiftbell.sources import docs as source_docs
from shiftbell.sources import registry
from shiftbell.sources.build import build_schedule, missing_options
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.schedule import ScheduleSource, ScheduleSourceConfig
from shiftbell.sources.spec import SecretNeed
from shiftbell.store.credentials import NO_KEYRING, NoKeyringError, SecretLocation, SecretStore
from shiftbell.system.clock import local_zone
from shiftbell.system.instance_lock import InstanceLock
from shiftbell.system.paths import AppPaths
from shiftbell.system.terminal import one_line, terminal_safe_output

URL_ENV = "SHIFTBELL_URL"
# How long a second `shiftbell` waits for the one holding the lock to answer.
STARTING_INSTANCE_WAIT_S = 30.0
PROBE_TIMEOUT_S = 2.0
SEVERITIES = ("info", "warning", "critical")
# `shiftbell feed test` gives up after this long, whatever the adapter's own timeouts.
FEED_TEST_TIMEOUT_S = 60.0

_EPILOG = f"""\
The commands other than `run`, `token` and `feed` talk to the running Shiftbell through
its local receiver on {RECEIVER_HOST}, at the port set by [receiver] port in the
config file (default {DEFAULT_RECEIVER_PORT}), using the token in the data dir.
Set {URL_ENV} to reach a receiver at another address
(for example {URL_ENV}=http://127.0.0.1:8975).

exit status: 0 done, 1 failed (the reason is printed), 2 bad usage.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `shiftbell` console script."""
    # Whatever a source put in an alert reaches the terminal only as plain text.
    with terminal_safe_output():
        parser = _build_parser()
        args = parser.parse_args(argv)
        paths = AppPaths.default()
        command: Callable[[argparse.Namespace, AppPaths], int] = args.handler
        try:
            return command(args, paths)
        except ShiftbellError as exc:
            print(f"shiftbell: {exc}", file=sys.stderr)
            return 1


# -- arguments -------------------------------------------------------------------------------


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="shiftbell",
        description="A tray app for people on call: it notifies, then alarms louder until\n"
        "somebody acknowledges. Without a command, runs the app (or brings the\n"
        "running one's window forward).",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"shiftbell {__version__}")
    _add_run_options(parser, argparse_default=False)
    parser.set_defaults(handler=_run, command="run")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = sub.add_parser("run", help="run the tray app (the default)", epilog=_EPILOG)
    # SUPPRESS: without it the subcommand's defaults would undo `shiftbell --show run`.
    _add_run_options(run, argparse_default=argparse.SUPPRESS)
    run.set_defaults(handler=_run, command="run")

    send = sub.add_parser(
        "send",
        help="send an alert to the running app; prints its id",
        description="Send an alert to the running Shiftbell. Without --key every send is a\n"
        "new alert; with --key the same key updates that alert, and --resolve resolves it.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    send.add_argument("title", metavar="TITLE", help="what happened, in a few words")
    send.add_argument("--severity", choices=SEVERITIES, help="default: warning")
    send.add_argument("--summary", metavar="TEXT", help="more detail")
    send.add_argument("--url", metavar="URL", help="a link to open from the alert")
    send.add_argument("--key", metavar="KEY", help="your id for this alert")
    send.add_argument("--resolve", action="store_true", help="resolve the alert with --key")
    send.set_defaults(handler=_send, command="send")

    status = sub.add_parser("status", help="list the active alerts", epilog=_EPILOG)
    status.add_argument("--json", action="store_true", help="print them as a JSON list")
    status.set_defaults(handler=_status, command="status")

    ack = sub.add_parser("ack", help="acknowledge an alert (or --all)", epilog=_EPILOG)
    which = ack.add_mutually_exclusive_group(required=True)
    which.add_argument("alert_id", nargs="?", metavar="ID", help="as `shiftbell status` shows")
    which.add_argument("--all", action="store_true", help="every firing alert")
    ack.set_defaults(handler=_ack, command="ack")

    test_alarm = sub.add_parser(
        "test-alarm", help="sound the alarm once to check the speakers", epilog=_EPILOG
    )
    test_alarm.set_defaults(handler=_test_alarm, command="test-alarm")

    snooze = sub.add_parser("snooze", help="silence the alarm for MINUTES", epilog=_EPILOG)
    snooze.add_argument("minutes", type=_minutes, metavar="MINUTES", help="1 to 1440")
    snooze.set_defaults(handler=_snooze, command="snooze")

    token = sub.add_parser(
        "token",
        help="print the receiver's URL, token and an Alertmanager example",
        description="Print the receiver URL and token, with examples for scripts and "
        "Alertmanager. Works without a running app (makes the token on first use).",
    )
    token.set_defaults(handler=_token, command="token")
    _add_feed_parsers(sub)
    _add_schedule_parsers(sub)
    return parser


_FEED_EPILOG = """\
Feeds are kept as [[feeds]] tables in the config file (your comments there are
kept); their tokens go to the OS keyring, never to the config file. These
commands work without Shiftbell running; a running Shiftbell picks up the
change when it restarts.

exit status: 0 done, 1 failed (the reason is printed), 2 bad usage.
"""


def _add_feed_parsers(sub: Any) -> None:
    kinds = ", ".join(registry.feed_kinds())
    feed = sub.add_parser(
        "feed",
        help="add, list, test or remove alert feeds (works without the app)",
        description=f"Manage the alert sources Shiftbell watches. KIND is one of: {kinds}.",
        epilog=_FEED_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    feed.set_defaults(handler=_usage_of(feed), command="feed")
    commands = feed.add_subparsers(title="feed commands", metavar="COMMAND")

    add = commands.add_parser(
        "add",
        help="add a feed; its token is read from standard input",
        description="Add a feed to the config file. The token (API key) is read from\n"
        "standard input with --token-stdin, never from the command line, where other\n"
        "users could see it; it is stored in the OS keyring.\n\n"
        "examples:\n"
        "  shiftbell feed add alertmanager prod-am --url http://alertmanager:9093\n"
        "  shiftbell feed add pagerduty work-pd --token-stdin --option from_email=me@example.com\n"
        "  shiftbell feed add ntfy team --url https://ntfy.sh --option topics=team-alerts\n\n"
        "options (--option KEY=VALUE) by kind; `shiftbell feed kinds KIND` says what they do:\n"
        + _options_by_kind(),
        epilog=_FEED_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument("kind", type=_feed_kind, metavar="KIND", help=kinds)
    add.add_argument("name", metavar="NAME", help="your name for it: letters, digits, . _ -")
    add.add_argument(
        "--url",
        metavar="URL",
        help="the source's address, https://... (PagerDuty and Opsgenie have a default)",
    )
    add.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the token from standard input (asks for it when run in a terminal)",
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
        type=_seconds_arg,
        metavar="S",
        help=f"seconds between polls (default {DEFAULT_FEED_INTERVAL_S:g})",
    )
    add.add_argument(
        "--stale-after",
        type=_seconds_arg,
        metavar="S",
        help="raise a feed-down alert after this long without contact "
        "(default 4 x interval, at least 120)",
    )
    add.add_argument("--disabled", action="store_true", help="add it, but do not run it yet")
    add.add_argument(
        "--allow-file-secrets",
        action="store_true",
        help="if there is no OS keyring, keep the token in a file only you can read "
        "(not encrypted) instead of asking",
    )
    add.set_defaults(handler=_feed_add, command="feed add")

    kinds_parser = commands.add_parser(
        "kinds",
        help="the kinds of source, or everything about one: its URL, secret and options",
        epilog=_FEED_EPILOG,
    )
    kinds_parser.add_argument("kind", nargs="?", metavar="KIND")
    kinds_parser.set_defaults(handler=_feed_kinds, command="feed kinds")

    listing = commands.add_parser(
        "list", help="list the feeds (never their tokens)", epilog=_FEED_EPILOG
    )
    listing.add_argument("--json", action="store_true", help="print them as a JSON list")
    listing.set_defaults(handler=_feed_list, command="feed list")

    test = commands.add_parser(
        "test",
        help="connect to a feed with its token and report what it sees",
        epilog=_FEED_EPILOG,
    )
    test.add_argument("name", metavar="NAME")
    test.set_defaults(handler=_feed_test, command="feed test")

    remove = commands.add_parser(
        "remove", help="remove a feed and its stored token", epilog=_FEED_EPILOG
    )
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=_feed_remove, command="feed remove")


def _options_by_kind() -> str:
    lines = []
    for source in registry.feed_sources():
        names = ", ".join(option.name for option in source.feed_options) or "none"
        lines += textwrap.wrap(
            f"{source.id}: {names}", 78, initial_indent="  ", subsequent_indent="    "
        )
    return "\n".join(lines)


def _feed_kinds(args: argparse.Namespace, paths: AppPaths) -> int:
    if args.kind is None:
        print(source_docs.kinds_text())
        return 0
    source = registry.find(args.kind)
    if source is None:
        known = ", ".join(s.id for s in registry.SOURCES)
        return _usage_error(f"feed kinds: {args.kind!r} is not a kind: use {known}")
    print(source_docs.kind_text(source))
    return 0


def _usage_of(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace, AppPaths], int]:
    def usage(args: argparse.Namespace, paths: AppPaths) -> int:
        parser.print_help(sys.stderr)
        return 2

    return usage


def _feed_kind(text: str) -> str:
    kind = feed_rules.parse_kind(text)
    if kind is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a feed kind: use {', '.join(registry.feed_kinds())}"
        )
    return kind


def _seconds_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError("use a positive number of seconds")
    return value


def _add_run_options(parser: argparse.ArgumentParser, argparse_default: Any) -> None:
    parser.add_argument(
        "--show",
        action="store_true",
        default=argparse_default,
        help="open the window at start (default: only the tray icon)",
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        default=argparse_default,
        help="no tray, no window (Qt offscreen): alerts are still received and alarmed",
    )


def _minutes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 1440:
        raise argparse.ArgumentTypeError("use 1 to 1440 minutes")
    return value


# -- where the receiver is -------------------------------------------------------------------


def receiver_url(paths: AppPaths) -> str:
    """SHIFTBELL_URL if set, else 127.0.0.1 at the configured port."""
    override = os.environ.get(URL_ENV, "").strip()
    if override:
        return override.rstrip("/")
    return f"http://{RECEIVER_HOST}:{configured_port(paths)}"


def configured_port(paths: AppPaths) -> int:
    """The receiver port of the settings a running app would be using.

    Read exactly as the app reads config.toml (a BOM, a broken file and the last good
    copy included), so the CLI finds the app that runs; never writes a config file.
    """
    in_force = ConfigKeeper(paths.config_file, paths.data_dir).peek()
    if in_force.fallback:
        _warn(
            f"cannot read {paths.config_file} ({in_force.problems[0]}); "
            f"using the port of {in_force.fallback}, {in_force.settings.receiver.port}"
        )
    return in_force.settings.receiver.port


def _client(paths: AppPaths, timeout: float | None = None) -> ReceiverClient:
    token = load_or_create_token(paths.token_file)
    if timeout is None:
        return ReceiverClient(receiver_url(paths), token)
    return ReceiverClient(receiver_url(paths), token, timeout=timeout)


# -- commands --------------------------------------------------------------------------------


def _run(args: argparse.Namespace, paths: AppPaths) -> int:
    lock = InstanceLock(paths.data_dir)
    if not lock.acquire():
        # Another one holds the lock: it may still be starting, so give it time to answer.
        deadline = time.monotonic() + STARTING_INSTANCE_WAIT_S
        while time.monotonic() < deadline:
            if _bring_forward(paths):
                return 0
            time.sleep(0.2)
        print(
            f"shiftbell: another Shiftbell of yours holds {lock.path} but does not answer; "
            "not starting a second one",
            file=sys.stderr,
        )
        return 1
    if _bring_forward(paths):  # one without the lock (an older Shiftbell) answered
        return 0

    # Imported here so every other command stays free of Qt and starts fast.
    from shiftbell.app import run_app

    # The lock is held for as long as this process runs (the object stays referenced).
    args.instance_lock = lock
    return run_app(args)


def _bring_forward(paths: AppPaths) -> bool:
    try:
        with _client(paths, timeout=PROBE_TIMEOUT_S) as client:
            health = client.health()
            if health.get("app") == "shiftbell":
                client.show_window()
                pid = health.get("pid", "?")
                print(f"Shiftbell is already running (pid {pid}); brought its window forward.")
                return True
    except (ReceiverClientError, ConfigError):
        pass  # nobody of ours answers, or no token to ask with: start the app, which says so
    return False


def _send(args: argparse.Namespace, paths: AppPaths) -> int:
    if args.resolve and not args.key:
        print("shiftbell: send --resolve needs --key KEY (which alert to resolve)", file=sys.stderr)
        return 2
    with _client(paths) as client:
        answer = client.send(
            args.title,
            severity=args.severity,
            summary=args.summary,
            url=args.url,
            key=args.key,
            resolve=args.resolve,
        )
    for alert in answer.get("alerts", []):
        print(alert["id"])
    for key in answer.get("not_found", []):
        print(f"shiftbell: no active alert with key {key!r}; nothing to resolve", file=sys.stderr)
    return 0


def _status(args: argparse.Namespace, paths: AppPaths) -> int:
    with _client(paths) as client:
        alerts = client.alerts()
        health = {} if args.json else client.health()
    if args.json:
        print(json.dumps(alerts, indent=2))
        return 0
    if not alerts:
        print("All clear: no active alerts.")
    now = datetime.now(UTC)
    for alert in alerts:
        print(status_line(alert, now))
    snoozed = health.get("snoozed_until")
    if isinstance(snoozed, str):
        with contextlib.suppress(ValueError):
            snoozed = datetime.fromisoformat(snoozed).astimezone().strftime("%H:%M")
        print(f"Alarm snoozed until {snoozed}.")
    feeds = health.get("feeds")
    for feed in feeds if isinstance(feeds, list) else []:
        if isinstance(feed, dict) and feed.get("ok") is False:
            print(f"Feed {one_line(feed.get('name'))}: {one_line(feed.get('message'), 400)}")
    problems = health.get("problems")
    for problem in problems if isinstance(problems, list) else []:
        print(f"Problem: {one_line(problem, 600)}")
    return 0


def status_line(alert: dict[str, Any], now: datetime) -> str:
    """One alert as `shiftbell status` prints it: id, severity, status, age, title."""
    try:
        started = datetime.fromisoformat(str(alert.get("started_at")))
        age = format_age((now - started).total_seconds())
    except ValueError:
        age = "?"
    alert_id = one_line(alert.get("id", "?"), 16)
    severity = one_line(alert.get("severity", "?"), 10)
    status = one_line(alert.get("status", "?"), 14)
    return (
        f"{alert_id:<8}  {severity:<8}  {status:<12}  {age:>6}  {one_line(alert.get('title', ''))}"
    )


def format_age(seconds: float) -> str:
    """A short age a person reads at a glance: 45s, 12m, 3h05m, 2d04h."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def _ack(args: argparse.Namespace, paths: AppPaths) -> int:
    with _client(paths) as client:
        if args.all:
            acked = client.ack_all()
            if not acked:
                print("Nothing to acknowledge: no firing alerts.")
            else:
                noun = "alert" if len(acked) == 1 else "alerts"
                print(f"Acknowledged {len(acked)} {noun}.")
            return 0
        for alert in client.ack(args.alert_id):
            print(f"Acknowledged {one_line(alert['id'])}: {one_line(alert['title'])}")
    return 0


def _test_alarm(args: argparse.Namespace, paths: AppPaths) -> int:
    with _client(paths) as client:
        client.test_alarm()
    print("Test alarm sent: Shiftbell should sound now.")
    return 0


def _snooze(args: argparse.Namespace, paths: AppPaths) -> int:
    with _client(paths) as client:
        client.snooze(args.minutes)
    print(f"Alarm snoozed for {args.minutes} minutes.")
    return 0


def _token(args: argparse.Namespace, paths: AppPaths) -> int:
    token = load_or_create_token(paths.token_file)
    url = receiver_url(paths)
    token_file = shlex.quote(str(paths.token_file))
    example = json.dumps({"title": "Backup failed", "severity": "critical"})
    lines = [
        f"Receiver URL: {url}",
        f"Token:        {token}",
        f"Token file:   {paths.token_file}",
        "",
        "Send an alert from a script:",
        f'  curl -H "Authorization: Bearer $(cat {token_file})" \\',
        f"    -d '{example}' {url}/api/v1/alerts",
        "",
        f"Alertmanager on this machine (the receiver listens on {RECEIVER_HOST} only),",
        "in alertmanager.yml:",
        "  receivers:",
        "    - name: shiftbell",
        "      webhook_configs:",
        f'        - url: "{url}/api/v1/alertmanager"',
        "          send_resolved: true",
        "          http_config:",
        "            authorization:",
        f'              credentials: "{token}"',
        "              # or, to keep the token out of alertmanager.yml, instead:",
        f'              # credentials_file: "{paths.token_file}"',
    ]
    print("\n".join(lines))
    return 0


def _warn(message: str) -> None:
    print(f"shiftbell: warning: {message}", file=sys.stderr)


def _usage_error(message: str) -> int:
    print(f"shiftbell: {message}", file=sys.stderr)
    return 2


# -- feeds -----------------------------------------------------------------------------------


def _feed_add(args: argparse.Namespace, paths: AppPaths) -> int:
    kind: str = args.kind
    source = registry.source(kind)
    vendor = source.name
    why = feed_rules.name_problem(args.name)
    if why is not None:
        return _usage_error(f"feed add: {why}")
    options = _parse_options(args.option)
    if isinstance(options, str):
        return _usage_error(f"feed add: {options}")
    url = args.url if args.url is not None else source.url_for(options)
    if url is None:
        return _usage_error(f"feed add: a {vendor} feed needs --url (the server's address)")
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
    need = source.secret_need
    word = source.secret_word
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

    secret = _read_token(vendor, word, args.name) if args.token_stdin else ""
    store = SecretStore(paths.data_dir, allow_file=args.allow_file_secrets)
    operations = _feed_operations(paths, store, f"the token for feed {args.name}", "feed")
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
        _warn(f"feed {args.name}: {advice}")
    state = " (disabled)" if args.disabled else ""
    print(f"Added {vendor} feed {args.name}{state} at {url} to {paths.config_file}{where}.")
    print(f"Check it with: shiftbell feed test {args.name}")
    if not args.disabled:
        _tell_running_app(paths, "starts")
    return 0


def _parse_options(pairs: list[str]) -> dict[str, str] | str:
    """`KEY=VALUE` arguments as a dict, or the reason they are not."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        key = key.strip()
        if not equals or not key:
            return f"--option {pair!r} is not KEY=VALUE"
        why = feed_rules.option_problem(key, value)
        if why is not None:
            return why
        if key in options:
            return f"--option {key} is given twice"
        options[key] = value
    return options


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


def _interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def _read_token(vendor: str, word: str, name: str) -> str:
    """The token from standard input: typed without echo in a terminal, else read whole."""
    if _interactive():
        text = getpass.getpass(f"{vendor} {word} for {name} (not shown): ")
    else:
        text = sys.stdin.read()
    token = text.strip()
    if not token:
        raise ConfigError(f"no {word} on standard input: feed {name} was not added")
    if "\n" in token or "\r" in token:
        raise ConfigError(
            f"the {word} on standard input has several lines: give just the {word}; "
            f"feed {name} was not added"
        )
    return token


def _feed_operations(paths: AppPaths, store: SecretStore, what: str, noun: str) -> FeedOperations:
    """The feed operations, asking at the terminal before a secret goes to the file."""

    def may_use_file(file_path: Path) -> bool:
        if not _interactive():
            raise ConfigError(
                f"{NO_KEYRING}, so {what} could not be stored and the {noun} was not added. "
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

    return FeedOperations(paths.config_file, store, may_use_file)


def _read_settings(paths: AppPaths) -> tuple[Settings, list[str]]:
    """The settings as the app would load them, without writing a default file."""
    # The app's own reader (a BOM, the size limit, the same messages); a file it cannot
    # read at all is refused here, since the commands that read it go on to change it.
    loaded = read_settings(paths.config_file)
    if not loaded.readable:
        raise ConfigError(f"{loaded.problems[0]}: fix it first")
    return loaded.settings, loaded.problems


def _feed_problems(problems: list[str]) -> list[str]:
    return [problem for problem in problems if "feed" in problem]


def _feed_list(args: argparse.Namespace, paths: AppPaths) -> int:
    settings, problems = _read_settings(paths)
    for problem in _feed_problems(problems):
        _warn(problem)
    store = SecretStore(paths.data_dir)
    rows = []
    for feed in settings.feeds:
        try:
            secret: str | None = store.where(feed.name).value
        except ShiftbellError as exc:
            _warn(f"feed {feed.name}: {exc}")
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
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No feeds yet. Add one with: shiftbell feed add KIND NAME --url URL")
        return 0
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
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
    for line in table:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        print("  ".join([*cells, line[-1]]))
    return 0


def _feed_test(args: argparse.Namespace, paths: AppPaths) -> int:
    settings, problems = _read_settings(paths)
    feed = settings.feed(args.name)
    if feed is None:
        about = [p for p in problems if f'feed "{args.name}"' in p]
        if about:
            for problem in about:
                print(f"shiftbell: {problem}", file=sys.stderr)
            return 1
        raise ConfigError(
            f"there is no feed named {args.name} in {paths.config_file}: "
            "`shiftbell feed list` shows the feeds"
        )
    store = SecretStore(paths.data_dir)
    secret = store.get(feed.name)
    need = registry.source(feed.kind).secret_need
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


def _feed_remove(args: argparse.Namespace, paths: AppPaths) -> int:
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
        _tell_running_app(paths, "stops")
    return 0


def _tell_running_app(paths: AppPaths, what_happens: str, thing: str = "the feed") -> None:
    """Have a running app pick up the change now; without one, say when it will."""
    try:
        _client(paths, timeout=PROBE_TIMEOUT_S).reload()
    except NotRunningError:
        print(f"Shiftbell is not running: {thing} {what_happens} when it does.")
    except ReceiverClientError as exc:
        print(f"The running Shiftbell did not reload ({exc}): restart it.")
    else:
        what = "feeds" if thing == "the feed" else "settings"
        print(f"The running Shiftbell reloaded its {what}: {thing} {what_happens} now.")


# -- schedules -------------------------------------------------------------------------------

# `schedule add` gives up on the first fetch after this long.
SCHEDULE_FETCH_TIMEOUT_S = 30.0
SHOW_AHEAD = timedelta(days=14)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhd])\s*$", re.IGNORECASE)
_DURATION_UNITS = {"m": 60, "h": 3600, "d": 86400}
MAX_OVERRIDE = timedelta(days=14)

_SCHEDULE_EPILOG = """\
Schedules are kept as [[schedules]] tables in the config file. A calendar link
(https://, webcal://) is a credential (a private PagerDuty or Opsgenie link needs no
sign-in), so it goes to the OS keyring and the file says location = "keyring"; a
calendar file's path stays in the file. The vendor kinds sign in through an alert
feed of the same account (--feed). These commands work without Shiftbell running.

exit status: 0 done, 1 failed (the reason is printed), 2 bad usage.
"""


def _add_schedule_parsers(sub: Any) -> None:
    kinds = ", ".join(registry.schedule_kinds())
    schedule = sub.add_parser(
        "schedule",
        help="add, list, show or remove on-call schedules; override them (works without the app)",
        description="Tell Shiftbell when you are on call, so it can stay quiet off shift.",
        epilog=_SCHEDULE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schedule.set_defaults(handler=_usage_of(schedule), command="schedule")
    commands = schedule.add_subparsers(title="schedule commands", metavar="COMMAND")

    add = commands.add_parser(
        "add",
        help="add a calendar (ICS link or file) or a vendor schedule; fetches it once",
        description="Add a schedule and fetch it once to check it.\n\n"
        "examples:\n"
        "  shiftbell schedule add webcal://acme.pagerduty.com/private/.../feed/P123 --name pd\n"
        "  shiftbell schedule add ~/rota.ics --who Dana\n"
        "  shiftbell schedule add --kind pagerduty --feed work-pd --name pd-oncall",
        epilog=_SCHEDULE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add.add_argument("location", nargs="?", metavar="ICS_URL_OR_PATH")
    add.add_argument("--name", metavar="NAME", help="your name for it: letters, digits, . _ -")
    add.add_argument(
        "--kind", type=_schedule_kind, default=registry.DEFAULT_SCHEDULE_KIND, help=kinds
    )
    add.add_argument("--who", metavar="TEXT", help="ICS: only events naming this person")
    add.add_argument("--feed", metavar="FEEDNAME", help="vendor kinds: the alert feed to sign in")
    add.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE", help="repeatable"
    )
    add.add_argument("--interval", type=_seconds_arg, metavar="S", help="seconds between fetches")
    add.add_argument(
        "--allow-file-secrets",
        action="store_true",
        help="if there is no OS keyring, keep the link in a file only you can read",
    )
    add.set_defaults(handler=_schedule_add, command="schedule add")

    listing = commands.add_parser("list", help="list the schedules", epilog=_SCHEDULE_EPILOG)
    listing.add_argument("--json", action="store_true", help="print them as a JSON list")
    listing.set_defaults(handler=_schedule_list, command="schedule list")

    show = commands.add_parser(
        "show", help="whether you are on call, and the next shifts", epilog=_SCHEDULE_EPILOG
    )
    show.add_argument("--json", action="store_true", help="print it as JSON")
    show.set_defaults(handler=_schedule_show, command="schedule show")

    remove = commands.add_parser(
        "remove", help="remove a schedule, its stored link and copy", epilog=_SCHEDULE_EPILOG
    )
    remove.add_argument("name", metavar="NAME")
    remove.set_defaults(handler=_schedule_remove, command="schedule remove")

    override = commands.add_parser(
        "override",
        help="say you are on or off call for a while, or clear that",
        description="examples:\n"
        "  shiftbell schedule override off --for 4h\n"
        "  shiftbell schedule override on --for 30m\n"
        "  shiftbell schedule override clear",
        epilog=_SCHEDULE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    override.add_argument("state", choices=("on", "off", "clear"))
    override.add_argument(
        "--for", dest="duration", type=parse_duration, metavar="DURATION", help="30m, 4h, 1d"
    )
    override.set_defaults(handler=_schedule_override, command="schedule override")


def _schedule_kind(text: str) -> str:
    kind = schedule_rules.parse_kind(text)
    if kind is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a schedule kind: use {_KINDS}")
    return kind


_KINDS = schedule_rules.KIND_CHOICES


def parse_duration(text: str) -> timedelta:
    """`30m`, `4h`, `1d` (up to two weeks) as a timedelta."""
    found = _DURATION.match(text)
    if found is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration: use minutes, hours or days like 30m, 4h, 1d"
        )
    value = timedelta(seconds=float(found[1]) * _DURATION_UNITS[found[2].lower()])
    if not timedelta(minutes=1) <= value <= MAX_OVERRIDE:
        raise argparse.ArgumentTypeError(f"{text!r} must be from 1 minute to 14 days")
    return value


def _schedule_cache(paths: AppPaths) -> ScheduleCache:
    return ScheduleCache(schedule_cache_dir(paths.data_dir))


def _default_schedule_name(location: str) -> str:
    if schedule_rules.is_link(location):
        host = urlsplit(location).hostname or ""
        stem = host.split(".")[0] if host else ""
    else:
        stem = Path(location).stem
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.")[:FEED_NAME_MAX]
    return name or "calendar"


def _schedule_add(args: argparse.Namespace, paths: AppPaths) -> int:
    kind: str = args.kind
    source = registry.source(kind)
    options = _parse_options(args.option)
    if isinstance(options, str):
        return _usage_error(f"schedule add: {options}")
    if args.who:
        options["who"] = args.who
    if args.feed:
        options["feed"] = args.feed
    link = ""
    if not source.schedule_signs_in_through_feed:
        if not args.location:
            return _usage_error(
                "schedule add: give the calendar's link (https://, webcal://) or file"
            )
        location = args.location.strip()
        if schedule_rules.is_link(location):
            link, stored_location = location, KEYRING_LOCATION
        else:
            path = Path(location).expanduser().resolve()
            if not path.is_file():
                raise ConfigError(
                    f"there is no calendar file at {path}: the schedule was not added"
                )
            location = stored_location = str(path)
    else:
        if args.location:
            return _usage_error(
                f"schedule add: a {kind} schedule has no link or file: leave out "
                f"{args.location!r} and name the alert feed with --feed"
            )
        location = stored_location = ""
    name = args.name or (_default_schedule_name(location) if location else "")
    if not name:
        return _usage_error(f"schedule add: a {kind} schedule needs --name")
    interval = args.interval if args.interval is not None else source.schedule_interval_s
    config = ScheduleSourceConfig(name, kind, stored_location, options, interval)
    problems = schedule_rules.schedule_problems(config)
    if problems:
        for problem in problems:
            print(f"shiftbell: schedule add: {problem}", file=sys.stderr)
        return 2
    settings, _ = _read_settings(paths)
    if settings.schedule_source(name) is not None:
        raise ConfigError(
            f'a schedule named "{name}" is already in {paths.config_file}: choose another '
            f"--name, or remove it first with `shiftbell schedule remove {name}`"
        )
    store = SecretStore(paths.data_dir, allow_file=args.allow_file_secrets)
    fetch_config = ScheduleSourceConfig(name, kind, location, options, interval)
    feed, secret = None, ""
    if source.schedule_signs_in_through_feed:
        feed_settings = settings.feed(options["feed"])
        if feed_settings is None:
            raise ConfigError(
                f"there is no feed named {options['feed']} in {paths.config_file}: add it with "
                "`shiftbell feed add`, then add the schedule"
            )
        feed, secret = feed_settings.config, store.get(feed_settings.name)

    now = datetime.now(UTC)
    tz = local_zone()
    try:
        schedule = build_schedule(fetch_config, tz=tz, feed=feed, secret=secret)
        shifts = asyncio.run(_fetch_once(schedule, now))
    except FeedError as exc:
        raise ConfigError(f"schedule {name} was not added: {exc}") from None
    if link:
        try:
            _store_secret_scoped(store, name, link)
        except NoKeyringError as exc:
            raise ConfigError(
                f"{NO_KEYRING}, so the link of schedule {name} could not be stored and the "
                f"schedule was not added. To keep it in {exc.file_path} instead (readable only "
                "by you, not encrypted), run the command again with --allow-file-secrets"
            ) from None
    try:
        add_schedule(paths.config_file, config)
    except ConfigError:
        if link:
            store.delete(name, scope=SECRET_SCOPE)
        raise
    # The copy the app (and `schedule show`) start from, before the first refresh.
    _schedule_cache(paths).record_success(
        name, schedule.noun, shifts, now, now.astimezone(UTC) + schedule.lookahead
    )
    coming = [s for s in shifts if s.end > now and s.start < now + SHOW_AHEAD]
    where = " (its link is in the OS keyring)" if link else ""
    print(f"Added {schedule.noun} {name} to {paths.config_file}{where}.")
    print(f"It has {len(coming)} shift{'s' if len(coming) != 1 else ''} in the next 14 days.")
    if not coming and options.get("who"):
        print(f"No event names {options['who']!r}: check --who against the calendar.")
    _tell_running_app(paths, "is followed", thing=f"schedule {name}")
    return 0


def _store_secret_scoped(store: SecretStore, name: str, link: str) -> None:
    store.set(name, link, scope=SECRET_SCOPE)


async def _fetch_once(source: ScheduleSource, now: datetime) -> list[Shift]:
    try:
        return await asyncio.wait_for(source.fetch(now), SCHEDULE_FETCH_TIMEOUT_S)
    except TimeoutError:
        raise FeedUnreachableError(
            f"{source.noun} {source.name} did not answer within {SCHEDULE_FETCH_TIMEOUT_S:g} s"
        ) from None
    finally:
        await source.close()


def _schedule_list(args: argparse.Namespace, paths: AppPaths) -> int:
    settings, problems = _read_settings(paths)
    for problem in problems:
        if "schedule" in problem:
            _warn(problem)
    rows = [
        {
            "name": config.name,
            "kind": config.kind,
            "location": config.location,
            "interval_s": config.interval_s,
            "options": dict(config.options),
        }
        for config in settings.schedules
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    if not rows:
        print("No schedules yet. Add one with: shiftbell schedule add ICS_URL_OR_PATH")
        return 0
    table = [("NAME", "KIND", "EVERY", "WHERE")]
    for row in rows:
        where = str(row["location"])
        if where == KEYRING_LOCATION:
            where = "link in the keyring"
        elif not where:
            where = f"feed {row['options'].get('feed', '?')}"  # type: ignore[attr-defined]
        table.append((str(row["name"]), str(row["kind"]), f"{row['interval_s']:g} s", where))
    widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
    for line in table:
        cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
        print("  ".join([*cells, line[-1]]))
    return 0


def _schedule_remove(args: argparse.Namespace, paths: AppPaths) -> int:
    name = args.name
    try:
        remove_schedule(paths.config_file, name)
        removed_config = True
    except ScheduleNotFoundError:
        removed_config = False
    try:
        removed_secret = SecretStore(paths.data_dir).delete(name, scope=SECRET_SCOPE)
    except ShiftbellError as exc:
        _warn(f"schedule {name}: {exc}")
        removed_secret = False
    _schedule_cache(paths).forget(name)
    if not removed_config and not removed_secret:
        raise ConfigError(f"there is no schedule named {name} in {paths.config_file}")
    link = " and its stored link" if removed_secret else ""
    print(f"Removed schedule {name} from {paths.config_file}{link}.")
    if removed_config:
        _tell_running_app(paths, "is no longer followed", thing=f"schedule {name}")
    return 0


def _schedule_override(args: argparse.Namespace, paths: AppPaths) -> int:
    store = OverrideStore(paths.data_dir)
    if args.state == "clear":
        if args.duration is not None:
            return _usage_error("schedule override clear: takes no --for")
        cleared = store.clear()
        print(
            "Cleared the override: the schedule decides." if cleared else "There was no override."
        )
        if cleared:
            _tell_running_app(paths, "applies", thing="the schedule")
        return 0
    if args.duration is None:
        return _usage_error(f"schedule override {args.state}: say how long, e.g. --for 4h")
    now = datetime.now(UTC)
    on_call = args.state == "on"
    until = now + args.duration
    store.save(Override(on_call=on_call, until=until, since=now))
    local = until.astimezone(local_zone())
    print(
        f"{'On' if on_call else 'Off'} call until {_local_time(local, now)}, whatever the schedule."
    )
    _tell_running_app(paths, "applies", thing="the override")
    return 0


def _schedule_show(args: argparse.Namespace, paths: AppPaths) -> int:
    settings, _ = _read_settings(paths)
    now = datetime.now(UTC)
    tz = local_zone()
    cache = _schedule_cache(paths)
    copies = [
        cache.load(config.name) or ScheduleCopy(config.name, noun_of(config.kind))
        for config in settings.schedules
    ]
    schedule = on_call_schedule(copies)
    override = OverrideStore(paths.data_dir).load()
    state = on_call_state(schedule, override, now)
    upcoming = [s for s in schedule.shifts_between(now, now + SHOW_AHEAD) if s.start > now]

    def iso(moment: datetime | None) -> str | None:
        return moment.astimezone(tz).isoformat() if moment is not None else None

    if args.json:
        current = state.current
        report = {
            "now": iso(now),
            "on_call": state.on_call,
            "until": iso(state.until),
            "overridden": state.overridden,
            "override": None
            if override is None or not override.active_at(now)
            else {"on_call": override.on_call, "until": iso(override.until)},
            "schedule_known": state.schedule_known,
            "current_shift": None
            if current is None
            else {"start": iso(current.start), "end": iso(current.end)},
            "next_shifts": [
                {"start": iso(s.start), "end": iso(s.end), "source": s.source, "label": s.label}
                for s in upcoming
            ],
            "sources": [
                {
                    "name": copy.name,
                    "noun": copy.noun,
                    "freshness": copy.freshness.value,
                    "problem": copy.problem.value,
                    "error": copy.error,
                    "fetched_at": iso(copy.fetched_at),
                    "known_until": iso(copy.known_until),
                    "failing_since": iso(copy.failing_since),
                }
                for copy in copies
            ],
        }
        print(json.dumps(report, indent=2))
        return 0
    print(describe_state(state, now, tz, has_schedules=bool(copies)))
    for copy in copies:
        if copy.fetched_at is None and copy.problem is Problem.NONE:
            print(f"{copy.noun} {copy.name}: not fetched yet (Shiftbell fetches it when it runs)")
        elif line := copy.describe(now, tz):
            print(line)
    return 0


def describe_state(state: OnCallState, now: datetime, tz: tzinfo, *, has_schedules: bool) -> str:
    """ "On call until Tue 09:00" / "Off call — next shift Fri 18:00 (in 2 days)"."""
    why = " (your override)" if state.overridden else ""
    if state.on_call:
        if state.until is None:
            if not has_schedules:
                return "On call (no schedule: add one with `shiftbell schedule add`)"
            return f"On call{why}"
        return f"On call until {_local_time(state.until.astimezone(tz), now)}{why}"
    head = f"Off call{why}"
    if state.next_shift is None:
        return f"{head} — no shift in the next 14 days"
    start = state.next_shift.start
    return f"{head} — next shift {_local_time(start.astimezone(tz), now)} ({_in(start - now)})"


def _local_time(local: datetime, now: datetime) -> str:
    if abs(local - now) < timedelta(days=6):
        return f"{local:%a %H:%M}"
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _in(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"in {minutes} min"
    if minutes < 48 * 60:
        return f"in {minutes // 60} h"
    return f"in {minutes // (24 * 60)} days"
