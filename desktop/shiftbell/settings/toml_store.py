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

import dataclasses
import logging
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from shiftbell.core.escalation import EscalationSettings, SeverityPolicy
from shiftbell.settings import schema
from shiftbell.settings.entry_readers import (
    EntryReader,
    FeedReader,
    N,
    PhoneReader,
    ScheduleReader,
    header_lines,
)
from shiftbell.settings.model import (
    FeedSettings,
    Settings,
)
from shiftbell.settings.schema import KeyPath
from shiftbell.settings.template import DEFAULT_SETTINGS, SEVERITIES, render_settings
from shiftbell.settings.toml_text import kind_of, line_of, show_value, syntax_problem
from shiftbell.settings.value_readers import ValueReader
from shiftbell.sources.schedule import ScheduleSourceConfig

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

S = TypeVar("S", bound="DataclassInstance")


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
        return _unreadable(syntax_problem(exc, text, origin))
    reader = DocumentReader(text, origin)
    settings = reader.settings(document)
    kept_back = {table: frozenset(names) for table, names in reader.kept_back.items()}
    return LoadedSettings(settings, reader.problems, text=text, kept_back=kept_back)


def parse_settings(text: str, origin: str) -> tuple[Settings, list[str]]:
    """Settings and problems from config text (see `parse_text`)."""
    loaded = parse_text(text, origin)
    return loaded.settings, loaded.problems


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


class DocumentReader(ValueReader):
    """Walks the parsed document, keeping what is valid and noting what is not."""

    def __init__(self, text: str, origin: str) -> None:
        super().__init__(text, origin)
        # Entries in the file that were not taken, by table (see LoadedSettings.kept_back).
        self.kept_back: dict[str, set[str]] = {}

    def keep_back(self, table: str, name: str) -> None:
        self.kept_back.setdefault(table, set()).add(name or ANY_ENTRY)

    # -- structure ---------------------------------------------------------------------------

    def settings(self, document: Mapping[str, object]) -> Settings:
        self.unknown_keys(document, (), schema.TOP_LEVEL)
        default = DEFAULT_SETTINGS
        return Settings(
            receiver=self.section(document, "receiver", default.receiver),
            escalation=self.escalation(document),
            notifications=self.section(document, "notifications", default.notifications),
            alarm=self.section(document, "alarm", default.alarm),
            schedule=self.section(document, "schedule", default.schedule),
            feeds=self.feeds(document),
            schedules=self.schedules(document),
            phones=self.entries(document, PhoneReader, "no phone gets alerts"),
        )

    def section(self, document: Mapping[str, object], name: str, default: S) -> S:
        """The section `name` as its settings object, each key read as the schema declares."""
        keys = schema.SECTIONS[name]
        table = self.table(document, (name,), schema.names(keys))
        return dataclasses.replace(default, **self.values(table, (name,), keys, default))

    def feeds(self, document: Mapping[str, object]) -> tuple[FeedSettings, ...]:
        """The valid [[feeds]] entries; a broken entry is named and skipped, never guessed."""
        return self.entries(document, FeedReader, "no feeds are started")

    def schedules(self, document: Mapping[str, object]) -> tuple[ScheduleSourceConfig, ...]:
        """The valid [[schedules]] entries; like [[feeds]], a broken one is named and skipped."""
        return self.entries(document, ScheduleReader, "no schedules are read")

    def entries(
        self, document: Mapping[str, object], reader: type[EntryReader[N]], unread: str
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
                f"{kind_of(value)}; {unread}",
            )
            self.keep_back(table, ANY_ENTRY)
            return ()
        headers = header_lines(self.text, table)
        # [[table]] headers give each entry its own line; an inline `table = [...]` does not.
        located = len(headers) == len(value)
        fallback = line_of(self.text, (table,))
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
        return dataclasses.replace(default, **self.values(table, at, schema.SEVERITY, default))

    def values(
        self,
        table: Mapping[str, object],
        at: KeyPath,
        keys: tuple[schema.SettingKey, ...],
        default: object,
    ) -> dict[str, Any]:
        """Each key of `keys` read from `table` by its type; what is wrong reads as `default`'s."""
        found = {}
        for key in keys:
            path = (*at, key.name)
            fallback = getattr(default, key.attribute)
            found[key.attribute] = self.value(table, path, key, fallback)
        return found

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
                f"{dotted} must be a table ([{dotted}]), not {kind_of(value)} "
                f"{show_value(value)}; using its defaults",
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
