"""[[schedules]] in the config file: read with per-entry problems and lines, added and removed
in place without touching anything else."""

from pathlib import Path

import pytest

from shiftbell.core.errors import ConfigError
from shiftbell.settings.feed_editor import EntryExistsError, EntryNotFoundError
from shiftbell.settings.model import Settings
from shiftbell.settings.schedule_editor import (
    add_schedule,
    remove_schedule,
    update_schedule,
)
from shiftbell.settings.template import render_settings
from shiftbell.settings.toml_store import load_settings, parse_settings
from shiftbell.sources.schedule import ScheduleSourceConfig

GOOD = """\
# my rota
[[schedules]]
name = "team"
kind = "ics"
location = "keyring"

[[schedules]]
name = "pd"
kind = "pagerduty"
[schedules.options]
feed = "work-pd"
user_id = "PABC"
"""


def test_entries_read_with_defaults_per_kind() -> None:
    settings, problems = parse_settings(GOOD, "c.toml")
    assert problems == []
    assert settings.schedules == (
        ScheduleSourceConfig("team", "ics", "keyring", {}, 900.0),
        ScheduleSourceConfig("pd", "pagerduty", "", {"feed": "work-pd", "user_id": "PABC"}, 300.0),
    )
    assert settings.schedule_source("pd") is settings.schedules[1]
    assert settings.schedule_source("nope") is None


def test_bad_entries_are_named_with_their_lines_and_skipped_alone() -> None:
    text = """\
[[schedules]]
name = "fast"
kind = "ics"
location = "/tmp/a.ics"
interval_s = 5

[[schedules]]
name = "odd"
kind = "outlook"

[[schedules]]
name = "nofeed"
kind = "opsgenie"

[[schedules]]
name = "noloc"
kind = "ics"

[[schedules]]
name = "fast"
kind = "ics"
location = "/tmp/b.ics"
token = "x"
[schedules.options]
colour = "red"
"""
    settings, problems = parse_settings(text, "c.toml")
    assert [s.name for s in settings.schedules] == ["fast"]
    assert settings.schedules[0].interval_s == 60.0  # raised to the minimum, said so
    assert problems[0].startswith('c.toml: line 5: schedule "fast": interval_s = 5 is too short')
    assert problems[1].startswith('c.toml: line 9: schedule "odd": kind "outlook" is not')
    assert problems[2].startswith('c.toml: line 11: schedule "nofeed": a opsgenie schedule')
    assert problems[2].endswith("this schedule is skipped")
    assert problems[3].startswith('c.toml: line 16: schedule "noloc": has no location')
    assert any(
        p.startswith('c.toml: line 23: schedule "fast": unknown option token') for p in problems
    )
    assert any(
        "line 25" in p
        and "unknown option 'colour': the options of ics schedules are who, days_ahead" in p
        for p in problems
    )
    assert problems[4].startswith('c.toml: line 19: schedule "fast": another schedule above')
    assert len(problems) == 7


def test_schedules_that_is_not_a_list_is_reported() -> None:
    settings, problems = parse_settings('schedules = "x"\n', "c.toml")
    assert settings.schedules == ()
    assert problems == [
        "c.toml: line 1: schedules must be a list of [[schedules]] tables (two brackets each), "
        "not text; no schedules are read"
    ]


def test_add_and_remove_round_trip_keeps_the_rest_of_the_file(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    original = render_settings(Settings()) + "\n# my own note\n"
    path.write_text(original, encoding="utf-8")
    team = ScheduleSourceConfig("team", "ics", "/home/me/rota.ics", {"who": "Ann"}, 600)
    vendor = ScheduleSourceConfig("pd", "pagerduty", "", {"feed": "work-pd"}, 300)
    add_schedule(path, team)
    add_schedule(path, vendor)
    loaded = load_settings(path)
    assert loaded.problems == []
    assert loaded.settings.schedules == (team, vendor)
    assert "# my own note" in path.read_text(encoding="utf-8")
    with pytest.raises(EntryExistsError):
        add_schedule(path, team)
    remove_schedule(path, "team")
    assert load_settings(path).settings.schedules == (vendor,)
    remove_schedule(path, "pd")
    assert path.read_text(encoding="utf-8").rstrip() == original.rstrip()
    with pytest.raises(EntryNotFoundError):
        remove_schedule(path, "pd")


def test_add_creates_the_file_and_refuses_bad_input_and_broken_files(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    with pytest.raises(EntryNotFoundError):
        remove_schedule(path, "team")
    with pytest.raises(ConfigError, match="interval_s = 1 is too short"):
        add_schedule(path, ScheduleSourceConfig("t", "ics", "/a.ics", {}, 1))
    assert not path.exists()
    add_schedule(path, ScheduleSourceConfig("t", "ics", "/a.ics", {}, 900))
    assert load_settings(path).settings.schedules[0].location == "/a.ics"
    path.write_text("[[schedules]]\nname = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="line 2 is not valid TOML"):
        add_schedule(path, ScheduleSourceConfig("u", "ics", "/b.ics", {}, 900))
    assert path.read_text(encoding="utf-8") == "[[schedules]]\nname = \n"


def test_update_replaces_one_schedule_in_place_and_keeps_comments(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD.replace('kind = "ics"', 'kind = "ics"  # the team calendar'))
    before = load_settings(path).settings.schedules
    renamed = ScheduleSourceConfig("rota", "ics", "/home/me/rota.ics", {"who": "Ann"}, 600)
    update_schedule(path, "team", renamed)
    text = path.read_text(encoding="utf-8")
    assert "# my rota" in text and "# the team calendar" in text
    after = load_settings(path)
    assert after.problems == []
    assert after.settings.schedules == (renamed, before[1])
    # Options are replaced as a whole: "who" goes when the new entry has none.
    update_schedule(path, "rota", ScheduleSourceConfig("rota", "ics", "/r.ics", {}, 900))
    assert load_settings(path).settings.schedules[0].options == {}
    with pytest.raises(EntryExistsError, match="pd"):
        update_schedule(path, "rota", ScheduleSourceConfig("pd", "ics", "/r.ics", {}, 900))
    with pytest.raises(EntryNotFoundError):
        update_schedule(path, "team", renamed)
    with pytest.raises(ConfigError, match="too short"):
        update_schedule(path, "rota", ScheduleSourceConfig("rota", "ics", "/r.ics", {}, 1))
    assert load_settings(path).settings.schedules[0].interval_s == 900
