"""Start-up never dies on bad input: a wrong type at any key of the
config is a problem with a line, never an exception."""

from __future__ import annotations

from typing import Any

import pytest
import tomlkit

from shiftbell.settings.template import DEFAULT_SETTINGS, render_settings
from shiftbell.settings.toml_store import parse_text

FEED = """
[[feeds]]
name = "prod-am"
kind = "alertmanager"
url = "http://127.0.0.1:9093"
[feeds.options]
filter = 'team="db"'

[[schedules]]
name = "rota"
kind = "ics"
url = "https://calendar.example.com/rota.ics"
"""
WRONG: list[Any] = [[], {}, "text", 1.5, True, -1, [1, "x"], {"a": {"b": []}}]


def leaf_paths(table: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    paths: list[tuple[Any, ...]] = []
    if isinstance(table, dict):
        for key, value in table.items():
            paths.append((*prefix, key))
            paths += leaf_paths(value, (*prefix, key))
    elif isinstance(table, list):
        for index, value in enumerate(table):
            paths.append((*prefix, index))
            paths += leaf_paths(value, (*prefix, index))
    return paths


TEXT = render_settings(DEFAULT_SETTINGS) + FEED
PATHS = leaf_paths(tomlkit.parse(TEXT).unwrap())


@pytest.mark.parametrize("path", PATHS, ids=[".".join(map(str, p)) for p in PATHS])
def test_a_wrong_type_at_any_key_is_reported_not_raised(path: tuple[Any, ...]) -> None:
    for wrong in WRONG:
        document = tomlkit.parse(TEXT).unwrap()
        holder = document
        for step in path[:-1]:
            holder = holder[step]
        holder[path[-1]] = wrong
        loaded = parse_text(tomlkit.dumps(document), "config.toml")
        assert loaded.readable
        assert loaded.settings is not None
