"""The config file as text: every option with a comment that says what it does.

tomllib only reads TOML, and a file written by a generic TOML writer would carry
no comments, so the file is rendered from this template. `render_settings(s)`
parses back to exactly `s` (tested), which makes it usable for saving too.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from datetime import time, timedelta

from shiftbell.core.escalation import EscalationSettings, SeverityPolicy
from shiftbell.phones.channel import PhoneConfig
from shiftbell.settings import schema
from shiftbell.settings.model import (
    DEFAULT_FEED_INTERVAL_S,
    FeedSettings,
    NotificationBackend,
    ScheduleConfig,
    Settings,
    default_stale_after_s,
)
from shiftbell.sources import registry
from shiftbell.sources.schedule import ScheduleSourceConfig

SEVERITIES = ("info", "warning", "critical")
DEFAULT_SETTINGS = Settings()

_HEADER = """\
# Shiftbell configuration.
#
# Shiftbell reads this file when it starts: restart it after editing. If a value
# is wrong, Shiftbell says which one and uses the default for it, leaving the
# rest of your settings (and this file) as they are. Delete the file to have it
# written again with the defaults.
#
# No secrets belong here. The receiver token and feed credentials live in the
# OS keyring or in Shiftbell's private data folder, never in this file.
#
# Durations are in seconds: their names end in _s.
"""

_ESCALATION_HELP = "\n".join(
    [
        "# Escalation: what an unacknowledged alert does over time, per severity",
        "# (info, warning, critical).",
        *schema.help_lines(schema.SEVERITY),
        "",
    ]
)

_SEVERITY_HELP = {
    "info": "info: the least urgent.",
    "warning": "warning: worth a look soon.",
    "critical": "critical: wake the person up.",
}


def render_settings(settings: Settings = DEFAULT_SETTINGS) -> str:
    """The whole config file for `settings`, comments included."""
    default = DEFAULT_SETTINGS
    backends = " | ".join(b.value for b in NotificationBackend)
    parts = [
        _HEADER,
        "[receiver]",
        "# The port of the local receiver on 127.0.0.1, which `shiftbell send`,",
        "# `shiftbell ack` and Alertmanager's webhook talk to. 1 to 65535, or 0: each",
        "# user their own, the port of last time, else the first free one from 8974 up",
        "# (`shiftbell token` shows which). Default: 0.",
        f"port = {settings.receiver.port}",
        "",
        "[notifications]",
        f"# Which notification system shows alerts: {backends}.",
        "#   auto              the best one that works on this desktop",
        "#   desktop-notifier  native notifications with an Acknowledge button",
        "#   plyer             plain native notifications",
        "#   tray              a message from the tray icon",
        f'# Default: "{default.notifications.backend.value}".',
        f"backend = {_string(settings.notifications.backend.value)}",
        "# The choices the Snooze menu offers, in minutes (1 to 1440 each).",
        f"# Default: {_int_list(default.notifications.snooze_choices_min)}.",
        f"snooze_choices_min = {_int_list(settings.notifications.snooze_choices_min)}",
        "",
        "[alarm]",
        "# The sound output for the alarm, by the name the system gives it;",
        '# "" = the system\'s default output.',
        f"output_device = {_string(settings.alarm.output_device)}",
        "# While a looping alarm sounds (critical, by default), unmute the default output",
        "# and raise it to at least 70 %, then put it back. Default: true.",
        f"raise_output = {'true' if settings.alarm.raise_output else 'false'}",
        "# A looping alarm plays on every sound output at once (speakers and a headset).",
        "# Default: true.",
        f"every_output = {'true' if settings.alarm.every_output else 'false'}",
        "",
        *_schedule_section(settings.schedule),
        _ESCALATION_HELP,
    ]
    for name in SEVERITIES:
        parts += _severity_table(name, _policy(settings.escalation, name))
    parts.append(feeds_help())
    for feed in settings.feeds:
        parts += [*feed_table_lines(feed), ""]
    for schedule in settings.schedules:
        parts += [*schedule_table_lines(schedule), ""]
    parts += _PHONES_HELP
    for phone in settings.phones:
        parts += [*phone_table_lines(phone), ""]
    return "\n".join(parts).rstrip("\n") + "\n"


def _schedule_section(schedule: ScheduleConfig) -> list[str]:
    lines = [
        "[schedule]",
        "# How your on-call schedule and quiet hours soften the alarm. On call, or",
        "# with no schedule set up, every alert escalates in full. Off call (by the",
        "# schedule or `shiftbell schedule override off`), and in quiet hours, alerts",
        "# only notify, except critical ones, which alarm anyway unless turned off",
        "# below. An alert held back until a shift starts (or quiet hours end)",
        "# escalates from then, starting at the first volume, not the siren.",
    ]
    for key in schema.SCHEDULE:
        value = getattr(schedule, key.attribute)
        default = getattr(DEFAULT_SETTINGS.schedule, key.attribute)
        lines += _key_lines(key, _toml_value(key, value), _toml_value(key, default))
    return [*lines, ""]


def _key_lines(key: schema.SettingKey, value: str, default: str) -> list[str]:
    """A key's help from the schema as comments, its default, and the assignment."""
    lines = textwrap.wrap(
        key.help, width=78, initial_indent="# ", subsequent_indent="# ", break_on_hyphens=False
    )
    if key.type is not schema.ValueType.TIME_ZONE:  # "" is the computer's own: no default
        lines.append(f"# Default: {default}.")
    return [*lines, f"{key.name} = {value}"]


def _toml_value(key: schema.SettingKey, value: object) -> str:
    """`value` as config.toml writes a key of `key`'s type."""
    if isinstance(value, bool):
        return _bool(value)
    if key.type is schema.ValueType.QUIET_HOURS:
        return _string(_quiet_hours(value))  # type: ignore[arg-type]
    if isinstance(value, timedelta) or value is None:
        return _seconds(value)
    if isinstance(value, str):
        return _string(value)
    return str(value)


def _quiet_hours(hours: tuple[time, time] | None) -> str:
    return "" if hours is None else f"{hours[0]:%H:%M}-{hours[1]:%H:%M}"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def feeds_help() -> str:
    """The comment block that documents [[feeds]]; new feeds are added below it."""
    sources = registry.feed_sources()
    kinds = " | ".join(source.id for source in sources)
    minimums = ", ".join(f"{source.id} {_number(source.min_interval_s)}" for source in sources)
    with_default = " and ".join(source.name for source in sources if source.address.default)
    lines = [
        "# Feeds: the alert sources Shiftbell watches besides its own receiver, one",
        "# [[feeds]] table each. `shiftbell feed add` writes them here for you; tokens",
        "# go to the OS keyring, never into this file.",
        "#   name           your name for the feed: letters, digits, . _ -",
        f"#   kind           {kinds}",
        "#   url            the source's address, https://... or http://...;",
        f"#                  {with_default} default to their own API",
        f"#   interval_s     seconds between polls; default {_number(DEFAULT_FEED_INTERVAL_S)};",
        *textwrap.wrap(
            f"at least {minimums}, to stay inside each vendor's rate limit",
            width=78,
            initial_indent="#                  ",
            subsequent_indent="#                  ",
            break_on_hyphens=False,
        ),
        "#   stale_after_s  with no contact for this long the feed raises a",
        '#                  "feed down" alert; default 4 x interval_s, at least 120',
        "#   enabled        false: keep the feed here but do not run it",
        "#   [feeds.options]  the kind's own settings, as text: `shiftbell feed kinds",
        "#                  KIND` lists them, and so does the README",
        "# Example:",
        "#   [[feeds]]",
        '#   name = "team-ntfy"',
        '#   kind = "ntfy"',
        '#   url = "https://ntfy.sh"',
        "#   [feeds.options]",
        '#   topics = "team-alerts"',
        "",
    ]
    return "\n".join(lines)


def feed_table_lines(feed: FeedSettings) -> list[str]:
    """One [[feeds]] table; stale_after_s only when it differs from what the interval implies."""
    config = feed.config
    lines = _entry_head("feeds", config.name, config.kind)
    lines.append(f"url = {_string(config.url)}")
    lines.append(f"interval_s = {_number(config.interval_s)}")
    if config.stale_after_s != default_stale_after_s(config.interval_s):
        lines.append(f"stale_after_s = {_number(config.stale_after_s)}")
    lines.append(f"enabled = {'true' if feed.enabled else 'false'}")
    return lines + _options_lines("feeds", config.options)


def schedule_table_lines(config: ScheduleSourceConfig) -> list[str]:
    """One [[schedules]] table, as `shiftbell schedule add` writes it."""
    lines = _entry_head("schedules", config.name, config.kind)
    if config.location:
        lines.append(f"location = {_string(config.location)}")
    lines.append(f"interval_s = {_number(config.interval_s)}")
    return lines + _options_lines("schedules", config.options)


def phone_table_lines(config: PhoneConfig) -> list[str]:
    """One [[phones]] table, as `shiftbell phone add` writes it."""
    lines = [*_entry_head("phones", config.name, config.kind), f"url = {_string(config.url)}"]
    return lines + _options_lines("phones", config.options)


_PHONES_HELP = [
    "# Phones: where a critical alert goes when nobody acknowledges it at the desk",
    "# for phone_after_s (see [escalation.critical]), one [[phones]] table each:",
    "# kind = ntfy | pushover | webhook. `shiftbell phone add` writes them here;",
    "# their tokens go to the OS keyring. `shiftbell phone test NAME` sends a test.",
    "",
]


def _entry_head(table: str, name: str, kind: str) -> list[str]:
    return [f"[[{table}]]", f"name = {_string(name)}", f"kind = {_string(kind)}"]


def _options_lines(table: str, options: Mapping[str, str]) -> list[str]:
    if not options:
        return []
    return [f"[{table}.options]", *(f"{key} = {_string(value)}" for key, value in options.items())]


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _policy(escalation: EscalationSettings, name: str) -> SeverityPolicy:
    policy: SeverityPolicy = getattr(escalation, name)
    return policy


def _severity_table(name: str, policy: SeverityPolicy) -> list[str]:
    sound = policy.sound.value if policy.sound is not None else "none"
    default = _policy(DEFAULT_SETTINGS.escalation, name)
    about = f"{_SEVERITY_HELP[name]} Default: {_describe(default)}."
    return [
        *textwrap.wrap(about, width=78, initial_indent="# ", subsequent_indent="# "),
        f"[escalation.{name}]",
        _commented(f"sound = {_string(sound)}", "none | chime | alarm | siren"),
        f"loop = {'true' if policy.loop else 'false'}",
        f"volume_start = {_float(policy.volume_start)}",
        f"volume_end = {_float(policy.volume_end)}",
        f"ramp_s = {_seconds(policy.ramp)}",
        _commented(
            f"siren_after_s = {_seconds(policy.harsher_after)}", "0 = never switch to the siren"
        ),
        _commented(
            f"raise_window_after_s = {_seconds(policy.raise_window_after)}",
            "0 = never raise the window",
        ),
        _commented(
            f"phone_after_s = {_seconds(policy.phone_after)}", "0 = never send it to the phone"
        ),
        _commented(f"repeat_every_s = {_seconds(policy.repeat_every)}", "for non-looping sounds"),
        "",
    ]


def _describe(policy: SeverityPolicy) -> str:
    """The policy in words, generated so the comment cannot drift from the defaults."""
    if policy.sound is None:
        return "a notification only, no sound"
    if policy.loop:
        words = f"the {policy.sound.value} sound, looping until acknowledged"
        if policy.ramp > timedelta(0) and policy.volume_start != policy.volume_end:
            words += (
                f", from {policy.volume_start:.0%} to {policy.volume_end:.0%}"
                f" over {_seconds(policy.ramp)} s"
            )
        else:
            words += f", at {policy.volume_end:.0%}"
    else:
        words = f"the {policy.sound.value} sound at {policy.volume_end:.0%}"
        if policy.repeat_every > timedelta(0):
            words += f", every {_seconds(policy.repeat_every)} s"
    if policy.harsher_after is not None:
        words += f"; the siren after {_seconds(policy.harsher_after)} s"
    if policy.raise_window_after is not None:
        words += f"; the window to the front after {_seconds(policy.raise_window_after)} s"
    if policy.phone_after is not None:
        words += f"; to your phone after {_seconds(policy.phone_after)} s"
    return words


def _commented(assignment: str, comment: str) -> str:
    return f"{assignment:<27} # {comment}"


def _seconds(value: timedelta | None) -> str:
    """Whole seconds as an integer, so the file reads `60`, not `60.0`; None is 0 (never)."""
    if value is None:
        return "0"
    seconds = value.total_seconds()
    return str(int(seconds)) if seconds.is_integer() else repr(seconds)


def _float(value: float) -> str:
    return repr(float(value))


def _int_list(values: tuple[int, ...]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def _string(value: str) -> str:
    """A TOML basic string; json.dumps is not one (it splits astral characters in two)."""
    out = ['"']
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\t":
            out.append(char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)
