"""The arguments of `shiftbell schedule ...`."""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from typing import Any

from shiftbell.cli.common import CommandGroup, seconds_arg
from shiftbell.cli.group_help import SCHEDULE_HELP
from shiftbell.settings import schedule_rules
from shiftbell.sources import registry

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


def add_schedule_parsers(sub: Any) -> None:
    kinds = ", ".join(registry.schedule_kinds())
    schedule = CommandGroup(
        sub,
        "schedule",
        help=SCHEDULE_HELP,
        description="Tell Shiftbell when you are on call, so it can stay quiet off shift.",
        epilog=_SCHEDULE_EPILOG,
        module="schedule_commands",
    )
    add = schedule.add(
        "add",
        "add a calendar (ICS link or file) or a vendor schedule; fetches it once",
        "Add a schedule and fetch it once to check it.\n\n"
        "examples:\n"
        "  shiftbell schedule add webcal://acme.pagerduty.com/private/.../feed/P123 --name pd\n"
        "  shiftbell schedule add ~/rota.ics --who Dana\n"
        "  shiftbell schedule add --kind pagerduty --feed work-pd --name pd-oncall",
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
    add.add_argument("--interval", type=seconds_arg, metavar="S", help="seconds between fetches")
    add.add_argument(
        "--allow-file-secrets",
        action="store_true",
        help="if there is no OS keyring, keep the link in a file only you can read",
    )

    listing = schedule.add("list", "list the schedules")
    listing.add_argument("--json", action="store_true", help="print them as a JSON list")
    show = schedule.add("show", "whether you are on call, and the next shifts")
    show.add_argument("--json", action="store_true", help="print it as JSON")
    schedule.add("remove", "remove a schedule, its stored link and copy").add_argument(
        "name", metavar="NAME"
    )
    override = schedule.add(
        "override",
        "say you are on or off call for a while, or clear that",
        "examples:\n"
        "  shiftbell schedule override off --for 4h\n"
        "  shiftbell schedule override on --for 30m\n"
        "  shiftbell schedule override clear",
    )
    override.add_argument("state", choices=("on", "off", "clear"))
    override.add_argument(
        "--for", dest="duration", type=parse_duration, metavar="DURATION", help="30m, 4h, 1d"
    )


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
