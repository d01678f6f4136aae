"""Adding and removing [[schedules]] in the person's own config file.

The same machinery as feed_editor (tomlkit in place, checked, written atomically, refused on
a malformed file or a concurrent edit), pointed at the `schedules` array of tables.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import AoT, Array, Table
from tomlkit.toml_document import TOMLDocument

from shiftbell.core.errors import ConfigError
from shiftbell.settings import feed_editor
from shiftbell.settings.entry_readers import SCHEDULE_KEYS
from shiftbell.settings.feed_editor import EntryExistsError, EntryNotFoundError
from shiftbell.settings.schedule_rules import schedule_problems
from shiftbell.settings.template import schedule_table_lines
from shiftbell.sources.schedule import ScheduleSourceConfig

log = logging.getLogger(__name__)

KEY = "schedules"
RawEntries = list[dict[str, Any]]


def add_schedule(path: Path, config: ScheduleSourceConfig) -> None:
    """Append `config` as a new [[schedules]] table; the file is created if missing."""
    problems = schedule_problems(config)
    if problems:
        raise ConfigError(f"schedule {config.name}: " + "; ".join(problems))
    text = "\n".join(schedule_table_lines(config)) + "\n"
    new_entry: dict[str, Any] = tomllib.loads(text)[KEY][0]

    def change(document: TOMLDocument, raw: RawEntries) -> RawEntries:
        if _index_of(raw, config.name) is not None:
            raise EntryExistsError(
                f'a schedule named "{config.name}" is already in {path}: choose another name, '
                f"or remove it first with `shiftbell schedule remove {config.name}`"
            )
        table: Table = tomlkit.parse(text)[KEY][0]
        entries = document.get(KEY)
        if entries is None:
            feed_editor._blank_line_at_end(document)
            aot = tomlkit.aot()
            aot.append(table)
            document.append(KEY, aot)
        elif isinstance(entries, AoT):
            last_in_file = feed_editor._last_key(document) == KEY
            if len(entries) and not entries[-1].as_string().endswith("\n\n"):
                feed_editor._deepest_last(entries[-1]).add(tomlkit.nl())
            if not last_in_file:
                feed_editor._deepest_last(table).add(tomlkit.nl())
            entries.append(table)
        elif isinstance(entries, Array):
            entries.append(new_entry)
        else:
            raise feed_editor._not_a_feed_list(path, "add the schedule again", KEY)
        return [*raw, new_entry]

    feed_editor._edit(path, "add the schedule again", change, create=True, key=KEY)
    log.info("added schedule %s (%s) to %s", config.name, config.kind, path)


def update_schedule(path: Path, name: str, config: ScheduleSourceConfig) -> None:
    """Replace the schedule called `name` by `config` (it may be renamed), keeping comments."""
    problems = schedule_problems(config)
    if problems:
        raise ConfigError(f"schedule {config.name}: " + "; ".join(problems))
    retry = "change the schedule again"
    wanted: dict[str, Any] = tomllib.loads("\n".join(schedule_table_lines(config)))[KEY][0]

    def change(document: TOMLDocument, raw: RawEntries) -> RawEntries:
        index = _index_of(raw, name)
        if index is None:
            raise EntryNotFoundError(f'there is no schedule named "{name}" in {path}')
        other = _index_of(raw, config.name)
        if other is not None and other != index:
            raise EntryExistsError(
                f'a schedule named "{config.name}" is already in {path}: choose another name'
            )
        entries = document.get(KEY)
        if not isinstance(entries, AoT | Array):
            raise feed_editor._not_a_feed_list(path, retry, KEY)
        return feed_editor.replace_entry(entries[index], SCHEDULE_KEYS, wanted, raw, index)

    try:
        feed_editor._edit(path, retry, change, create=False, key=KEY)
    except EntryNotFoundError:  # no config file at all
        raise EntryNotFoundError(f'there is no schedule named "{name}" in {path}') from None
    log.info("changed schedule %s in %s", name, path)


def remove_schedule(path: Path, name: str) -> None:
    """Remove the schedule called `name`; EntryNotFoundError if the file has none."""
    retry = "remove the schedule again"

    def change(document: TOMLDocument, raw: RawEntries) -> RawEntries:
        index = _index_of(raw, name)
        if index is None:
            raise EntryNotFoundError(f'there is no schedule named "{name}" in {path}')
        entries = document.get(KEY)
        if isinstance(entries, AoT):
            feed_editor._remove_table(document, entries, index)
        elif isinstance(entries, Array):
            del entries[index]
        else:
            raise feed_editor._not_a_feed_list(path, retry, KEY)
        if not len(entries):
            del document[KEY]  # tomlkit would write `schedules = []` at the top
        return [*raw[:index], *raw[index + 1 :]]

    try:
        feed_editor._edit(path, retry, change, create=False, key=KEY)
    except EntryNotFoundError:  # no config file at all
        raise EntryNotFoundError(f'there is no schedule named "{name}" in {path}') from None
    log.info("removed schedule %s from %s", name, path)


def _index_of(raw: RawEntries, name: str) -> int | None:
    return next(
        (i for i, entry in enumerate(raw) if isinstance(entry, dict) and entry.get("name") == name),
        None,
    )
