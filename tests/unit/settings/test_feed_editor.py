"""Editing [[feeds]] in the person's own config.toml: their comments and layout survive, a file
that cannot be parsed is never written, and every write is all-or-nothing."""

import os
import stat
import tomllib
from pathlib import Path

import pytest

from shiftbell.core.errors import ConfigError
from shiftbell.settings.feed_editor import (
    EntryExistsError,
    EntryNotFoundError,
    add_feed,
    remove_feed,
    update_feed,
    write_atomically,
)
from shiftbell.settings.model import FeedSettings, Settings
from shiftbell.settings.toml_store import load_settings
from shiftbell.sources.feed import FeedConfig

HAND_WRITTEN = """\
# My Shiftbell config. Do not lose this comment.
[receiver]
port = 18974   # moved: 8974 is taken on this box

[alarm]
output_device = "hw:1"  # the USB speaker

# The team's ntfy: keep it first.
[[feeds]]
name = "team"  # short
kind = "ntfy"
url = "https://ntfy.example.org"
# interval_s = 30  (tried it, too slow)
[feeds.options]
topics = "alerts"   # only the alerts topic

# Alertmanager in the lab.
[[feeds]]
name = "lab"
kind = "alertmanager"
url = "http://lab:9093"
colour = "blue"     # not a Shiftbell key; must survive edits

[escalation.critical]
ramp_s = 30  # faster
"""


def pd(name: str = "work-pd", **options: str) -> FeedSettings:
    return FeedSettings(FeedConfig(name, "pagerduty", "https://api.pagerduty.com", dict(options)))


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "shiftbell" / "config.toml"
    path.parent.mkdir()
    path.write_text(HAND_WRITTEN, encoding="utf-8")
    return path


def names(path: Path) -> list[str]:
    return [feed.name for feed in load_settings(path).settings.feeds]


def only_file_in_folder(path: Path) -> None:
    """No scratch file left behind."""
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


# -- add ---------------------------------------------------------------------------------------


def test_adding_keeps_every_line_and_comment_of_the_file(config: Path) -> None:
    add_feed(config, pd(from_email="me@example.com"))
    text = config.read_text(encoding="utf-8")
    # Every line of the person's file is still there, in order; the new feed joins the
    # other feeds rather than landing after [escalation.critical].
    added = (
        "[[feeds]]\n"
        'name = "work-pd"\n'
        'kind = "pagerduty"\n'
        'url = "https://api.pagerduty.com"\n'
        "interval_s = 15\n"
        "enabled = true\n"
        "[feeds.options]\n"
        'from_email = "me@example.com"\n'
        "\n"
    )
    assert text == HAND_WRITTEN.replace("[escalation.critical]", added + "[escalation.critical]")
    loaded = load_settings(config)
    assert names(config) == ["team", "lab", "work-pd"]
    assert loaded.settings.feed("work-pd") == pd(from_email="me@example.com")
    assert loaded.settings.receiver.port == 18974
    only_file_in_folder(config)


def test_adding_to_feeds_in_the_middle_of_the_file_keeps_the_tables_after_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[feeds]]\nname = "a"\nkind = "ntfy"\nurl = "https://n"\n'
        '[feeds.options]\ntopics = "t"\n'
        '[alarm]  # after the feeds\noutput_device = "hw:2"\n'
    )
    add_feed(path, pd())
    text = path.read_text()
    assert text.index('name = "work-pd"') < text.index("[alarm]  # after the feeds")
    # A blank line sets the new table apart from the table before it and the one after.
    assert 'topics = "t"\n\n[[feeds]]\nname = "work-pd"' in text
    assert "enabled = true\n\n[alarm]  # after the feeds" in text
    assert names(path) == ["a", "work-pd"]
    assert load_settings(path).settings.alarm.output_device == "hw:2"


def test_adding_to_a_missing_file_writes_the_commented_default_file_with_the_feed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "new" / "config.toml"
    add_feed(path, pd())
    text = path.read_text()
    assert text.startswith("# Shiftbell configuration.")
    assert "# Feeds: the alert sources" in text
    assert text.index("# Feeds: the alert sources") < text.index('name = "work-pd"')
    loaded = load_settings(path)
    assert loaded.problems == []
    assert loaded.settings == Settings(feeds=(pd(),))


def test_a_taken_name_is_refused_with_its_line(config: Path) -> None:
    before = config.read_bytes()
    with pytest.raises(EntryExistsError) as caught:
        add_feed(config, pd("lab"))
    assert str(caught.value) == (
        f'a feed named "lab" is already in {config} (line 18): choose another name, or '
        "remove that feed first"
    )
    assert config.read_bytes() == before


def test_an_invalid_feed_is_refused_before_the_file_is_read(config: Path) -> None:
    before = config.read_bytes()
    bad = FeedSettings(FeedConfig("x y", "ntfy", "ftp://n", {}, interval_s=0.5))
    with pytest.raises(ConfigError) as caught:
        add_feed(config, bad)
    message = str(caught.value)
    assert 'the name "x y" has characters' in message
    assert 'the URL "ftp://n" must start with https:// or http://' in message
    assert "the interval 0.5 s is shorter than ntfy allows: use 1 s or more" in message
    assert config.read_bytes() == before


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("[receiver]\nport = 8974\nport = 8975\n", 3, "this key is set twice"),
        ('[alarm]\noutput_device = "hw:1\n', 2, "the line ends inside a value"),
        ("[receiver]\nport = eighty\n", 2, "this value is not valid TOML"),
    ],
)
def test_a_malformed_file_is_refused_and_left_exactly_as_it_was(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        add_feed(path, pd())
    message = str(caught.value)
    assert message.startswith(f"{path} line {line} is not valid TOML (")
    assert words in message
    assert message.endswith("): fix it first, then add the feed again; the file is unchanged")
    assert path.read_text() == text
    only_file_in_folder(path)


def test_a_file_that_is_not_utf8_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    data = b'[alarm]\noutput_device = "Lautsprecher \xfc"\n'
    path.write_bytes(data)
    with pytest.raises(ConfigError, match=r"line 2 is not UTF-8 text: save the file as UTF-8"):
        add_feed(path, pd())
    assert path.read_bytes() == data


def test_feeds_written_as_a_plain_table_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[feeds]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"is not a list of \[\[feeds\]\] tables: fix it first"):
        add_feed(path, pd())
    assert path.read_text() == '[feeds]\nname = "x"\n'


def test_an_inline_feed_list_gets_the_new_feed_inline(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('feeds = [{name = "a", kind = "gotify", url = "https://g"}]  # mine\n')
    add_feed(path, pd(from_email="me@example.com"))
    assert names(path) == ["a", "work-pd"]
    assert load_settings(path).settings.feed("work-pd") == pd(from_email="me@example.com")
    assert path.read_text().count("# mine") == 1


def test_a_byte_order_mark_and_windows_line_ends_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"\xef\xbb\xbf# mine\r\n[receiver]\r\nport = 9000\r\n")
    add_feed(path, pd())
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf# mine\r\n[receiver]\r\nport = 9000\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert names(path) == ["work-pd"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_the_files_permissions_are_kept(config: Path) -> None:
    config.chmod(0o640)
    add_feed(config, pd())
    assert stat.S_IMODE(config.stat().st_mode) == 0o640


@pytest.mark.skipif(os.name != "posix", reason="symlinks need privileges on Windows")
def test_a_symlinked_config_is_written_through_to_its_target(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles" / "shiftbell.toml"
    dotfiles.parent.mkdir()
    dotfiles.write_text(HAND_WRITTEN)
    link = tmp_path / "config.toml"
    link.symlink_to(dotfiles)
    add_feed(link, pd())
    assert link.is_symlink()
    assert names(dotfiles) == ["team", "lab", "work-pd"]


# -- remove ------------------------------------------------------------------------------------


def test_removing_the_first_feed_keeps_the_comment_that_introduces_the_next(config: Path) -> None:
    remove_feed(config, "team")
    text = config.read_text()
    assert names(config) == ["lab"]
    # The removed feed's own lines (and its commented-out option) go with it ...
    for gone in ('name = "team"', "only the alerts topic", "tried it, too slow"):
        assert gone not in text
    # ... everything else stays, including the comment above the next feed.
    assert text == HAND_WRITTEN.replace(
        '[[feeds]]\nname = "team"  # short\nkind = "ntfy"\nurl = "https://ntfy.example.org"\n'
        "# interval_s = 30  (tried it, too slow)\n[feeds.options]\n"
        'topics = "alerts"   # only the alerts topic\n',
        # The blank line that set the next feed's comment apart stays with it.
        "",
    )
    only_file_in_folder(config)


def test_removing_the_last_feed_keeps_what_follows(config: Path) -> None:
    remove_feed(config, "lab")
    text = config.read_text()
    assert names(config) == ["team"]
    assert 'colour = "blue"' not in text
    assert "[escalation.critical]\nramp_s = 30  # faster\n" in text
    assert "# The team's ntfy: keep it first." in text
    assert load_settings(config).settings.escalation.critical.ramp.total_seconds() == 30


def test_removing_a_feed_that_is_not_there_says_so_and_writes_nothing(config: Path) -> None:
    before = config.read_bytes()
    with pytest.raises(EntryNotFoundError, match='there is no feed named "nope" in '):
        remove_feed(config, "nope")
    assert config.read_bytes() == before
    with pytest.raises(EntryNotFoundError, match="there is no config file"):
        remove_feed(config.parent / "missing.toml", "team")
    assert not (config.parent / "missing.toml").exists()


def test_add_then_remove_gives_back_the_original_file(config: Path) -> None:
    add_feed(config, pd())
    remove_feed(config, "work-pd")
    assert config.read_text() == HAND_WRITTEN


# -- update ------------------------------------------------------------------------------------


def test_updating_a_feed_keeps_its_comments_and_unknown_keys(config: Path) -> None:
    changed = FeedSettings(
        FeedConfig(
            "lab-am",
            "alertmanager",
            "https://lab.example.org:9093",
            {"receiver": "oncall"},
            interval_s=30,
            stale_after_s=600,
        ),
        enabled=False,
    )
    update_feed(config, "lab", changed)
    text = config.read_text()
    assert load_settings(config).settings.feed("lab-am") == changed
    assert names(config) == ["team", "lab-am"]
    assert "# Alertmanager in the lab.\n[[feeds]]\n" in text
    assert 'colour = "blue"     # not a Shiftbell key; must survive edits' in text
    assert text.startswith(HAND_WRITTEN[: HAND_WRITTEN.index('name = "lab"')])
    assert "[escalation.critical]\nramp_s = 30  # faster\n" in text


def test_updating_keeps_inline_comments_of_values_that_did_not_change(config: Path) -> None:
    update_feed(
        config,
        "team",
        FeedSettings(FeedConfig("team", "ntfy", "https://ntfy.example.org", {"topics": "alerts"})),
    )
    text = config.read_text()
    assert 'name = "team"  # short' in text
    assert "# interval_s = 30  (tried it, too slow)" in text
    assert tomllib.loads(text)["feeds"][0]["options"] == {"topics": "alerts"}


def test_renaming_onto_a_taken_name_is_refused(config: Path) -> None:
    before = config.read_bytes()
    with pytest.raises(EntryExistsError):
        update_feed(config, "team", pd("lab"))
    assert config.read_bytes() == before


# -- the write itself --------------------------------------------------------------------------


def test_a_file_changed_during_the_edit_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"# someone saved this meanwhile\n")
    with pytest.raises(ConfigError, match="changed while Shiftbell was editing it"):
        write_atomically(path, b"# ours\n", expected=b"# what we read\n")
    assert path.read_bytes() == b"# someone saved this meanwhile\n"
    only_file_in_folder(path)


def test_a_file_created_during_the_edit_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_bytes(b"# new\n")
    with pytest.raises(ConfigError, match="changed while"):
        write_atomically(path, b"# ours\n", expected=None)
    assert path.read_bytes() == b"# new\n"


def test_a_write_that_fails_leaves_the_old_file_and_no_scratch(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.mkdir()  # os.replace cannot put a file over a folder
    with pytest.raises(ConfigError, match=f"cannot write {path}"):
        write_atomically(path, b"# ours\n", expected=None)
    assert path.is_dir()
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]
