"""The last good config keeps running: a typo never turns a feed off."""

from __future__ import annotations

from pathlib import Path

import pytest

from shiftbell.settings.config_keeper import LAST_GOOD_NAME, ConfigKeeper, SettingsInForce

AM = """\
[[feeds]]
name = "prod-am"
kind = "alertmanager"
url = "http://127.0.0.1:9093"
"""
NTFY = """\
[[feeds]]
name = "team"
kind = "ntfy"
url = "https://ntfy.example.org"
[feeds.options]
topics = "alerts"
"""
BROKEN_SYNTAX = "[schedule]\nquiet_hours = 22:00-07:00\n"


@pytest.fixture
def keeper(tmp_path: Path) -> ConfigKeeper:
    return ConfigKeeper(tmp_path / "config" / "config.toml", tmp_path / "data")


def write(keeper: ConfigKeeper, text: str | bytes) -> None:
    keeper.config_file.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode() if isinstance(text, str) else text
    keeper.config_file.write_bytes(data)


def names(result: SettingsInForce) -> list[str]:
    return [feed.name for feed in result.settings.feeds]


def test_a_good_file_is_in_force_and_kept_as_the_last_good_copy(keeper: ConfigKeeper) -> None:
    write(keeper, AM)
    result = keeper.load()
    assert names(result) == ["prod-am"]
    assert result.problems == [] and result.fallback == ""
    assert keeper.last_good_file.read_text() == AM
    assert oct(keeper.last_good_file.stat().st_mode & 0o777) == "0o600"


def test_a_syntax_error_on_reload_keeps_what_runs(keeper: ConfigKeeper) -> None:
    write(keeper, AM)
    running = keeper.load().settings
    write(keeper, AM + BROKEN_SYNTAX)
    result = keeper.load(running=running)
    assert result.keep_running
    assert result.settings is running
    assert "line 6" in result.problems[0]
    assert "keeps running on the settings that were running" in result.problems[-1]
    assert keeper.last_good_file.read_text() == AM  # the broken text never replaces it


@pytest.mark.parametrize(
    "broken",
    [
        b'[[feeds]]\nname = "prod-am"\xff\n',  # not UTF-8
        b"[receiver]\nport = 1\x00\n",  # a NUL byte
        BROKEN_SYNTAX.encode(),
        b"# " + b"x" * (2 << 20) + b"\n",  # 2 MB
    ],
    ids=["not-utf8", "nul", "syntax", "huge"],
)
def test_at_start_up_an_unreadable_file_runs_the_last_good_copy(
    keeper: ConfigKeeper, broken: bytes
) -> None:
    write(keeper, AM + NTFY)
    keeper.load()
    write(keeper, broken)
    result = keeper.load()
    assert names(result) == ["prod-am", "team"]
    assert result.fallback == "the last good copy"
    assert any(str(keeper.last_good_file) in problem for problem in result.problems)


def test_unreadable_with_no_copy_runs_the_defaults_and_says_so(keeper: ConfigKeeper) -> None:
    write(keeper, BROKEN_SYNTAX)
    result = keeper.load()
    assert names(result) == [] and result.fallback == "the defaults"
    assert "running on the defaults" in result.problems[-1]


def test_a_bom_is_read_like_any_other_file(keeper: ConfigKeeper) -> None:
    write(keeper, b"\xef\xbb\xbf[receiver]\nport = 9111\n")
    assert keeper.peek().settings.receiver.port == 9111


def test_a_broken_entry_keeps_running_with_its_last_good_settings(keeper: ConfigKeeper) -> None:
    write(keeper, AM + NTFY)
    running = keeper.load().settings
    write(keeper, AM + NTFY.replace('url = "https://ntfy.example.org"', 'url = "ntfy"'))
    result = keeper.load(running=running)
    assert not result.keep_running
    assert result.settings.feeds == running.feeds
    assert result.problems[-1] == (
        "Feed team keeps running with its last good settings until its entry is fixed."
    )
    # And after a restart, from the last good copy.
    again = keeper.load()
    assert again.settings.feeds == running.feeds


def test_an_entry_broken_before_its_name_keeps_the_feeds_the_file_no_longer_names(
    keeper: ConfigKeeper,
) -> None:
    write(keeper, AM + NTFY)
    running = keeper.load().settings
    write(keeper, AM + NTFY.replace('name = "team"', "name = 7"))
    assert names(keeper.load(running=running)) == ["prod-am", "team"]


def test_a_feed_removed_on_purpose_stops(keeper: ConfigKeeper) -> None:
    write(keeper, AM + NTFY)
    running = keeper.load().settings
    write(keeper, AM)
    assert names(keeper.load(running=running)) == ["prod-am"]


def test_peek_writes_nothing(keeper: ConfigKeeper) -> None:
    assert keeper.peek().settings.feeds == ()
    assert not keeper.config_file.exists()
    write(keeper, AM)
    keeper.peek()
    assert not (keeper.last_good_file.parent / LAST_GOOD_NAME).exists()
