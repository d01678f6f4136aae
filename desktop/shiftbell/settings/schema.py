"""The keys of config.toml's sections, declared once: name, type, bounds, what 0 means, a
label and help. The loader reads every key through it (by its type, into the settings
attribute it names), the template takes its escalation comments from it, and the Settings
window's Alarm page its fields, labels, ranges and tooltips.

([[feeds]] and [[schedules]] entries are declared by their sources: sources/spec.py.)
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from enum import StrEnum

KeyPath = tuple[str, ...]
DAY_S = 24 * 60 * 60


class ValueType(StrEnum):
    INTEGER = "integer"
    FRACTION = "fraction"  # 0.0 to 1.0
    SECONDS = "seconds"  # 0 or more, at most a day
    SECONDS_OR_NEVER = "seconds-or-never"  # the same; 0 = never
    BOOLEAN = "boolean"
    TEXT = "text"
    CHOICE = "choice"
    SOUND = "sound"
    QUIET_HOURS = "quiet-hours"  # "22:00-07:00" or ""
    TIME_ZONE = "time-zone"
    MINUTES_LIST = "minutes-list"


@dataclass(frozen=True)
class SettingKey:
    """One key of a section.

    Attributes:
        name: the key in the file.
        type: how its value is read.
        label: a few words for the Settings window.
        help: what it does, for the template's comments and tooltips.
        low, high: bounds of numbers (seconds: at most a day unless said).
        field: the attribute of the settings object it fills, when that is not `name`
            (`ramp_s` fills SeverityPolicy.ramp).
    """

    name: str
    type: ValueType
    label: str
    help: str
    low: float | None = None
    high: float | None = None
    field: str = ""  # the settings attribute it fills, when not `name`

    @property
    def attribute(self) -> str:
        return self.field or self.name


RECEIVER = (
    SettingKey(
        "port",
        ValueType.INTEGER,
        "Port",
        "The port of the local receiver on 127.0.0.1, which `shiftbell send`, `shiftbell ack` "
        "and Alertmanager's webhook talk to. 0 = each user their own: the port of last time, "
        "else the first free one from 8974 up (`shiftbell token` shows which).",
        0,
        65535,
    ),
)
NOTIFICATIONS = (
    SettingKey(
        "backend", ValueType.CHOICE, "Notifications", "Which notification system shows alerts."
    ),
    SettingKey(
        "snooze_choices_min",
        ValueType.MINUTES_LIST,
        "Snooze choices (min)",
        "The choices the Snooze menu offers, in minutes.",
        1,
        DAY_S // 60,
    ),
)
ALARM = (
    SettingKey(
        "output_device",
        ValueType.TEXT,
        "Sound output",
        'The sound output for the alarm, by the name the system gives it; "" = the '
        "system's default output.",
    ),
    SettingKey(
        "raise_output",
        ValueType.BOOLEAN,
        "Unmute for the alarm",
        "While a looping alarm sounds (critical, by default), unmute the default output and "
        "raise it to at least 70 %, as phones override the ringer; put back as it was after.",
    ),
    SettingKey(
        "every_output",
        ValueType.BOOLEAN,
        "Alarm on every output",
        "A looping alarm plays on every sound output at once (the speakers as well as a "
        "headset left on the desk).",
    ),
)
SCHEDULE = (
    SettingKey(
        "off_shift_critical_alarms",
        ValueType.BOOLEAN,
        "Critical alerts alarm when I am off call",
        "Critical alerts alarm when you are off call too; false = notify only.",
    ),
    SettingKey(
        "quiet_hours",
        ValueType.QUIET_HOURS,
        "Quiet hours",
        'Quiet hours every day, like "22:00-07:00" (may cross midnight), on call or not; '
        '"" = none.',
    ),
    SettingKey(
        "quiet_hours_critical_alarms",
        ValueType.BOOLEAN,
        "Critical alerts alarm in quiet hours too",
        "Critical alerts alarm in quiet hours too; false = notify only.",
    ),
    SettingKey(
        "time_zone",
        ValueType.TIME_ZONE,
        "Time zone",
        'The time zone quiet hours are in, like "Europe/Berlin"; "" = this computer\'s own '
        "(they follow you when you travel).",
    ),
    SettingKey(
        "reminder_before_s",
        ValueType.SECONDS,
        "Remind before (s)",
        "A reminder this many seconds before a shift starts; 0 = no reminder.",
        0,
        DAY_S,
        field="reminder_lead",
    ),
    SettingKey(
        "check_before_s",
        ValueType.SECONDS,
        "Check ahead (s)",
        "This many seconds before a shift, check that feeds, notifications, sound and phones "
        "work; a failure is a warning alert saying what to fix. 0 = no check.",
        0,
        DAY_S,
        field="check_lead",
    ),
    SettingKey(
        "check_sound",
        ValueType.BOOLEAN,
        "Play a test sound with the check",
        "The check before a shift also plays the test alarm briefly, so you hear that the "
        "speakers work.",
    ),
)
SEVERITY = (
    SettingKey("sound", ValueType.SOUND, "Sound", "none | chime | alarm | siren"),
    SettingKey(
        "loop",
        ValueType.BOOLEAN,
        "Loop until acknowledged",
        "true: play until acknowledged, ramping the volume; false: play once every repeat_every_s",
    ),
    SettingKey(
        "volume_start",
        ValueType.FRACTION,
        "Volume at first",
        "0.0 to 1.0, the volume when the alert fires",
        0,
        1,
    ),
    SettingKey(
        "volume_end",
        ValueType.FRACTION,
        "Volume after the ramp",
        "0.0 to 1.0, the volume after ramp_s",
        0,
        1,
    ),
    SettingKey(
        "ramp_s",
        ValueType.SECONDS,
        "Ramp (s)",
        "how long the volume takes to go from start to end",
        0,
        DAY_S,
        field="ramp",
    ),
    SettingKey(
        "siren_after_s",
        ValueType.SECONDS_OR_NEVER,
        "Siren after (s)",
        "the harsher siren after this long; 0 = never",
        0,
        DAY_S,
        field="harsher_after",
    ),
    SettingKey(
        "raise_window_after_s",
        ValueType.SECONDS_OR_NEVER,
        "Raise window (s)",
        "bring the Shiftbell window to the front; 0 = never",
        0,
        DAY_S,
        field="raise_window_after",
    ),
    SettingKey(
        "phone_after_s",
        ValueType.SECONDS_OR_NEVER,
        "Phone after (s)",
        "still unacknowledged this long after it started alarming: send it to your phone "
        "([[phones]]); 0 = never",
        0,
        DAY_S,
        field="phone_after",
    ),
    SettingKey(
        "repeat_every_s",
        ValueType.SECONDS,
        "Repeat every (s)",
        "for non-looping sounds; 0 = play once",
        0,
        DAY_S,
        field="repeat_every",
    ),
)
# The sections outside [[feeds]] and [[schedules]], by their path; escalation has one table
# per severity, each with the SEVERITY keys.
SECTIONS: dict[str, tuple[SettingKey, ...]] = {
    "receiver": RECEIVER,
    "notifications": NOTIFICATIONS,
    "alarm": ALARM,
    "schedule": SCHEDULE,
}
TOP_LEVEL = (*SECTIONS, "escalation", "feeds", "schedules", "phones")


def names(keys: tuple[SettingKey, ...]) -> tuple[str, ...]:
    return tuple(key.name for key in keys)


def key(keys: tuple[SettingKey, ...], name: str) -> SettingKey:
    return next(found for found in keys if found.name == name)


def zero_is_never(path: KeyPath) -> bool:
    """True where 0 seconds means "never" (the siren, raising the window)."""
    found = next((k for k in SEVERITY if k.name == path[-1]), None)
    return (
        path[0] == "escalation" and found is not None and found.type is ValueType.SECONDS_OR_NEVER
    )


def help_lines(keys: tuple[SettingKey, ...], width: int = 78) -> list[str]:
    """`#   name  help` comment lines, the help wrapped and aligned, for the template."""
    column = max(len(k.name) for k in keys) + 2
    lines = []
    for found in keys:
        lines += textwrap.wrap(
            f"{found.name.ljust(column)}{found.help}",
            width=width,
            initial_indent="#   ",
            subsequent_indent="#   " + " " * column,
            break_on_hyphens=False,
        )
    return lines
