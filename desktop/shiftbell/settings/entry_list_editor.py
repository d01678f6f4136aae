"""Adding, changing and removing the entries of one array of tables in the person's own config
file ([[schedules]], [[phones]]).

The machinery of feed_editor (tomlkit in place, so comments stay; checked; written atomically;
refused on a malformed file or a concurrent edit), pointed at one array by its key.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

import tomlkit
from tomlkit.items import AoT, Array, Table
from tomlkit.toml_document import TOMLDocument

from shiftbell.core.errors import ConfigError
from shiftbell.settings import feed_editor
from shiftbell.settings.feed_editor import EntryExistsError, EntryNotFoundError

log = logging.getLogger(__name__)

RawEntries = list[dict[str, Any]]


class _Entry(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...


C = TypeVar("C", bound=_Entry)


@dataclass(frozen=True)
class EntryListEditor(Generic[C]):
    """One array of tables.

    Attributes:
        key: the array's key ("schedules").
        noun: what one entry is called ("schedule"), also the CLI's command.
        keys: the keys an entry may have, in the order they are written.
        problems: what is wrong with an entry built in code.
        lines: the entry as TOML lines, `[[key]]` first.
    """

    key: str
    noun: str
    keys: tuple[str, ...]
    problems: Callable[[C], list[str]]
    lines: Callable[[C], list[str]]

    def add(self, path: Path, config: C) -> None:
        """Append `config` as a new table; the file is created if missing."""
        self._check(config)
        key = self.key
        text = "\n".join(self.lines(config)) + "\n"
        new_entry: dict[str, Any] = tomllib.loads(text)[key][0]

        def change(document: TOMLDocument, raw: RawEntries) -> RawEntries:
            if _index_of(raw, config.name) is not None:
                raise EntryExistsError(
                    f'a {self.noun} named "{config.name}" is already in {path}: choose another '
                    f"name, or remove it first with `shiftbell {self.noun} remove {config.name}`"
                )
            table: Table = tomlkit.parse(text)[key][0]
            entries = document.get(key)
            if entries is None:
                feed_editor._blank_line_at_end(document)
                aot = tomlkit.aot()
                aot.append(table)
                document.append(key, aot)
            elif isinstance(entries, AoT):
                last_in_file = feed_editor._last_key(document) == key
                if len(entries) and not entries[-1].as_string().endswith("\n\n"):
                    feed_editor._deepest_last(entries[-1]).add(tomlkit.nl())
                if not last_in_file:
                    feed_editor._deepest_last(table).add(tomlkit.nl())
                entries.append(table)
            elif isinstance(entries, Array):
                entries.append(new_entry)
            else:
                raise feed_editor._not_a_feed_list(path, f"add the {self.noun} again", key)
            return [*raw, new_entry]

        feed_editor._edit(path, f"add the {self.noun} again", change, create=True, key=key)
        log.info("added %s %s (%s) to %s", self.noun, config.name, config.kind, path)

    def update(self, path: Path, name: str, config: C) -> None:
        """Replace the entry called `name` by `config` (it may be renamed), keeping comments."""
        self._check(config)
        retry = f"change the {self.noun} again"
        wanted: dict[str, Any] = tomllib.loads("\n".join(self.lines(config)))[self.key][0]

        def change(document: TOMLDocument, raw: RawEntries) -> RawEntries:
            index = self._index(raw, name, path)
            other = _index_of(raw, config.name)
            if other is not None and other != index:
                raise EntryExistsError(
                    f'a {self.noun} named "{config.name}" is already in {path}: choose another name'
                )
            entries = document.get(self.key)
            if not isinstance(entries, AoT | Array):
                raise feed_editor._not_a_feed_list(path, retry, self.key)
            return feed_editor.replace_entry(entries[index], self.keys, wanted, raw, index)

        self._edit(path, name, retry, change)
        log.info("changed %s %s in %s", self.noun, name, path)

    def remove(self, path: Path, name: str) -> None:
        """Remove the entry called `name`; EntryNotFoundError if the file has none."""
        retry = f"remove the {self.noun} again"

        def change(document: TOMLDocument, raw: RawEntries) -> RawEntries:
            index = self._index(raw, name, path)
            entries = document.get(self.key)
            if isinstance(entries, AoT):
                feed_editor._remove_table(document, entries, index)
            elif isinstance(entries, Array):
                del entries[index]
            else:
                raise feed_editor._not_a_feed_list(path, retry, self.key)
            if not len(entries):
                del document[self.key]  # tomlkit would write `key = []` at the top
            return [*raw[:index], *raw[index + 1 :]]

        self._edit(path, name, retry, change)
        log.info("removed %s %s from %s", self.noun, name, path)

    def _check(self, config: C) -> None:
        problems = self.problems(config)
        if problems:
            raise ConfigError(f"{self.noun} {config.name}: " + "; ".join(problems))

    def _index(self, raw: RawEntries, name: str, path: Path) -> int:
        index = _index_of(raw, name)
        if index is None:
            raise EntryNotFoundError(f'there is no {self.noun} named "{name}" in {path}')
        return index

    def _edit(
        self,
        path: Path,
        name: str,
        retry: str,
        change: Callable[[TOMLDocument, RawEntries], RawEntries],
    ) -> None:
        try:
            feed_editor._edit(path, retry, change, create=False, key=self.key)
        except EntryNotFoundError:  # no config file at all
            raise EntryNotFoundError(f'there is no {self.noun} named "{name}" in {path}') from None


def _index_of(raw: RawEntries, name: str) -> int | None:
    return next(
        (i for i, entry in enumerate(raw) if isinstance(entry, dict) and entry.get("name") == name),
        None,
    )
