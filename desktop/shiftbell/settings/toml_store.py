"""Reading the config file: settings, plus a list of what was wrong with it.

A config problem must never stop the alarm from working, so loading never
raises: a broken file gives the defaults, a bad value gives that value's default,
and every problem comes back as a sentence naming the file, the line and the key.
The file itself is only ever written when it does not exist yet; a file the
person wrote, however broken, is never touched.
"""

from __future__ import annotations

import logging
import math
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from shiftbell.core.escalation import EscalationSettings, SeverityPolicy, Sound
from shiftbell.settings.model import (
    AlarmSettings,
    NotificationBackend,
    NotificationSettings,
    ReceiverSettings,
    Settings,
)
from shiftbell.settings.template import DEFAULT_SETTINGS, SEVERITIES, render_settings

log = logging.getLogger(__name__)

E = TypeVar("E", bound=StrEnum)
KeyPath = tuple[str, ...]

# A day: longer escalation steps make no sense, and the bound keeps timedelta safe.
MAX_DURATION_S = 24 * 60 * 60
MAX_SNOOZE_MIN = 24 * 60
_NO_SOUND = "none"


@dataclass(frozen=True)
class LoadedSettings:
    """The outcome of reading the config file.

    Attributes:
        settings: what to run with; always complete, defaults where the file was wrong.
        problems: one sentence per problem, naming the file, line and key; empty if none.
        created: the file did not exist and the default file was written.
    """

    settings: Settings
    problems: list[str] = field(default_factory=list)
    created: bool = False


def load_settings(path: Path) -> LoadedSettings:
    """Read the config at `path`, writing the commented default file if there is none."""
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return _write_default(path)
    except IsADirectoryError:
        return _defaults(f"cannot read {path}: it is a folder, not a file; move it away")
    except OSError as exc:
        return _defaults(f"cannot read {path}: {exc.strerror or exc}")
    try:
        # utf-8-sig: editors on Windows may start the file with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return _defaults(f"{path}: line {line}: this is not UTF-8 text; save the file as UTF-8")
    settings, problems = parse_settings(text, str(path))
    return LoadedSettings(settings, problems)


def parse_settings(text: str, origin: str) -> tuple[Settings, list[str]]:
    """Settings from config text; `origin` (usually the path) starts every problem."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return DEFAULT_SETTINGS, [_syntax_problem(exc, text, origin)]
    reader = _Reader(text, origin)
    settings = reader.settings(document)
    return settings, reader.problems


# -- writing the default file ------------------------------------------------------------------


def _write_default(path: Path) -> LoadedSettings:
    text = render_settings(DEFAULT_SETTINGS)
    created_file = False
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # "x": never replace a file someone created in the meantime.
            with path.open("x", encoding="utf-8") as out:
                created_file = True
                out.write(text)
        except FileExistsError:
            if path.is_file():
                return load_settings(path)  # another instance just wrote it: read that one
            raise
    except OSError as exc:
        if created_file:  # half a file would be read as broken next time; leave none
            path.unlink(missing_ok=True)
        return _defaults(
            f"cannot write the default config to {path}: {exc.strerror or exc}; "
            "check that its folder can be created and written"
        )
    log.debug("wrote the default config to %s", path)  # the app tells the person
    return LoadedSettings(DEFAULT_SETTINGS, [], created=True)


def _defaults(problem: str) -> LoadedSettings:
    return LoadedSettings(DEFAULT_SETTINGS, [problem])


# -- problems ---------------------------------------------------------------------------------

_POSITION = re.compile(r"^(?P<what>.*?)\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def _syntax_problem(exc: tomllib.TOMLDecodeError, text: str, origin: str) -> str:
    # Python 3.11's TOMLDecodeError has no line/column attributes, only the message
    # "Invalid value (at line 3, column 8)"; turn it round to lead with the place.
    message = str(exc)
    found = _POSITION.match(message)
    if found is None:
        what = message.replace("(at end of document)", "").strip()
        return f"{origin}: at the end of the file: {_plain(what)}; the file is unchanged"
    line = int(found["line"])
    lines = text.splitlines()
    quoted = ""
    if 0 < line <= len(lines) and lines[line - 1].strip():
        quoted = f"`{_shorten(lines[line - 1].strip())}`: "
    return (
        f"{origin}: line {line}, column {found['column']}: "
        f"{quoted}{_plain(found['what'])}; the file is unchanged"
    )


# tomllib's wording, said the way a person editing the file thinks about it.
_PLAIN_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Invalid value$"), 'this value is not valid TOML (text needs "quotes")'),
    (re.compile(r"^Cannot overwrite a value$"), "this key is set twice"),
    (re.compile(r"^Cannot declare \(.*\) twice$"), "this section appears twice"),
    (re.compile(r"^Illegal character '\\n'"), "the line ends inside a value (a missing quote?)"),
)


def _plain(what: str) -> str:
    for pattern, words in _PLAIN_WORDS:
        if pattern.search(what):
            return words
    return _lower_first(what)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _show(value: object) -> str:
    """A value as it was written in the file, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{_shorten(value, 40)}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return _shorten("[" + ", ".join(_show(v) for v in value) + "]", 40)
    return _shorten(str(value), 40)


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int):
        return "a whole number"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, datetime | date | time):
        return "a date/time"
    return type(value).__name__


_HEADER = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]#]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGNMENT = re.compile(r"^\s*(?P<key>[A-Za-z0-9_\-.\"' ]+?)\s*=")


def _split_key(dotted: str) -> KeyPath:
    return tuple(part.strip().strip("\"'") for part in dotted.split("."))


def _line_of(text: str, path: KeyPath) -> int | None:
    """The first line that defines `path` (a key or a table), found in the raw text.

    tomllib keeps no positions, so this reads headers and `key =` lines itself; it
    handles the usual shapes ([a.b] then key, dotted keys) and gives up on the rest.
    """
    table: KeyPath = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(line)
        if header is not None:
            table = _split_key(header["name"])
            if table[: len(path)] == path:
                return number
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment is not None:
            full = table + _split_key(assignment["key"])
            if full[: len(path)] == path:
                return number
    return None


# -- validating -------------------------------------------------------------------------------


class _Reader:
    """Walks the parsed document, keeping what is valid and noting what is not."""

    def __init__(self, text: str, origin: str) -> None:
        self.text = text
        self.origin = origin
        self._found: list[tuple[int, str]] = []

    @property
    def problems(self) -> list[str]:
        """In the order of the file, so they read like a review of it; unplaced ones last."""
        return [message for _, message in sorted(self._found, key=lambda item: item[0])]

    def problem(self, path: KeyPath, message: str) -> None:
        # Inline tables and arrays hide their keys from the line search; the line of the
        # nearest enclosing key or table is the next best place to send the person.
        line = next(
            (n for end in range(len(path), 0, -1) if (n := _line_of(self.text, path[:end]))),
            None,
        )
        where = f"{self.origin}: line {line}" if line is not None else self.origin
        self._found.append((line if line is not None else 1 << 30, f"{where}: {message}"))

    # -- structure ---------------------------------------------------------------------------

    def settings(self, document: Mapping[str, object]) -> Settings:
        self.unknown_keys(document, (), ("receiver", "notifications", "alarm", "escalation"))
        receiver = self.table(document, ("receiver",), ("port",))
        notifications = self.table(document, ("notifications",), ("backend", "snooze_choices_min"))
        alarm = self.table(document, ("alarm",), ("output_device",))
        default = DEFAULT_SETTINGS
        return Settings(
            receiver=ReceiverSettings(
                port=self.integer(receiver, ("receiver", "port"), default.receiver.port, 1, 65535)
            ),
            escalation=self.escalation(document),
            notifications=NotificationSettings(
                backend=self.choice(
                    notifications,
                    ("notifications", "backend"),
                    NotificationBackend,
                    default.notifications.backend,
                ),
                snooze_choices_min=self.snooze_choices(
                    notifications,
                    ("notifications", "snooze_choices_min"),
                    default.notifications.snooze_choices_min,
                ),
            ),
            alarm=AlarmSettings(
                output_device=self.string(
                    alarm, ("alarm", "output_device"), default.alarm.output_device
                )
            ),
        )

    def escalation(self, document: Mapping[str, object]) -> EscalationSettings:
        tables = self.table(document, ("escalation",), SEVERITIES, what="severity table")
        policies = {
            name: self.severity(tables, name, getattr(DEFAULT_SETTINGS.escalation, name))
            for name in SEVERITIES
        }
        return EscalationSettings(**policies)

    def severity(
        self, tables: Mapping[str, object], name: str, default: SeverityPolicy
    ) -> SeverityPolicy:
        at = ("escalation", name)
        keys = (
            "sound",
            "loop",
            "volume_start",
            "volume_end",
            "ramp_s",
            "siren_after_s",
            "raise_window_after_s",
            "repeat_every_s",
        )
        table = self.table(tables, at, keys)
        return SeverityPolicy(
            sound=self.sound(table, (*at, "sound"), default.sound),
            loop=self.boolean(table, (*at, "loop"), default.loop),
            volume_start=self.fraction(table, (*at, "volume_start"), default.volume_start),
            volume_end=self.fraction(table, (*at, "volume_end"), default.volume_end),
            ramp=self.seconds(table, (*at, "ramp_s"), default.ramp),
            harsher_after=self.seconds_or_never(
                table, (*at, "siren_after_s"), default.harsher_after
            ),
            raise_window_after=self.seconds_or_never(
                table, (*at, "raise_window_after_s"), default.raise_window_after
            ),
            repeat_every=self.seconds(table, (*at, "repeat_every_s"), default.repeat_every),
        )

    def table(
        self,
        parent: Mapping[str, object],
        path: KeyPath,
        known: Collection[str],
        what: str = "option",
    ) -> Mapping[str, object]:
        """The sub-table at `path`, or {} (all defaults) when it is missing or not a table."""
        value = parent.get(path[-1])
        if value is None:
            return {}
        if not isinstance(value, dict):
            dotted = ".".join(path)
            self.problem(
                path,
                f"{dotted} must be a table ([{dotted}]), not {_kind(value)} "
                f"{_show(value)}; using its defaults",
            )
            return {}
        self.unknown_keys(value, path, known, what)
        return value

    def unknown_keys(
        self,
        table: Mapping[str, object],
        path: KeyPath,
        known: Collection[str],
        what: str = "option",
    ) -> None:
        for key in table:
            if key in known:
                continue
            dotted = ".".join((*path, key))
            choices = ", ".join(known)
            if not path and isinstance(table[key], dict):
                message = f"unknown section [{key}]: use {choices}; ignored"
            elif not path:
                sections = ", ".join(f"[{name}]" for name in known)
                message = f"unknown option {key} outside any section ({sections}); ignored"
            elif what == "severity table":
                message = f"unknown severity table [{dotted}]: use {choices}; ignored"
            else:
                message = f"unknown option {dotted}: [{'.'.join(path)}] has {choices}; ignored"
            self.problem((*path, key), message)

    # -- values ------------------------------------------------------------------------------

    def rejected(self, path: KeyPath, value: object, why: str, default: str) -> None:
        self.problem(path, f"{'.'.join(path)} = {_show(value)} {why}; using the default {default}")

    def integer(
        self, table: Mapping[str, object], path: KeyPath, default: int, low: int, high: int
    ) -> int:
        value = table.get(path[-1])
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            self.rejected(path, value, f"is {_kind(value)}, not a whole number", str(default))
            return default
        if not low <= value <= high:
            self.rejected(path, value, f"is out of range: use {low} to {high}", str(default))
            return default
        return value

    def fraction(self, table: Mapping[str, object], path: KeyPath, default: float) -> float:
        value = table.get(path[-1])
        if value is None:
            return default
        number = self.number(path, value, repr(default))
        if number is None:
            return default
        if not 0.0 <= number <= 1.0:
            self.rejected(path, value, "is out of range: use 0.0 to 1.0", repr(default))
            return default
        return number

    def number(self, path: KeyPath, value: object, default: str) -> float | None:
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.rejected(path, value, f"is {_kind(value)}, not a number", default)
            return None
        if not math.isfinite(value):
            self.rejected(path, value, "is not a finite number", default)
            return None
        return float(value)

    def seconds(self, table: Mapping[str, object], path: KeyPath, default: timedelta) -> timedelta:
        found = self.seconds_or_never(table, path, default)
        return default if found is None else found

    def seconds_or_never(
        self, table: Mapping[str, object], path: KeyPath, default: timedelta | None
    ) -> timedelta | None:
        """Seconds in the file as a duration; 0 stands for never where never is allowed."""
        value = table.get(path[-1])
        if value is None:
            return default
        shown = "0" if default is None else _seconds_text(default)
        number = self.number(path, value, shown)
        if number is None:
            return default
        if number < 0:
            self.rejected(path, value, "is negative: durations are 0 or more seconds", shown)
            return default
        if number > MAX_DURATION_S:
            self.rejected(path, value, f"is more than a day ({MAX_DURATION_S} s)", shown)
            return default
        if number == 0 and _never_allowed(path):
            return None
        return timedelta(seconds=number)

    def boolean(self, table: Mapping[str, object], path: KeyPath, default: bool) -> bool:
        value = table.get(path[-1])
        if value is None:
            return default
        if not isinstance(value, bool):
            self.rejected(path, value, "must be true or false", _show(default))
            return default
        return value

    def string(self, table: Mapping[str, object], path: KeyPath, default: str) -> str:
        value = table.get(path[-1])
        if value is None:
            return default
        if not isinstance(value, str):
            self.rejected(path, value, f"is {_kind(value)}, not text in quotes", _show(default))
            return default
        return value

    def choice(self, table: Mapping[str, object], path: KeyPath, kind: type[E], default: E) -> E:
        value = table.get(path[-1])
        if value is None:
            return default
        allowed = " | ".join(member.value for member in kind)
        if isinstance(value, str):
            try:
                return kind(value.strip().lower())
            except ValueError:
                pass
        self.rejected(path, value, f"is not one of {allowed}", _show(default.value))
        return default

    def sound(
        self, table: Mapping[str, object], path: KeyPath, default: Sound | None
    ) -> Sound | None:
        value = table.get(path[-1])
        if value is None:
            return default
        if isinstance(value, str):
            word = value.strip().lower()
            if word == _NO_SOUND:
                return None
            if word in {s.value for s in Sound}:
                return Sound(word)
        allowed = " | ".join([_NO_SOUND, *(s.value for s in Sound)])
        shown = _show(default.value if default is not None else _NO_SOUND)
        self.rejected(path, value, f"is not a sound Shiftbell knows: use {allowed}", shown)
        return default

    def snooze_choices(
        self, table: Mapping[str, object], path: KeyPath, default: tuple[int, ...]
    ) -> tuple[int, ...]:
        value = table.get(path[-1])
        if value is None:
            return default
        shown = "[" + ", ".join(str(v) for v in default) + "]"
        if not isinstance(value, list) or not value:
            self.rejected(path, value, "must be a list of minutes like [5, 15, 60]", shown)
            return default
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            self.rejected(path, value, "must hold whole numbers of minutes only", shown)
            return default
        minutes = tuple(int(v) for v in value)
        if not all(1 <= v <= MAX_SNOOZE_MIN for v in minutes):
            self.rejected(path, value, f"must be 1 to {MAX_SNOOZE_MIN} minutes each", shown)
            return default
        return minutes


def _never_allowed(path: KeyPath) -> bool:
    return path[-1] in {"siren_after_s", "raise_window_after_s"}


def _seconds_text(value: timedelta) -> str:
    seconds = value.total_seconds()
    return str(int(seconds)) if seconds.is_integer() else repr(seconds)
