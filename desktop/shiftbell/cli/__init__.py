"""The `shiftbell` command: runs the tray app, or talks to the running one.

Every subcommand but `run`, `token`, `feed` and `schedule` is a request to the running app's
local receiver (receiver/), so this package never imports Qt: `shiftbell
status` answers in a fraction of a second and works over SSH. `shiftbell feed` and
`shiftbell schedule` edit the config file and the keyring directly (and `schedule show`
reads the saved schedule copies), so they work without the app.

Exit status: 0 done, 1 failed (the message on stderr says why), 2 bad usage.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

from shiftbell import __version__
from shiftbell.cli.common import URL_ENV, label_arg, later
from shiftbell.cli.group_help import FEED_HELP, PHONE_HELP, SCHEDULE_HELP
from shiftbell.core.errors import ShiftbellError
from shiftbell.receiver.address import DEFAULT_RECEIVER_PORT, RECEIVER_HOST
from shiftbell.system.paths import AppPaths
from shiftbell.system.terminal import terminal_safe_output

SEVERITIES = ("info", "warning", "critical")


_EPILOG = f"""\
The commands other than `run`, `token` and `feed` talk to the running Shiftbell through
its local receiver on {RECEIVER_HOST}, at the port set by [receiver] port in the
config file; with the default, 0, each user's Shiftbell takes its own port (from
{DEFAULT_RECEIVER_PORT} up) and writes it to the data dir, where these commands find it.
They never talk to another user's Shiftbell. The token is in the data dir too.
Set {URL_ENV} to reach a receiver at another address
(for example {URL_ENV}=http://127.0.0.1:8975).

exit status: 0 done, 1 failed (the reason is printed), 2 bad usage.
"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `shiftbell` console script."""
    # Whatever a source put in an alert reaches the terminal only as plain text.
    with terminal_safe_output():
        words = list(sys.argv[1:] if argv is None else argv)
        parser = _build_parser(_command_word(words))
        args = parser.parse_args(words)
        paths = AppPaths.default()
        command: Callable[[argparse.Namespace, AppPaths], int] = args.handler
        try:
            return command(args, paths)
        except ShiftbellError as exc:
            print(f"shiftbell: {exc}", file=sys.stderr)
            return 1


def _build_parser(wanted: str | None = None) -> argparse.ArgumentParser:
    """The parser; of the command groups (feed, schedule, phone) only `wanted`'s in full."""
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
    parser.set_defaults(handler=later("app_commands", "run"), command="run")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    run = _command(sub, "run", "run the tray app (the default)")
    # SUPPRESS: without it the subcommand's defaults would undo `shiftbell --show run`.
    _add_run_options(run, argparse_default=argparse.SUPPRESS)

    send = _command(
        sub,
        "send",
        "send an alert to the running app; prints its id",
        description="Send an alert to the running Shiftbell. Without --key every send is a\n"
        "new alert; with --key the same key updates that alert, and --resolve resolves it.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    send.add_argument("title", metavar="TITLE", help="what happened, in a few words")
    send.add_argument("--severity", choices=SEVERITIES, help="default: warning")
    send.add_argument("--summary", metavar="TEXT", help="more detail")
    send.add_argument("--url", metavar="URL", help="a link to open from the alert")
    send.add_argument("--key", metavar="KEY", help="your id for this alert")
    send.add_argument(
        "--label",
        action="append",
        metavar="NAME=VALUE",
        type=label_arg,
        help="a label to filter and group by (host=db1); may be repeated",
    )
    send.add_argument("--resolve", action="store_true", help="resolve the alert with --key")
    status = _command(sub, "status", "list the active alerts")
    status.add_argument("--json", action="store_true", help="print them as a JSON list")
    check = _command(
        sub,
        "check",
        "check that everything that wakes you works (exit status 1 if not)",
        description="The pre-shift check, now: every feed, the notification service, the "
        "sound output, saving, and every phone. A failure is also a warning alert in "
        "Shiftbell saying what to fix.",
    )
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    report = _command(
        sub,
        "report",
        "the hand-over report of a shift: alerts, who acknowledged how fast, what is open",
        description="The hand-over report, from the alert database and the saved schedule "
        "(works without the app). --since and --until take a time (2026-03-02T18:00, 18:00) "
        "or a duration ago (8h, 90m, 1d).",
        module="report_commands",
    )
    report.add_argument("--shift", choices=("current", "last"), default="current")
    report.add_argument("--since", metavar="WHEN")
    report.add_argument("--until", metavar="WHEN")
    report.add_argument("--format", choices=("md", "html", "json"), default="md")
    noting = _command(
        sub,
        "note",
        "write a note for the hand-over report: on an alert (ID) or on the shift (--shift)",
        module="report_commands",
    )
    noting.add_argument(
        "words", nargs="+", metavar="[ID] TEXT", help='an alert\'s ID, then the note; "" removes it'
    )
    noting.add_argument("--shift", action="store_true", help="a note on the shift (no ID)")

    ack = _command(sub, "ack", "acknowledge an alert (or --all)")
    which = ack.add_mutually_exclusive_group(required=True)
    which.add_argument("alert_id", nargs="?", metavar="ID", help=_ID_HELP)
    which.add_argument("--all", action="store_true", help="every firing alert")
    ack.add_argument(
        "--comment",
        default="",
        metavar="TEXT",
        help="with an ID: for the source to show (an Alertmanager silence's comment, an "
        "Opsgenie or PagerDuty note, an Icinga, Nagios or Zabbix acknowledgement's comment)",
    )

    silence = _command(
        sub,
        "silence",
        "silence an alert at its source for DURATION (an Alertmanager silence, a PagerDuty "
        "or Opsgenie snooze, a Grafana IRM silence, an Icinga downtime)",
        alert_id=True,
    )
    silence.add_argument("duration", metavar="DURATION", help="15m, 1h, 4h, 1h30m")
    silence.add_argument("--comment", default="", metavar="TEXT", help="what the team sees")

    resolve = _command(
        sub,
        "resolve",
        "resolve an alert at its source, for everyone (one you sent: here)",
        alert_id=True,
    )
    resolve.add_argument(
        "--comment",
        default="",
        metavar="TEXT",
        help="a note for the source (PagerDuty, Opsgenie, Zabbix)",
    )

    _command(sub, "unack", "take an acknowledgement back: the alert fires again", alert_id=True)
    _command(sub, "test-alarm", "sound the alarm once to check the speakers")

    snooze = _command(
        sub,
        "snooze",
        "silence the alarm for MINUTES, or one alert: snooze ID DURATION",
        description="`snooze MINUTES` holds back the sound of everything firing now (1 to "
        "1440 minutes); anything new still alarms. `snooze ID DURATION` holds back one "
        "alert (15m, 1h, 1h30m, 90s; a bare number is minutes); it alarms again by itself "
        "after.",
    )
    snooze.add_argument("what", metavar="MINUTES|ID", help="minutes, or an alert's id")
    snooze.add_argument("duration", nargs="?", metavar="DURATION", help="with an ID: how long")

    _command(
        sub,
        "token",
        "print the receiver's URL, token and an Alertmanager example",
        description="Print the receiver URL and token, with examples for scripts and "
        "Alertmanager. Works without a running app (makes the token on first use).",
        epilog=None,
    )
    autostart = _command(
        sub,
        "autostart",
        "start Shiftbell when you log in: on, off, or status",
        description="Start Shiftbell in the tray when you log in (an XDG autostart entry on "
        "Linux, a LaunchAgent on macOS, the Run key on Windows), or stop doing so.",
    )
    autostart.add_argument("state", choices=("on", "off", "status"))
    for name, (module, function, summary) in _GROUPS.items():
        if wanted is None or wanted == name:
            adder = getattr(importlib.import_module(f"shiftbell.cli.{module}"), function)
            adder(sub)
        else:
            # Not the command given: its kinds and options (every source's declaration) need
            # not be loaded for `shiftbell status` to answer.
            sub.add_parser(name, help=summary)
    return parser


# The commands with commands of their own, built only when they are the one given (or help
# is asked for without a command): (module, function, their line in `shiftbell --help`).
_GROUPS = {
    "feed": ("feed_args", "add_feed_parsers", FEED_HELP),
    "schedule": ("schedule_args", "add_schedule_parsers", SCHEDULE_HELP),
    "phone": ("phone_args", "add_phone_parsers", PHONE_HELP),
}


def _command_word(argv: Sequence[str]) -> str | None:
    """The command in `argv` (its first word that is not an option), or None."""
    return next((word for word in argv if not word.startswith("-")), None)


_ID_HELP = "as `shiftbell status` shows"


def _command(
    sub: Any,
    name: str,
    help: str,
    *,
    alert_id: bool = False,
    description: str | None = None,
    epilog: str | None = _EPILOG,
    module: str = "app_commands",
    **more: Any,
) -> argparse.ArgumentParser:
    """A command carried out by app_commands' function of the same name (dashes as
    underscores), with an alert's ID as its first argument if `alert_id`."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name, help=help, description=description, epilog=epilog, **more
    )
    if alert_id:
        parser.add_argument("alert_id", metavar="ID", help=_ID_HELP)
    parser.set_defaults(handler=later(module, name.replace("-", "_")), command=name)
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
    parser.add_argument(
        "--autostart",
        action="store_true",
        default=argparse_default,
        help="started at login: the tray only, waiting up to a minute for the panel's tray",
    )
