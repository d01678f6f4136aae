"""The arguments of `shiftbell phone ...`; the kinds and their options come from the phone
channels' declarations (phones/registry.py)."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from shiftbell.cli.common import CommandGroup, add_secret_arguments
from shiftbell.cli.group_help import PHONE_HELP
from shiftbell.phones import registry

_PHONE_EPILOG = """\
Phones are kept as [[phones]] tables in the config file; their tokens go to the OS
keyring, never to the config file. A critical alert nobody acknowledges at the desk
for [escalation.critical] phone_after_s (180 by default) goes to every phone listed.
These commands work without Shiftbell running.

exit status: 0 done, 1 failed (the reason is printed), 2 bad usage.
"""


def add_phone_parsers(sub: Any) -> None:
    kinds = ", ".join(registry.phone_kinds())
    phone = CommandGroup(
        sub,
        "phone",
        help=PHONE_HELP,
        description=f"Where an alarm nobody answers at the desk goes. KIND is one of: {kinds}.",
        epilog=_PHONE_EPILOG,
        module="phone_commands",
    )
    add = phone.add(
        "add",
        "add a phone channel; its token is read from standard input",
        "Add a phone channel to the config file; send it a test with `phone test NAME`.\n\n"
        "examples:\n"
        "  shiftbell phone add ntfy my-phone --option topic=oncall-alex-7f3k\n"
        "  shiftbell phone add pushover pager --token-stdin --option user=uQiRzpo4DXgh...\n"
        "  shiftbell phone add webhook sms --url https://sms.example/hook --token-stdin\n\n"
        "kinds and their options (--option KEY=VALUE):\n" + _options_by_kind(),
    )
    add.add_argument("kind", type=_phone_kind, metavar="KIND", help=kinds)
    add.add_argument("name", metavar="NAME", help="your name for it: letters, digits, . _ -")
    add.add_argument("--url", metavar="URL", help="the server (ntfy and Pushover have a default)")
    add.add_argument(
        "--option", action="append", default=[], metavar="KEY=VALUE", help="repeatable"
    )
    add_secret_arguments(add)
    listing = phone.add("list", "list the phone channels (never their tokens)")
    listing.add_argument("--json", action="store_true", help="print them as a JSON list")
    phone.add("test", "send a test message to a phone channel").add_argument("name", metavar="NAME")
    phone.add("remove", "remove a phone channel and its stored token").add_argument(
        "name", metavar="NAME"
    )


def _options_by_kind() -> str:
    lines = []
    for spec in registry.PHONES:
        lines += textwrap.wrap(
            f"{spec.id}: {spec.help}", 78, initial_indent="  ", subsequent_indent="    "
        )
        for option in spec.options:
            lines += textwrap.wrap(
                f"{option.name}: {option.describe()}",
                78,
                initial_indent="    ",
                subsequent_indent="      ",
            )
    return "\n".join(lines)


def _phone_kind(text: str) -> str:
    spec = registry.find(text)
    if spec is None:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a phone kind: use {', '.join(registry.phone_kinds())}"
        )
    return spec.id
