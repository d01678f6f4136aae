"""What makes a `[[schedules]]` entry valid, for the loader, the editor and the CLI.

Like feed_rules: each check returns None when the value is fine, or the reason it is not,
worded to follow in a sentence; callers add the file and line, or the command to fix it.

Where an ICS schedule's calendar lives (decided here, documented in the template):
- a link (https://, webcal://, http://) is a credential (PagerDuty's and Opsgenie's private
  links work without signing in), so it goes to the keyring under the schedule's name
  (`SecretStore` scope "schedule") and the file says `location = "keyring"`;
- a file path is not a secret and stays in the file, absolute.
A link written into the file by hand still works; the loader does not refuse it.
"""

from __future__ import annotations

import math
from urllib.parse import urlsplit

from shiftbell.settings.feed_rules import name_problem, option_problem, seconds_text
from shiftbell.settings.kinds import SCHEDULE_KINDS
from shiftbell.settings.model import (
    KEYRING_LOCATION,
    MAX_SCHEDULE_INTERVAL_S,
    MIN_SCHEDULE_INTERVAL_S,
)
from shiftbell.sources import registry
from shiftbell.sources.schedule import ScheduleSourceConfig
from shiftbell.sources.spec import option_problems

KIND_CHOICES = SCHEDULE_KINDS.choices
parse_kind = SCHEDULE_KINDS.parse
kind_problem = SCHEDULE_KINDS.problem
LINK_SCHEMES = ("https", "http", "webcal")


def is_link(location: str) -> bool:
    """True for a calendar link (kept in the keyring), False for a file path."""
    return urlsplit(location.strip()).scheme.lower() in LINK_SCHEMES


def schedule_name_problem(name: str) -> str | None:
    why = name_problem(name)
    return why.replace("the feed", "the schedule") if why is not None else None


def interval_problem(interval_s: float) -> str | None:
    if not math.isfinite(interval_s) or interval_s < MIN_SCHEDULE_INTERVAL_S:
        return (
            f"interval_s = {seconds_text(interval_s) if math.isfinite(interval_s) else interval_s}"
            f" is too short: schedules are fetched at most once every "
            f"{seconds_text(MIN_SCHEDULE_INTERVAL_S)} s"
        )
    if interval_s > MAX_SCHEDULE_INTERVAL_S:
        return (
            f"interval_s = {seconds_text(interval_s)} is too long: at most "
            f"{seconds_text(MAX_SCHEDULE_INTERVAL_S)} s (a day)"
        )
    return None


def location_problem(kind: str, location: str) -> str | None:
    if registry.source(kind).schedule_signs_in_through_feed:
        return None
    if not location.strip():
        return (
            'has no location: add location = "/path/to/calendar.ics", or add the link with '
            "`shiftbell schedule add LINK` (it goes to the keyring)"
        )
    scheme = urlsplit(location.strip()).scheme.lower()
    if location.strip() == KEYRING_LOCATION or scheme in LINK_SCHEMES:
        return None
    if scheme and len(scheme) > 1:  # "c:" is a Windows drive, not a scheme
        return f'location "{location}" is a {scheme}:// link: use https://, webcal:// or a file'
    return None


def options_problems(
    kind: str, options: dict[str, str], *, check_required: bool = True
) -> list[str]:
    """Unknown keys, values that are not text or not valid, and (with `check_required`)
    missing required options, each naming the key."""
    source = registry.source(kind)
    found = []
    texts = {}
    for key, value in options.items():
        why = option_problem(key, value)
        if why is not None:
            found.append(why)
        else:
            texts[key] = value
    owner = f"{kind} schedules"
    found += option_problems(source.schedule_options, texts, owner, check_required=False)
    if check_required:
        for option in source.schedule_options:
            if option.required and not texts.get(option.name, "").strip():
                found.append(_required_text(kind, option.name))
    return found


def _required_text(kind: str, name: str) -> str:
    if name == "feed":
        return (
            f"a {kind} schedule signs in through an alert feed of the same account: "
            'set the option feed = "FEEDNAME"'
        )
    return f"a {kind} schedule needs the option {name}"


def schedule_problems(config: ScheduleSourceConfig) -> list[str]:
    """Everything wrong with a schedule built in code (the CLI, the Settings window)."""
    found = [
        schedule_name_problem(config.name),
        interval_problem(config.interval_s),
        location_problem(config.kind, config.location),
    ]
    return [p for p in found if p is not None] + options_problems(config.kind, dict(config.options))


def where_text(config: ScheduleSourceConfig) -> str:
    """Where a schedule is read from, in a few words: its file, "link in the keyring", or the
    alert feed a vendor schedule signs in through."""
    if config.location == KEYRING_LOCATION:
        return "link in the keyring"
    return config.location or f"feed {config.options.get('feed', '?')}"
