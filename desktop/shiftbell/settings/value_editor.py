"""Setting single values in the person's config file ([escalation.critical] siren_after_s,
[schedule] quiet_hours, ...), for the Settings window's Alarm page.

Like the feed editor (feed_editor.py), the file is edited in place with tomlkit so the
person's comments, order and spacing stay, and the same rules keep it safe: a file that does
not parse is never written, the edited text must hold exactly the old settings with only the
asked values changed, and the new file replaces the old one in one step unless it changed on
disk meanwhile.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.items import Table
from tomlkit.toml_document import TOMLDocument

from shiftbell.core.errors import ConfigError
from shiftbell.settings.feed_editor import BOM, open_for_editing, parse_strictly, write_atomically
from shiftbell.settings.schema import KeyPath

Scalar = bool | int | float | str
RETRY = "save again"


def edited_text(path: Path, values: Mapping[KeyPath, Scalar]) -> tuple[str, bytes | None]:
    """The file's text with `values` set, and the bytes it held (None: no file yet).

    Raises ConfigError, naming the line, when the file cannot be read or edited safely.
    """
    _, original, text, bom, old, document = open_for_editing(path, RETRY)
    expected = copy.deepcopy(old)
    for key_path, value in values.items():
        _set(document, key_path, value, path)
        _set_plain(expected, key_path, value)
    new_text = document.as_string()
    if "\r\n" in text and "\n" not in text.replace("\r\n", ""):
        new_text = re.sub(r"(?<!\r)\n", "\r\n", new_text)
    if parse_strictly(new_text, path, RETRY) != expected:
        raise ConfigError(
            f"could not edit {path} safely (other settings would have changed); the file is "
            "unchanged: set the values by hand"
        )
    return (BOM if bom else "") + new_text, original


def set_values(path: Path, values: Mapping[KeyPath, Scalar]) -> None:
    """Set each dotted key path to its value, keeping everything else in the file as it is."""
    write_edited(path, *edited_text(path, values))


def write_edited(path: Path, text: str, original: bytes | None) -> None:
    """Write `text` from `edited_text`, unless the file no longer holds `original`."""
    write_atomically(Path(os.path.realpath(path)), text.encode("utf-8"), expected=original)


def _set(document: TOMLDocument, key_path: KeyPath, value: Scalar, path: Path) -> None:
    container: TOMLDocument | Table = document
    for name in key_path[:-1]:
        found = container.get(name)
        if found is None:
            found = tomlkit.table()
            container.add(name, found)
        if not isinstance(found, Table):
            dotted = ".".join(key_path[:-1])
            raise ConfigError(
                f"{path}: [{dotted}] is not a table, so {key_path[-1]} cannot be set there; "
                "fix it by hand"
            )
        container = found
    container[key_path[-1]] = value


def _set_plain(data: dict[str, Any], key_path: KeyPath, value: Scalar) -> None:
    for name in key_path[:-1]:
        data = data.setdefault(name, {})
    data[key_path[-1]] = value
