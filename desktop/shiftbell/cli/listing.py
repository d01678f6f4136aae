"""How the `list` commands print: a table for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any


def print_listing(
    as_json: bool, rows: Sequence[Mapping[str, Any]], table: Sequence[tuple[str, ...]], empty: str
) -> int:
    """A `list` command's answer: the `rows` as JSON, else the `table` (a header, then a line
    a row; the last column is not padded, it may be long), or `empty` when there are none."""
    if as_json:
        print(json.dumps(rows, indent=2))
    elif not rows:
        print(empty)
    else:
        widths = [max(len(line[i]) for line in table) for i in range(len(table[0]) - 1)]
        for line in table:
            cells = [cell.ljust(width) for cell, width in zip(line, widths, strict=False)]
            print("  ".join([*cells, line[-1]]))
    return 0
