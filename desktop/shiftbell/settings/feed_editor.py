"""Adding, changing and removing [[feeds]] in the person's own config file.

The file is theirs: it has their comments, their order, their spacing. So it is
edited in place with tomlkit, which keeps all of that, rather than rendered
again from the settings. Four rules keep it safe:

- A file that is not valid TOML (or not UTF-8) is never written: the person is
  told the line to fix, and the edit is refused.
- Before writing, the edited text is parsed again and compared with what the
  edit should have produced; anything else changed means the edit is refused.
- The new file is written beside the old one, flushed to disk, then renamed over
  it (os.replace), so a crash leaves either the old file or the new one. A
  symlinked config (dotfiles) is written through to its target.
- If the file changed on disk while we were editing, nothing is written.
"""

from __future__ import annotations

import logging
import os
import re
import secrets as random_names
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Array, Comment, Table, Whitespace
from tomlkit.toml_document import TOMLDocument

from shiftbell.core.errors import ConfigError
from shiftbell.settings.entry_readers import FEED_KEYS, feed_header_lines
from shiftbell.settings.feed_rules import feed_problems
from shiftbell.settings.model import FeedSettings
from shiftbell.settings.template import DEFAULT_SETTINGS, feed_table_lines, render_settings
from shiftbell.settings.toml_text import syntax_error_place

log = logging.getLogger(__name__)

_POSIX = os.name == "posix"
BOM = "\ufeff"
RawFeeds = list[dict[str, Any]]


class EntryExistsError(ConfigError):
    """A feed or schedule with that name is already in the config file."""


class EntryNotFoundError(ConfigError):
    """No feed or schedule with that name is in the config file (or there is no file)."""


def add_feed(path: Path, feed: FeedSettings) -> None:
    """Append `feed` as a new [[feeds]] table; the file is created (with comments) if missing."""
    problems = feed_problems(feed)
    if problems:
        raise ConfigError(f"feed {feed.name}: " + "; ".join(problems))
    new_entry = _entry_dict(feed)

    def change(document: TOMLDocument, raw: RawFeeds) -> RawFeeds:
        index = _index_of(raw, feed.name)
        if index is not None:
            raise EntryExistsError(
                f'a feed named "{feed.name}" is already in {path}{_at_line(path, index)}: '
                "choose another name, or remove that feed first"
            )
        feeds = document.get("feeds")
        if feeds is None:
            _blank_line_at_end(document)
            aot = tomlkit.aot()
            aot.append(_new_table(feed))
            document.append("feeds", aot)
        elif isinstance(feeds, AoT):
            last_in_file = _last_key(document) == "feeds"
            if len(feeds) and not feeds[-1].as_string().endswith("\n\n"):
                _deepest_last(feeds[-1]).add(tomlkit.nl())
            table = _new_table(feed)
            if not last_in_file:
                _deepest_last(table).add(tomlkit.nl())  # keep a blank line before the next table
            feeds.append(table)
        elif isinstance(feeds, Array):
            feeds.append(new_entry)
        else:
            raise _not_a_feed_list(path, "add the feed again")
        return [*raw, new_entry]

    _edit(path, "add the feed again", change, create=True)
    log.info("added feed %s (%s) to %s", feed.name, feed.kind, path)


def update_feed(path: Path, name: str, feed: FeedSettings) -> None:
    """Replace the settings of the feed called `name` (it may be renamed), keeping its comments.

    Keys Shiftbell does not know stay as they are; options are replaced as a whole.
    """
    problems = feed_problems(feed)
    if problems:
        raise ConfigError(f"feed {feed.name}: " + "; ".join(problems))

    def change(document: TOMLDocument, raw: RawFeeds) -> RawFeeds:
        index = _require(path, raw, name)
        other = _index_of(raw, feed.name)
        if other is not None and other != index:
            raise EntryExistsError(
                f'a feed named "{feed.name}" is already in {path}{_at_line(path, other)}: '
                "choose another name"
            )
        feeds = _feed_list(document, path, "change the feed again")
        return replace_entry(feeds[index], FEED_KEYS, _entry_dict(feed), raw, index)

    _edit(path, "change the feed again", change, create=False)
    log.info("changed feed %s in %s", name, path)


def remove_feed(path: Path, name: str) -> None:
    """Remove the feed called `name`; EntryNotFoundError if the file has none."""

    def change(document: TOMLDocument, raw: RawFeeds) -> RawFeeds:
        index = _require(path, raw, name)
        feeds = _feed_list(document, path, "remove the feed again")
        if isinstance(feeds, AoT):
            _remove_table(document, feeds, index)
        else:
            del feeds[index]
        if not len(feeds):
            # tomlkit would write an empty list as `feeds = []` at the top of the file.
            del document["feeds"]
        return [*raw[:index], *raw[index + 1 :]]

    _edit(path, "remove the feed again", change, create=False)
    log.info("removed feed %s from %s", name, path)


# -- the edit itself --------------------------------------------------------------------------


def _edit(
    path: Path,
    retry: str,
    change: Callable[[TOMLDocument, RawFeeds], RawFeeds],
    *,
    create: bool,
    key: str = "feeds",
) -> None:
    """Read, change, check and write the config; raise ConfigError and write nothing on trouble.

    `key` is the array of tables being edited ([[feeds]], [[schedules]]); everything else in
    the file must come out unchanged.
    """
    if not create and not os.path.exists(path):
        raise EntryNotFoundError(f"there is no config file at {path}, so no {key}")
    target, original, text, bom, old, document = open_for_editing(path, retry)
    old_feeds = old.get(key, [])
    raw = list(old_feeds) if isinstance(old_feeds, list) else []
    if key in old and not isinstance(old_feeds, list):
        raise _not_a_feed_list(path, retry, key)
    expected_feeds = change(document, raw)
    new_text = document.as_string()
    if "\r\n" in text and "\n" not in text.replace("\r\n", ""):
        # A Windows-edited file: tomlkit writes the new lines with \n; match the rest.
        new_text = re.sub(r"(?<!\r)\n", "\r\n", new_text)
    _check(old, new_text, expected_feeds, path, key)
    data = ((BOM if bom else "") + new_text).encode("utf-8")
    write_atomically(target, data, expected=original)


def open_for_editing(
    path: Path, retry: str
) -> tuple[Path, bytes | None, str, bool, dict[str, Any], TOMLDocument]:
    """Read the config to edit it: (the real file, its bytes or None, its text, whether it had
    a BOM, what the app reads from it, the tomlkit document). A missing file reads as the
    default one; one that is not UTF-8 or not valid TOML raises ConfigError naming the line.
    """
    target = Path(os.path.realpath(path))  # write through a symlink, never over it
    original: bytes | None
    try:
        original = target.read_bytes()
    except FileNotFoundError:
        original = None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    if original is None:
        text, bom = render_settings(DEFAULT_SETTINGS), False
    else:
        text, bom = decode_config(original, path, retry)
    old = parse_strictly(text, path, retry)
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        line = getattr(exc, "line", None)
        place = f" line {line}" if line else ""
        raise ConfigError(
            f"{path}{place} could not be read for editing ({exc}): fix it first, then {retry}; "
            "the file is unchanged"
        ) from None
    return target, original, text, bom, old, document


def decode_config(data: bytes, path: Path, retry: str) -> tuple[str, bool]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path} line {line} is not UTF-8 text: save the file as UTF-8, then {retry}; "
            "the file is unchanged"
        ) from None
    if text.startswith(BOM):
        return text[1:], True
    return text, False


def parse_strictly(text: str, path: Path, retry: str) -> dict[str, Any]:
    """tomllib is the reader the app uses, so it decides whether the file is valid."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line, _, what = syntax_error_place(exc)
        place = f"line {line}" if line is not None else "the end of the file"
        raise ConfigError(
            f"{path} {place} is not valid TOML ({what}): fix it first, then {retry}; "
            "the file is unchanged"
        ) from None


def _check(
    old: dict[str, Any], new_text: str, expected: RawFeeds, path: Path, key: str = "feeds"
) -> None:
    """The edited text must hold exactly the old settings with `key` changed as intended."""
    try:
        new = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError as exc:
        raise _unsafe(path, f"the edited text would not parse: {exc}", key) from None
    rest_old = {name: value for name, value in old.items() if name != key}
    rest_new = {name: value for name, value in new.items() if name != key}
    if rest_old != rest_new:
        raise _unsafe(path, "other settings would have changed", key)
    if new.get(key, []) != expected:
        raise _unsafe(path, f"the {key} would not have come out as intended", key)


def _unsafe(path: Path, why: str, key: str = "feeds") -> ConfigError:
    # Only an unusual layout (or a tomlkit bug) gets here; say what to do by hand.
    return ConfigError(
        f"could not edit {path} safely ({why}); the file is unchanged: edit its [[{key}]] "
        "tables by hand (the comments in the file show the keys)"
    )


def write_atomically(path: Path, data: bytes, expected: bytes | None = None) -> None:
    """Replace `path` with `data` in one step; never a half-written file.

    `expected` is what the file held when it was read (None: it did not exist);
    if it holds something else now, someone edited it meanwhile and nothing is
    written. The new file keeps the old one's permissions.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{random_names.token_hex(6)}.tmp")
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        # O_EXCL: never write into a file someone else made under our scratch name.
        fd = os.open(
            scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666 if mode is None else 0o600
        )
        try:
            if mode is not None and _POSIX:
                os.fchmod(fd, mode)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        if _current(path) != expected:
            raise ConfigError(
                f"{path} changed while Shiftbell was editing it; nothing was written: try again"
            )
        os.replace(scratch, path)
    except ConfigError:
        scratch.unlink(missing_ok=True)
        raise
    except OSError as exc:
        scratch.unlink(missing_ok=True)
        raise ConfigError(
            f"cannot write {path}: {exc.strerror or exc}; the file is unchanged"
        ) from None
    _sync_folder(path.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; POSIX only (Windows cannot open a folder)."""
    if not _POSIX:
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems do not sync folders; the file itself is on disk
    finally:
        os.close(fd)


# -- tomlkit helpers --------------------------------------------------------------------------


def _entry_dict(feed: FeedSettings) -> dict[str, Any]:
    """The entry as tomllib reads it back, from the same lines the template writes."""
    parsed = tomllib.loads("\n".join(feed_table_lines(feed)) + "\n")
    entry: dict[str, Any] = parsed["feeds"][0]
    return entry


def _new_table(feed: FeedSettings) -> Table:
    table: Table = tomlkit.parse("\n".join(feed_table_lines(feed)) + "\n")["feeds"][0]
    return table


def _index_of(raw: RawFeeds, name: str) -> int | None:
    return next(
        (i for i, entry in enumerate(raw) if isinstance(entry, dict) and entry.get("name") == name),
        None,
    )


def _require(path: Path, raw: RawFeeds, name: str) -> int:
    index = _index_of(raw, name)
    if index is None:
        raise EntryNotFoundError(f'there is no feed named "{name}" in {path}')
    return index


def _at_line(path: Path, index: int) -> str:
    try:
        lines = feed_header_lines(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError):
        return ""
    return f" (line {lines[index]})" if index < len(lines) else ""


def _feed_list(document: TOMLDocument, path: Path, retry: str) -> AoT | Array:
    feeds = document.get("feeds")
    if not isinstance(feeds, AoT | Array):
        raise _not_a_feed_list(path, retry)
    return feeds


def _not_a_feed_list(path: Path, retry: str, key: str = "feeds") -> ConfigError:
    return ConfigError(
        f"{key} in {path} is not a list of [[{key}]] tables: fix it first, then {retry}; "
        "the file is unchanged"
    )


def _last_key(document: TOMLDocument) -> str | None:
    keys = [key for key, _ in document.body if key is not None]
    return keys[-1].key if keys else None


def _deepest_last(container: Table | TOMLDocument) -> Table | TOMLDocument:
    """The table whose body ends the text of `container`: where trailing lines belong.

    tomlkit writes a table's sub-tables ([feeds.options]) after its own keys, and
    files the lines after a sub-table's header under that sub-table.
    """
    current = container
    while True:
        body = current.value.body if isinstance(current, Table) else current.body
        if not body or body[-1][0] is None:
            return current
        item = body[-1][1]
        if isinstance(item, AoT) and len(item):
            current = item[-1]
        elif isinstance(item, Table):
            current = item
        else:
            return current


def _blank_line_at_end(document: TOMLDocument) -> None:
    text = document.as_string()
    if text and not text.endswith("\n\n"):
        if not text.endswith("\n"):
            _deepest_last(document).add(tomlkit.nl())
        _deepest_last(document).add(tomlkit.nl())


def _trailing_lines(table: Table) -> list[Comment | Whitespace]:
    """The comments at the very end of an entry that introduce whatever follows it.

    Written after a blank line they describe the next table ("# the second feed"),
    and tomlkit files them under the entry before; removing that entry must keep them.
    Comments before the blank line belong to the entry and go with it.
    """
    body = _deepest_last(table)
    items: list[Comment | Whitespace] = []
    entries = body.value.body if isinstance(body, Table) else body.body
    for key, item in reversed(entries):
        if key is not None or not isinstance(item, Comment | Whitespace):
            break
        items.insert(0, item)
    blank = max((i for i, item in enumerate(items) if isinstance(item, Whitespace)), default=None)
    kept = items[blank:] if blank is not None else items  # with the blank line that sets them off
    return kept if any(isinstance(item, Comment) for item in kept) else []


def _remove_table(document: TOMLDocument, feeds: AoT, index: int) -> None:
    carried = _trailing_lines(feeds[index])
    del feeds[index]
    if not carried:
        return
    home = _deepest_last(feeds[index - 1]) if index > 0 else _table_before(document, feeds)
    if home is None:
        # [[feeds]] first in a file with no table before it: tomlkit offers no public way
        # to put lines in front of it. Rare, and only comments about the next table.
        log.debug("dropped %d comment lines with no place to go", len(carried))
        return
    if isinstance(carried[0], Whitespace) and home.as_string().endswith("\n\n"):
        carried = carried[1:]  # the place already ends with a blank line
    for item in carried:
        home.add(item)


def _table_before(document: TOMLDocument, feeds: AoT) -> Table | None:
    """The table whose body the text just before the [[feeds]] list belongs to."""
    previous: Any = None
    for _, item in document.body:
        if item is feeds:
            break
        previous = item
    if isinstance(previous, Table):
        found = _deepest_last(previous)
        return found if isinstance(found, Table) else None
    return None


def replace_entry(
    entry: Table, keys: tuple[str, ...], wanted: dict[str, Any], raw: RawFeeds, index: int
) -> RawFeeds:
    """Give the table `entry` the values of `wanted` for `keys` (a key `wanted` lacks is
    deleted), in place, so its comments stay; keys Shiftbell does not know stay as they are.
    Returns `raw` (the file's entries as plain data) with entry `index` changed the same way."""
    for key in keys:
        if key in wanted and key != "options":
            entry[key] = wanted[key]
        elif key in entry and key != "options":
            del entry[key]
    _replace_options(entry, wanted.get("options", {}))
    kept = {key: value for key, value in raw[index].items() if key not in keys}
    return [*raw[:index], {**kept, **wanted}, *raw[index + 1 :]]


def _replace_options(entry: Table, options: dict[str, str]) -> None:
    current = entry.get("options")
    if not options:
        if current is not None:
            del entry["options"]
        return
    if isinstance(current, Table):
        for key in list(current.keys()):
            if key not in options:
                del current[key]
        for key, value in options.items():
            current[key] = value
        return
    table = tomlkit.table()
    for key, value in options.items():
        table[key] = value
    if current is not None:
        del entry["options"]
    # The new [feeds.options] goes after the entry's trailing blank line; give the
    # next table its blank line back.
    if entry.as_string().endswith("\n\n"):
        table.add(tomlkit.nl())
    entry["options"] = table
