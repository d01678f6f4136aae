"""Where things are in the config file's text, and how its values are shown in messages:
the loader's and the editors' shared view of the file as a person wrote it."""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime, time, timedelta
from types import UnionType

from shiftbell.settings.schema import KeyPath

POSITION = re.compile(r"^(?P<what>.*?)\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)$")


def syntax_error_place(exc: tomllib.TOMLDecodeError) -> tuple[int | None, int | None, str]:
    """(line, column, what was wrong in plain words); None for "at the end of the file".

    Python 3.11's TOMLDecodeError has no line/column attributes, only the message
    "Invalid value (at line 3, column 8)", so they are read back out of it.
    """
    message = str(exc)
    found = POSITION.match(message)
    if found is None:
        return None, None, plain_words(message.replace("(at end of document)", "").strip())
    return int(found["line"]), int(found["column"]), plain_words(found["what"])


def syntax_problem(exc: tomllib.TOMLDecodeError, text: str, origin: str) -> str:
    # Lead with the place, the way a person looks for it in an editor.
    message = str(exc)
    found = POSITION.match(message)
    if found is None:
        what = message.replace("(at end of document)", "").strip()
        return f"{origin}: at the end of the file: {plain_words(what)}; the file is unchanged"
    line = int(found["line"])
    lines = text.splitlines()
    quoted = ""
    if 0 < line <= len(lines) and lines[line - 1].strip():
        quoted = f"`{shorten(lines[line - 1].strip())}`: "
    return (
        f"{origin}: line {line}, column {found['column']}: "
        f"{quoted}{plain_words(found['what'])}; the file is unchanged"
    )


# tomllib's wording, said the way a person editing the file thinks about it.
PLAIN_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^Invalid value$"), 'this value is not valid TOML (text needs "quotes")'),
    (re.compile(r"^Cannot overwrite a value$"), "this key is set twice"),
    (re.compile(r"^Cannot declare \(.*\) twice$"), "this section appears twice"),
    (re.compile(r"^Illegal character '\\n'"), "the line ends inside a value (a missing quote?)"),
)


def plain_words(what: str) -> str:
    for pattern, words in PLAIN_WORDS:
        if pattern.search(what):
            return words
    return lower_first(what)


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def show_value(value: object) -> str:
    """A value as it was written in the file, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{shorten(value, 40)}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return shorten("[" + ", ".join(show_value(v) for v in value) + "]", 40)
    return shorten(str(value), 40)


# Most specific first: a bool is an int to isinstance.
_TOML_KINDS: tuple[tuple[type | UnionType, str], ...] = (
    (bool, "true/false"),
    (str, "text"),
    (int, "a whole number"),
    (float, "a number"),
    (dict, "a table"),
    (list, "a list"),
    (datetime | date | time, "a date/time"),
)


def kind_of(value: object) -> str:
    """What a TOML value is, in the words a message about the config file uses."""
    return next(
        (word for kind, word in _TOML_KINDS if isinstance(value, kind)), type(value).__name__
    )


HEADER = re.compile(r"^\s*\[\[?\s*(?P<name>[^\]#]+?)\s*\]\]?\s*(?:#.*)?$")


ASSIGNMENT = re.compile(r"^\s*(?P<key>[A-Za-z0-9_\-.\"' ]+?)\s*=")


def split_key(dotted: str) -> KeyPath:
    return tuple(part.strip().strip("\"'") for part in dotted.split("."))


def line_of(text: str, path: KeyPath) -> int | None:
    """The first line that defines `path` (a key or a table), found in the raw text.

    tomllib keeps no positions, so this reads headers and `key =` lines itself; it
    handles the usual shapes ([a.b] then key, dotted keys) and gives up on the rest.
    """
    table: KeyPath = ()
    for number, line in enumerate(text.splitlines(), start=1):
        header = HEADER.match(line)
        if header is not None:
            table = split_key(header["name"])
            if table[: len(path)] == path:
                return number
            continue
        assignment = ASSIGNMENT.match(line)
        if assignment is not None:
            full = table + split_key(assignment["key"])
            if full[: len(path)] == path:
                return number
    return None


def ordinal(number: int) -> str:
    suffix = (
        "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    )
    return f"{number}{suffix}"


def duration_text(value: timedelta) -> str:
    seconds = value.total_seconds()
    return str(int(seconds)) if seconds.is_integer() else repr(seconds)
