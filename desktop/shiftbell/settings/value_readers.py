"""Reading one value of config.toml at a time: numbers in bounds, durations, choices, sounds,
quiet hours, time zones; a wrong value is a problem naming its line, and reads as its default."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from datetime import UTC, time, timedelta
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shiftbell.core.escalation import Sound
from shiftbell.core.schedule import QuietHours
from shiftbell.settings import schema
from shiftbell.settings.schema import KeyPath
from shiftbell.settings.toml_text import duration_text, kind_of, line_of, show_value

log = logging.getLogger(__name__)

E = TypeVar("E", bound=StrEnum)
# A day: longer escalation steps make no sense, and the bound keeps timedelta safe.
MAX_DURATION_S = schema.DAY_S
MAX_SNOOZE_MIN = 24 * 60
_NO_SOUND = "none"


class ValueReader:
    """Reads single values of the parsed document, noting what is wrong with each, in the
    order of the file; a wrong value reads as its default."""

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
            (n for end in range(len(path), 0, -1) if (n := line_of(self.text, path[:end]))),
            None,
        )
        self.problem_at(line, message)

    def problem_at(self, line: int | None, message: str) -> None:
        where = f"{self.origin}: line {line}" if line is not None else self.origin
        self._found.append((line if line is not None else 1 << 30, f"{where}: {message}"))

    # -- values ------------------------------------------------------------------------------

    def rejected(self, path: KeyPath, value: object, why: str, default: str) -> None:
        self.problem(
            path, f"{'.'.join(path)} = {show_value(value)} {why}; using the default {default}"
        )

    def integer(
        self, table: Mapping[str, object], path: KeyPath, default: int, low: int, high: int
    ) -> int:
        value = table.get(path[-1])
        if value is None:
            return default
        if not isinstance(value, int) or isinstance(value, bool):
            self.rejected(path, value, f"is {kind_of(value)}, not a whole number", str(default))
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
            self.rejected(path, value, f"is {kind_of(value)}, not a number", default)
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
        shown = "0" if default is None else duration_text(default)
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
            self.rejected(path, value, "must be true or false", show_value(default))
            return default
        return value

    def string(self, table: Mapping[str, object], path: KeyPath, default: str) -> str:
        value = table.get(path[-1])
        if value is None:
            return default
        if not isinstance(value, str):
            self.rejected(
                path, value, f"is {kind_of(value)}, not text in quotes", show_value(default)
            )
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
        self.rejected(path, value, f"is not one of {allowed}", show_value(default.value))
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
        shown = show_value(default.value if default is not None else _NO_SOUND)
        self.rejected(path, value, f"is not a sound Shiftbell knows: use {allowed}", shown)
        return default

    def quiet_hours(
        self, table: Mapping[str, object], path: KeyPath, default: tuple[time, time] | None
    ) -> tuple[time, time] | None:
        value = table.get(path[-1])
        if value is None:
            return default
        shown = show_value("" if default is None else f"{default[0]:%H:%M}-{default[1]:%H:%M}")
        if not isinstance(value, str):
            self.rejected(path, value, f'is {kind_of(value)}, not text like "22:00-07:00"', shown)
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
                show_value(default),
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

    def value(
        self, table: Mapping[str, object], path: KeyPath, key: schema.SettingKey, default: Any
    ) -> Any:
        """The value at `path`, read as `key` declares; `default` when missing or wrong."""
        kind = key.type
        if kind is schema.ValueType.INTEGER:
            low = int(key.low) if key.low is not None else -(1 << 63)
            high = int(key.high) if key.high is not None else 1 << 63
            return self.integer(table, path, default, low, high)
        if kind is schema.ValueType.CHOICE:
            return self.choice(table, path, type(default), default)
        readers: dict[schema.ValueType, Callable[[Mapping[str, object], KeyPath, Any], Any]] = {
            schema.ValueType.FRACTION: self.fraction,
            schema.ValueType.SECONDS: self.seconds,
            schema.ValueType.SECONDS_OR_NEVER: self.seconds_or_never,
            schema.ValueType.BOOLEAN: self.boolean,
            schema.ValueType.TEXT: self.string,
            schema.ValueType.SOUND: self.sound,
            schema.ValueType.QUIET_HOURS: self.quiet_hours,
            schema.ValueType.TIME_ZONE: self.time_zone,
            schema.ValueType.MINUTES_LIST: self.snooze_choices,
        }
        return readers[kind](table, path, default)
