"""Reading the entries of the config file's arrays of tables, [[feeds]], [[schedules]] and
[[phones]]: each
entry checked alone, problems named with the entry's own lines, a broken entry skipped and
never guessed."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from shiftbell.phones import registry as phones
from shiftbell.phones.channel import PhoneConfig
from shiftbell.settings import feed_rules, phone_rules, schedule_rules
from shiftbell.settings.kinds import FEED_KINDS, PHONE_KINDS, SCHEDULE_KINDS, Kinds
from shiftbell.settings.model import (
    DEFAULT_FEED_INTERVAL_S,
    MAX_FEED_INTERVAL_S,
    MAX_SCHEDULE_INTERVAL_S,
    MIN_SCHEDULE_INTERVAL_S,
    FeedSettings,
    default_stale_after_s,
)
from shiftbell.settings.toml_text import kind_of, ordinal, show_value
from shiftbell.sources import registry
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.schedule import ScheduleSourceConfig
from shiftbell.sources.spec import SourceSpec

FEED_KEYS = ("name", "kind", "url", "interval_s", "stale_after_s", "enabled", "options")

if TYPE_CHECKING:
    from shiftbell.settings.toml_store import DocumentReader


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


class EntryReader(Generic[N]):
    """Reads one entry of an array of tables ([[feeds]], [[schedules]]), reporting against
    its own lines."""

    table = "feeds"
    noun = "feed"
    keys: tuple[str, ...] = ()

    def __init__(self, reader: DocumentReader, index: int, line: int | None, located: bool) -> None:
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
        return f"the {ordinal(self.index + 1)} [[{self.table}]] entry"

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
            self.skip(f"is {kind_of(entry)}, not a table")
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

    def kind(self, entry: Mapping[str, object], kinds: Kinds) -> str | None:
        kind_text = entry.get("kind")
        if not isinstance(kind_text, str):
            self.skip(f"has no kind: add kind = one of {kinds.choices}", "name")
            return None
        kind = kinds.parse(kind_text)
        if kind is None:
            self.skip(f"kind {kinds.problem(kind_text)}", "kind")
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
                f"{kind_of(value)}",
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
                f"{key} = {show_value(value)} is {kind_of(value)}, not a number of seconds; "
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


class FeedReader(EntryReader[FeedSettings]):
    """Reads one [[feeds]] entry."""

    keys = FEED_KEYS

    def read(self, entry: object) -> FeedSettings | None:
        table = self.named(entry, feed_rules.name_problem)
        if table is None:
            return None
        kind = self.kind(table, FEED_KINDS)
        if kind is None:
            return None
        url = table.get("url")
        if url is None:
            url = registry.source(kind).url_for(text_options(table.get("options")))
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
            self.note(
                "enabled", f"enabled = {show_value(enabled)} must be true or false; using true"
            )
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


class ScheduleReader(EntryReader[ScheduleSourceConfig]):
    """Reads one [[schedules]] entry."""

    table = "schedules"
    noun = "schedule"
    keys = SCHEDULE_KEYS

    def read(self, entry: object) -> ScheduleSourceConfig | None:
        table = self.named(entry, schedule_rules.schedule_name_problem)
        if table is None:
            return None
        kind = self.kind(table, SCHEDULE_KINDS)
        if kind is None:
            return None
        location = table.get("location", "")
        if not isinstance(location, str):
            self.skip(f"location is {kind_of(location)}, not text in quotes", "location")
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


PHONE_KEYS = ("name", "kind", "url", "options")


def _phone_option_problem(kind: str, key: str, item: Any) -> str | None:
    found = phone_rules.options_problems(kind, {key: item}, check_required=False)
    return found[0] if found else None


class PhoneReader(EntryReader[PhoneConfig]):
    """Reads one [[phones]] entry."""

    table = "phones"
    noun = "phone"
    keys = PHONE_KEYS

    def read(self, entry: object) -> PhoneConfig | None:
        table = self.named(entry, phone_rules.phone_name_problem)
        if table is None:
            return None
        kind = self.kind(table, PHONE_KINDS)
        if kind is None:
            return None
        spec = phones.find(kind)
        assert spec is not None  # PHONE_KINDS holds exactly these
        url = table.get("url", spec.address.default or "")
        if not isinstance(url, str):
            self.skip(f"url is {kind_of(url)}, not text in quotes", "url")
            return None
        why = feed_rules.url_problem(url)
        if why is not None:
            self.skip(why, "url")
            return None
        options = self.options(
            table.get("options"), lambda key, item: _phone_option_problem(kind, key, item)
        )
        if options is None:
            return None
        missing = phone_rules.options_problems(kind, options)
        if missing:
            self.skip(missing[0], "options")
            return None
        return PhoneConfig(name=self.name, kind=kind, url=url, options=options)


def text_options(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {key: item for key, item in value.items() if isinstance(item, str)}
