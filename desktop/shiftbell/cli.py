"""The `shiftbell` command: runs the tray app, or talks to the running one.

Every subcommand but `run` and `token` is a request to the running app's local
receiver (see feeds/local.py), so this module never imports Qt: `shiftbell
status` answers in a fraction of a second and works over SSH.

Exit status: 0 done, 1 failed (the message on stderr says why), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import tomllib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shiftbell import __version__
from shiftbell.client import ReceiverClient, ReceiverClientError
from shiftbell.core.errors import ShiftbellError
from shiftbell.feeds.payloads import DEFAULT_RECEIVER_PORT, RECEIVER_HOST
from shiftbell.feeds.token import load_or_create_token
from shiftbell.paths import AppPaths

URL_ENV = "SHIFTBELL_URL"
PROBE_TIMEOUT_S = 2.0
SEVERITIES = ("info", "warning", "critical")

_EPILOG = f"""\
The commands other than `run` and `token` talk to the running Shiftbell through
its local receiver on {RECEIVER_HOST}, at the port set by [receiver] port in the
config file (default {DEFAULT_RECEIVER_PORT}), using the token in the data dir.
Set {URL_ENV} to reach a receiver at another address
(for example {URL_ENV}=http://127.0.0.1:8975).

exit status: 0 done, 1 failed (the reason is printed), 2 bad usage.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `shiftbell` console script."""
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
    return parser


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
    return f"http://{RECEIVER_HOST}:{configured_port(paths.config_file)}"


def configured_port(config_file: Path) -> int:
    """`[receiver] port` from the config file, or the default when unset or unreadable.

    The one place the CLI reads the config, so switching to the settings package
    is a one-line change here. Read-only on purpose: a status query must not
    write a config file.
    """
    try:
        with config_file.open("rb") as file:
            config = tomllib.load(file)
    except FileNotFoundError:
        return DEFAULT_RECEIVER_PORT
    except (OSError, tomllib.TOMLDecodeError) as exc:
        _warn(f"cannot read {config_file} ({exc}); trying port {DEFAULT_RECEIVER_PORT}")
        return DEFAULT_RECEIVER_PORT
    receiver = config.get("receiver", {})
    port = receiver.get("port", DEFAULT_RECEIVER_PORT) if isinstance(receiver, dict) else None
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        _warn(
            f"[receiver] port in {config_file} is not a port number (1-65535); "
            f"trying {DEFAULT_RECEIVER_PORT}"
        )
        return DEFAULT_RECEIVER_PORT
    return port


def _client(paths: AppPaths, timeout: float | None = None) -> ReceiverClient:
    token = load_or_create_token(paths.token_file)
    if timeout is None:
        return ReceiverClient(receiver_url(paths), token)
    return ReceiverClient(receiver_url(paths), token, timeout=timeout)


# -- commands --------------------------------------------------------------------------------


def _run(args: argparse.Namespace, paths: AppPaths) -> int:
    try:
        with _client(paths, timeout=PROBE_TIMEOUT_S) as client:
            health = client.health()
            if health.get("app") == "shiftbell":
                client.show_window()
                pid = health.get("pid", "?")
                print(f"Shiftbell is already running (pid {pid}); brought its window forward.")
                return 0
    except ReceiverClientError:
        pass  # nobody of ours answers: start the app (it reports a taken port itself)

    # Imported here so every other command stays free of Qt and starts fast.
    from shiftbell.app import run_app

    return run_app(args)


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
    if args.json:
        print(json.dumps(alerts, indent=2))
        return 0
    if not alerts:
        print("All clear: no active alerts.")
        return 0
    now = datetime.now(UTC)
    for alert in alerts:
        print(status_line(alert, now))
    return 0


def status_line(alert: dict[str, Any], now: datetime) -> str:
    """One alert as `shiftbell status` prints it: id, severity, status, age, title."""
    try:
        started = datetime.fromisoformat(str(alert.get("started_at")))
        age = format_age((now - started).total_seconds())
    except ValueError:
        age = "?"
    return (
        f"{alert.get('id', '?'):<8}  {alert.get('severity', '?'):<8}  "
        f"{alert.get('status', '?'):<12}  {age:>6}  {alert.get('title', '')}"
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
            print(f"Acknowledged {alert['id']}: {alert['title']}")
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
