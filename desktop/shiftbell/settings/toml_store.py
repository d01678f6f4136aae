"""Reading the config file: settings, plus a list of what was wrong with it.

A config problem must never stop the alarm from working, so loading never
raises: a broken file gives the defaults, a bad value gives that value's default,
a [[feeds]] entry that cannot be run (no name, unknown kind, bad URL) is skipped
alone, and every problem comes back as a sentence naming the file, the line and
the key. This module only writes the file when it does not exist yet; edits on
request (adding a feed) go through feed_editor.py, which keeps the person's
comments and refuses to touch a file it cannot parse.
"""

from __future__ import annotations

import logging
import math
import re
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shiftbell.core.escalation import EscalationSettings, SeverityPolicy, Sound
from shiftbell.core.schedule import QuietHours
from shiftbell.settings import feed_rules, schedule_rules, schema
from shiftbell.settings.model import (
    DEFAULT_FEED_INTERVAL_S,
    MAX_FEED_INTERVAL_S,
    MAX_SCHEDULE_INTERVAL_S,
    MIN_SCHEDULE_INTERVAL_S,
    AlarmSettings,
    FeedSettings,
    NotificationBackend,
    NotificationSettings,
    ReceiverSettings,
    ScheduleConfig,
    Settings,
    default_stale_after_s,
)
from shiftbell.settings.template import DEFAULT_SETTINGS, SEVERITIES, render_settings
from shiftbell.sources import registry
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.schedule import ScheduleSourceConfig
from shiftbell.sources.spec import SourceSpec

log = logging.getLogger(__name__)

E = TypeVar("E", bound=StrEnum)
KeyPath = tuple[str, ...]

# A day: longer escalation steps make no sense, and the bound keeps timedelta safe.
MAX_DURATION_S = schema.DAY_S
MAX_SNOOZE_MIN = 24 * 60
_NO_SOUND = "none"


# A Shiftbell config is a few kilobytes; a file far larger is the wrong file (or a disk
# fault), and reading it whole would hold up start-up.
MAX_CONFIG_BYTES = 1 << 20


@dataclass(frozen=True)
class LoadedSettings:
    """The outcome of reading the config file.

    Attributes:
        settings: what to run with; always complete, defaults where the file was wrong.
        problems: one sentence per problem, naming the file, line and key; empty if none.
        created: the file did not exist and the default file was written.
        readable: the file could be read and parsed as TOML at all. When False,
            `settings` are only the defaults: what was running should go on instead.
        missing: there is no file (and none was written).
        text: the text that was read, for keeping a last good copy; "" if none.
        kept_back: per array of tables ("feeds", "schedules"), the names of entries
            that are in the file but were skipped for a problem; "*" stands for entries
            (or a whole table) skipped before their name could be read.
    """

    settings: Settings
    problems: list[str] = field(default_factory=list)
    created: bool = False
    readable: bool = True
    missing: bool = False
    text: str = ""
    kept_back: Mapping[str, frozenset[str]] = field(default_factory=dict)


ANY_ENTRY = "*"


def load_settings(path: Path) -> LoadedSettings:
    """Read the config at `path`, writing the commented default file if there is none."""
    return read_settings(path, create_missing=True)


def read_settings(path: Path, *, create_missing: bool = False) -> LoadedSettings:
    """Read the config at `path`; the one way the app and the CLI read it.

    Never raises: what cannot be read is a problem with the defaults in its place.
    Without `create_missing` no file is ever written (a status query must not).
    """
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_CONFIG_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError):
        if create_missing:
            return _write_default(path)
        return LoadedSettings(DEFAULT_SETTINGS, missing=True)
    except IsADirectoryError:
        return _unreadable(f"cannot read {path}: it is a folder, not a file; move it away")
    except OSError as exc:
        return _unreadable(f"cannot read {path}: {exc.strerror or exc}")
    if len(raw) > MAX_CONFIG_BYTES:
        return _unreadable(
            f"{path} is larger than {MAX_CONFIG_BYTES // 1024} KiB, which no Shiftbell config "
            "is: is it the right file?"
        )
    try:
        # utf-8-sig: editors on Windows may start the file with a byte-order mark.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return _unreadable(f"{path}: line {line}: this is not UTF-8 text; save the file as UTF-8")
    return parse_text(text, str(path))


def parse_text(text: str, origin: str) -> LoadedSettings:
    """Settings from config text; `origin` (usually the path) starts every problem."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return _unreadable(_syntax_problem(exc, text, origin))
    reader = _Reader(text, origin)
    settings = reader.settings(document)
    kept_back = {table: frozenset(names) for table, names in reader.kept_back.items()}
    return LoadedSettings(settings, reader.problems, text=text, kept_back=kept_back)


def parse_settings(text: str, origin: str) -> tuple[Settings, list[str]]:
    """Settings and problems from config text (see `parse_text`)."""
    loaded = parse_text(text, origin)
    return loaded.settings, loaded.problems


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
    return LoadedSettings(DEFAULT_SETTINGS, [], created=True, text=text)


def _defaults(problem: str) -> LoadedSettings:
    return LoadedSettings(DEFAULT_SETTINGS, [problem])


def _unreadable(problem: str) -> LoadedSettings:
    return LoadedSettings(DEFAULT_SETTINGS, [problem], readable=False)


# -- problems ---------------------------------------------------------------------------------

_POSITION = re.compile(r"^(?P<what>.*?)\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def syntax_error_place(exc: tomllib.TOMLDecodeError) -> tuple[int | None, int | None, str]:
    """(line, column, what was wrong in plain words); None for "at the end of the file".

    Python 3.11's TOMLDecodeError has no line/column attributes, only the message
    "Invalid value (at line 3, column 8)", so they are read back out of it.
    """
    message = str(exc)
    found = _POSITION.match(message)
    if found is None:
        return None, None, _plain(message.replace("(at end of document)", "").strip())
    return int(found["line"]), int(found["column"]), _plain(found["what"])


def _syntax_problem(exc: tomllib.TOMLDecodeError, text: str, origin: str) -> str:
    # Lead with the place, the way a person looks for it in an editor.
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
        # Entries in the file that were not taken, by table (see LoadedSettings.kept_back).
        self.kept_back: dict[str, set[str]] = {}

    def keep_back(self, table: str, name: str) -> None:
        self.kept_back.setdefault(table, set()).add(name or ANY_ENTRY)

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
        self.problem_at(line, message)

    def problem_at(self, line: int | None, message: str) -> None:
        where = f"{self.origin}: line {line}" if line is not None else self.origin
        self._found.append((line if line is not None else 1 << 30, f"{where}: {message}"))

    # -- structure ---------------------------------------------------------------------------

    def settings(self, document: Mapping[str, object]) -> Settings:
        self.unknown_keys(document, (), schema.TOP_LEVEL)
        receiver = self.table(document, ("receiver",), schema.names(schema.RECEIVER))
        notifications = self.table(document, ("notifications",), schema.names(schema.NOTIFICATIONS))
        alarm = self.table(document, ("alarm",), schema.names(schema.ALARM))
        default = DEFAULT_SETTINGS
        port = schema.key(schema.RECEIVER, "port")
        assert port.low is not None and port.high is not None
        return Settings(
            receiver=ReceiverSettings(
                port=self.integer(
                    receiver,
                    ("receiver", "port"),
                    default.receiver.port,
                    int(port.low),
                    int(port.high),
                )
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
            schedule=self.schedule(document),
            feeds=self.feeds(document),
            schedules=self.schedules(document),
        )

    def schedule(self, document: Mapping[str, object]) -> ScheduleConfig:
        at = ("schedule",)
        table = self.table(document, at, schema.names(schema.SCHEDULE))
        default = DEFAULT_SETTINGS.schedule
        return ScheduleConfig(
            off_shift_critical_alarms=self.boolean(
                table, (*at, "off_shift_critical_alarms"), default.off_shift_critical_alarms
            ),
            quiet_hours=self.quiet_hours(table, (*at, "quiet_hours"), default.quiet_hours),
            quiet_hours_critical_alarms=self.boolean(
                table, (*at, "quiet_hours_critical_alarms"), default.quiet_hours_critical_alarms
            ),
            time_zone=self.time_zone(table, (*at, "time_zone"), default.time_zone),
            reminder_lead=self.seconds(table, (*at, "reminder_before_s"), default.reminder_lead),
        )

    def feeds(self, document: Mapping[str, object]) -> tuple[FeedSettings, ...]:
        """The valid [[feeds]] entries; a broken entry is named and skipped, never guessed."""
        return self.entries(document, _FeedReader, "no feeds are started")

    def schedules(self, document: Mapping[str, object]) -> tuple[ScheduleSourceConfig, ...]:
        """The valid [[schedules]] entries; like [[feeds]], a broken one is named and skipped."""
        return self.entries(document, _ScheduleReader, "no schedules are read")

    def entries(
        self, document: Mapping[str, object], reader: type[_EntryReader[N]], unread: str
    ) -> tuple[N, ...]:
        """The valid entries of one array of tables; `unread` says what a non-list costs."""
        table = reader.table
        value = document.get(table)
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(
                (table,),
                f"{table} must be a list of [[{table}]] tables (two brackets each), not "
                f"{_kind(value)}; {unread}",
            )
            self.keep_back(table, ANY_ENTRY)
            return ()
        headers = header_lines(self.text, table)
        # [[table]] headers give each entry its own line; an inline `table = [...]` does not.
        located = len(headers) == len(value)
        fallback = _line_of(self.text, (table,))
        found: list[N] = []
        for index, entry in enumerate(value):
            one = reader(self, index, headers[index] if located else fallback, located)
            read = one.read(entry)
            if read is None:
                continue
            if any(known.name == read.name for known in found):
                one.skip(f'another {one.noun} above is already named "{read.name}"')
                continue
            found.append(read)
        return tuple(found)

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
        table = self.table(tables, at, schema.names(schema.SEVERITY))
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
        if number == 0 and schema.zero_is_never(path):
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

    def quiet_hours(
        self, table: Mapping[str, object], path: KeyPath, default: tuple[time, time] | None
    ) -> tuple[time, time] | None:
        value = table.get(path[-1])
        if value is None:
            return default
        shown = _show("" if default is None else f"{default[0]:%H:%M}-{default[1]:%H:%M}")
        if not isinstance(value, str):
            self.rejected(path, value, f'is {_kind(value)}, not text like "22:00-07:00"', shown)
            return default
        if not value.strip():
            return None
        why = QuietHours.problem(value)
        if why is not None:
            self.rejected(path, value, f'{why} (or "" for none)', shown)
            return default
        hours = QuietHours.parse(value, UTC)  # the zone is the app's business; only the times
        return hours.start, hours.end

    def time_zone(self, table: Mapping[str, object], path: KeyPath, default: str) -> str:
        value = self.string(table, path, default)
        if not value:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            self.rejected(
                path,
                value,
                'is not a time zone Shiftbell knows: use a name like "Europe/Berlin" or '
                '"America/New_York" (capitals matter), or "" for this computer\'s own',
                _show(default),
            )
            return default
        return value

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


FEED_KEYS = ("name", "kind", "url", "interval_s", "stale_after_s", "enabled", "options")
# Keys a person might reach for to put a credential in the file: answered with where it goes.
_SECRET_KEYS = frozenset({"token", "api_key", "apikey", "key", "password", "secret", "api_token"})
_ANY_HEADER = re.compile(r"^\s*\[")


def _array_header(table: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]\s*(?:#.*)?$")


def _options_header(table: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\.\s*options\s*\]\s*(?:#.*)?$")


def header_lines(text: str, table: str) -> list[int]:
    """The line numbers of the `[[table]]` headers, in order."""
    header = _array_header(table)
    return [number for number, line in enumerate(text.splitlines(), start=1) if header.match(line)]


def feed_header_lines(text: str) -> list[int]:
    """The line numbers of the `[[feeds]]` headers, in order."""
    return header_lines(text, "feeds")


class _Named(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=_Named)


class _EntryReader(Generic[N]):
    """Reads one entry of an array of tables ([[feeds]], [[schedules]]), reporting against
    its own lines."""

    table = "feeds"
    noun = "feed"
    keys: tuple[str, ...] = ()

    def __init__(self, reader: _Reader, index: int, line: int | None, located: bool) -> None:
        self.reader = reader
        self.index = index
        self.line = line
        self.located = located
        self.name = ""

    def read(self, entry: object) -> N | None:
        raise NotImplementedError

    @property
    def label(self) -> str:
        if self.name:
            return f'{self.noun} "{self.name}"'
        return f"the {_ordinal(self.index + 1)} [[{self.table}]] entry"

    def key_line(self, key: str, in_options: bool = False) -> int | None:
        """The line of `key` inside this entry, or the entry's own line."""
        if not self.located or self.line is None:
            return self.line
        lines = self.reader.text.splitlines()
        inside = not in_options
        # `key =`, or `key.sub =` (a dotted key, which makes a table)
        assignment = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[=.]")
        for number in range(self.line + 1, len(lines) + 1):
            text = lines[number - 1]
            if _options_header(self.table).match(text):
                if not in_options:
                    break
                inside = True
                continue
            if _ANY_HEADER.match(text):
                break  # the next table: this entry ends here
            if inside and assignment.match(text):
                return number
        return self.line

    def note(self, key: str | None, message: str, in_options: bool = False) -> None:
        line = self.line if key is None else self.key_line(key, in_options)
        self.reader.problem_at(line, f"{self.label}: {message}")

    def skip(self, why: str, key: str | None = None) -> None:
        self.note(key, f"{why}; this {self.noun} is skipped")
        self.reader.keep_back(self.table, self.name)

    def named(
        self, entry: object, name_problem: Callable[[str], str | None]
    ) -> dict[str, object] | None:
        """The entry as a table once it has a good name, which every later message uses."""
        if not isinstance(entry, dict):
            self.skip(f"is {_kind(entry)}, not a table")
            return None
        name = entry.get("name")
        if not isinstance(name, str):
            self.skip('has no name: add name = "..." (letters, digits, ".", "_", "-")')
            return None
        why = name_problem(name)
        if why is not None:
            self.skip(why, "name")
            return None
        self.name = name
        for key in entry:
            if key not in self.keys:
                self.unknown(key)
        return entry

    def unknown(self, key: str) -> None:
        self.note(key, f"unknown option {key}: a {self.noun} has {', '.join(self.keys)}; ignored")

    def kind(
        self,
        entry: Mapping[str, object],
        choices: str,
        parse: Callable[[str], str | None],
        problem: Callable[[str], str | None],
    ) -> str | None:
        kind_text = entry.get("kind")
        if not isinstance(kind_text, str):
            self.skip(f"has no kind: add kind = one of {choices}", "name")
            return None
        kind = parse(kind_text)
        if kind is None:
            self.skip(f"kind {problem(kind_text)}", "kind")
        return kind

    def options(
        self, value: object, problem: Callable[[str, Any], str | None]
    ) -> dict[str, str] | None:
        """The text options; a bad option is dropped alone, a non-table skips the entry."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.skip(
                f"options must be a table ([{self.table}.options] under the {self.noun}), not "
                f"{_kind(value)}",
                "options",
            )
            return None
        options: dict[str, str] = {}
        for key, item in value.items():
            why = problem(key, item)
            if why is not None:
                self.note(key, f"{why}; ignored", in_options=True)
                continue
            assert isinstance(item, str)  # the option checks accept text only
            options[key] = item
        return options

    def seconds(self, key: str, value: object, default: float) -> float | None:
        """`value` when it is a number; otherwise None, noted as falling back to `default`."""
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.note(
                key,
                f"{key} = {_show(value)} is {_kind(value)}, not a number of seconds; "
                f"using {feed_rules.seconds_text(default)}",
            )
            return None
        return value

    def clamped(
        self, key: str, value: float, why: str | None, low: float, high: float, default: float
    ) -> float:
        """`value`, or (noted with `why`) the nearest allowed one; `default` if not finite."""
        if why is None:
            return value
        nearest = min(max(value, low), high) if math.isfinite(value) else default
        self.note(key, f"{why}; using {feed_rules.seconds_text(nearest)}")
        return nearest


class _FeedReader(_EntryReader[FeedSettings]):
    """Reads one [[feeds]] entry."""

    keys = FEED_KEYS

    def read(self, entry: object) -> FeedSettings | None:
        table = self.named(entry, feed_rules.name_problem)
        if table is None:
            return None
        kind = self.kind(
            table, feed_rules.KIND_CHOICES, feed_rules.parse_kind, feed_rules.kind_problem
        )
        if kind is None:
            return None
        url = table.get("url")
        if url is None:
            url = registry.source(kind).url_for(_text_options(table.get("options")))
        if not isinstance(url, str):
            self.skip('has no url: add url = "https://..."', "name")
            return None
        why = feed_rules.url_problem(url)
        if why is not None:
            self.skip(why, "url")
            return None
        source = registry.source(kind)
        options = self.options(
            table.get("options"), lambda key, item: _feed_option_problem(source, key, item)
        )
        if options is None:
            return None
        interval = self.interval(table.get("interval_s"), source.min_interval_s)
        interval = self.clamped(
            "interval_s",
            interval,
            feed_rules.interval_problem(kind, interval),
            source.min_interval_s,
            MAX_FEED_INTERVAL_S,
            interval,
        )
        stale = self.stale_after(table.get("stale_after_s"), interval)
        enabled = table.get("enabled", True)
        if not isinstance(enabled, bool):
            self.note("enabled", f"enabled = {_show(enabled)} must be true or false; using true")
            enabled = True
        config = FeedConfig(
            name=self.name,
            kind=kind,
            url=url,
            options=options,
            interval_s=interval,
            stale_after_s=stale,
        )
        return FeedSettings(config, enabled)

    def unknown(self, key: str) -> None:
        if key.lower() in _SECRET_KEYS:
            # The value is a secret: never repeat it in a message that may reach a log.
            self.note(
                key,
                f"{key} does not belong in the config file, which is not private: delete "
                "it and store it with `shiftbell feed add ... --token-stdin` (the OS "
                "keyring); ignored",
            )
        else:
            super().unknown(key)

    def interval(self, value: object, kind_min: float) -> float:
        default = max(DEFAULT_FEED_INTERVAL_S, kind_min)
        if value is None:
            return default
        number = self.seconds("interval_s", value, default)
        if number is None:
            return default
        if not math.isfinite(number):
            self.note("interval_s", f"interval_s is not a finite number; using {default:g}")
            return default
        return float(number)

    def stale_after(self, value: object, interval: float) -> float:
        default = default_stale_after_s(interval)
        if value is None:
            return default
        number = self.seconds("stale_after_s", value, default)
        if number is None:
            return default
        why = feed_rules.stale_after_problem(interval, float(number))
        if why is not None:
            self.note("stale_after_s", f"{why}; using {feed_rules.seconds_text(default)}")
            return default
        return float(number)


SCHEDULE_KEYS = ("name", "kind", "location", "interval_s", "options")


def _feed_option_problem(source: SourceSpec, key: str, item: Any) -> str | None:
    why = feed_rules.option_problem(key, item)
    if why is not None:
        return why
    found = feed_rules.declared_option_problems(source, {key: item})
    return found[0] if found else None


def _schedule_option_problem(kind: str, key: str, item: Any) -> str | None:
    found = schedule_rules.options_problems(kind, {key: item}, check_required=False)
    return found[0] if found else None


class _ScheduleReader(_EntryReader[ScheduleSourceConfig]):
    """Reads one [[schedules]] entry."""

    table = "schedules"
    noun = "schedule"
    keys = SCHEDULE_KEYS

    def read(self, entry: object) -> ScheduleSourceConfig | None:
        table = self.named(entry, schedule_rules.schedule_name_problem)
        if table is None:
            return None
        kind = self.kind(
            table,
            schedule_rules.KIND_CHOICES,
            schedule_rules.parse_kind,
            schedule_rules.kind_problem,
        )
        if kind is None:
            return None
        location = table.get("location", "")
        if not isinstance(location, str):
            self.skip(f"location is {_kind(location)}, not text in quotes", "location")
            return None
        why = schedule_rules.location_problem(kind, location)
        if why is not None:
            self.skip(why, "location" if location else "name")
            return None
        options = self.options(
            table.get("options"), lambda key, item: _schedule_option_problem(kind, key, item)
        )
        if options is None:
            return None
        source = registry.source(kind)
        if source.schedule_signs_in_through_feed and not options.get("feed", "").strip():
            self.skip(
                f"a {kind} schedule signs in through an alert feed of the same account: "
                'add feed = "FEEDNAME" under [schedules.options]',
                "options",
            )
            return None
        interval = self.interval(table.get("interval_s"), source.schedule_interval_s)
        return ScheduleSourceConfig(
            name=self.name, kind=kind, location=location, options=options, interval_s=interval
        )

    def interval(self, value: object, default: float) -> float:
        if value is None:
            return default
        number = self.seconds("interval_s", value, default)
        if number is None:
            return default
        return self.clamped(
            "interval_s",
            float(number),
            schedule_rules.interval_problem(float(number)),
            MIN_SCHEDULE_INTERVAL_S,
            MAX_SCHEDULE_INTERVAL_S,
            default,
        )


def _text_options(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {key: item for key, item in value.items() if isinstance(item, str)}


def _ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def _seconds_text(value: timedelta) -> str:
    seconds = value.total_seconds()
    return str(int(seconds)) if seconds.is_integer() else repr(seconds)
