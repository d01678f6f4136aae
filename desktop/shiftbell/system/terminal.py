"""Text from alerts and sources made safe to print on a terminal.

An alert title is written by whoever can reach a source: `ESC]0;...BEL` would retitle
the person's terminal and `ESC[2J` clear it. Every control character but newline and
tab is shown escaped (`\\x1b`), and one-line fields are cut so a 100 KB title cannot
flood the screen.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import TextIO, cast

# C0 controls but tab and newline, DEL, C1 controls; and the line and paragraph
# separators some terminals act on.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
ONE_LINE_LIMIT = 200


def escaped(text: str) -> str:
    return _CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode(), text)


def one_line(value: object, limit: int = ONE_LINE_LIMIT) -> str:
    """A field for a one-line listing: no line breaks, escaped, at most `limit` characters."""
    text = escaped(str(value)).replace("\n", "\\n").replace("\t", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class SafeStream:
    """Wraps stdout or stderr so nothing written through it can drive the terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return self._stream.write(escaped(text))

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


@contextlib.contextmanager
def terminal_safe_output() -> Iterator[None]:
    """While inside, stdout and stderr escape control characters (the CLI's whole run)."""
    saved = sys.stdout, sys.stderr
    sys.stdout = cast(TextIO, SafeStream(sys.stdout))
    sys.stderr = cast(TextIO, SafeStream(sys.stderr))
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
