"""The [schedule] section of the config file: defaults, round trip, problems."""

import tomllib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shiftbell.core.escalation import ScheduleSettings
from shiftbell.core.schedule import QuietHours
from shiftbell.settings.model import ScheduleConfig, Settings
from shiftbell.settings.template import render_settings
from shiftbell.settings.toml_store import load_settings, parse_settings

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_template_writes_the_schedule_section_with_its_defaults() -> None:
    document = tomllib.loads(render_settings())
    assert document["schedule"] == {
        "off_shift_critical_alarms": True,
        "quiet_hours": "",
        "quiet_hours_critical_alarms": True,
        "time_zone": "",
        "reminder_before_s": 900,
        "check_before_s": 1800,
        "check_sound": False,
    }
    text = render_settings()
    assert '"22:00-07:00"' in text and "0 = no reminder" in text


def test_the_defaults_make_the_escalation_defaults() -> None:
    assert Settings().schedule.policy(BERLIN) == ScheduleSettings()


def test_a_customised_schedule_section_round_trips(tmp_path: Path) -> None:
    custom = Settings(
        schedule=ScheduleConfig(
            off_shift_critical_alarms=False,
            quiet_hours=(time(22), time(7, 30)),
            quiet_hours_critical_alarms=False,
            time_zone="America/New_York",
            reminder_lead=timedelta(minutes=5),
        )
    )
    path = tmp_path / "config.toml"
    path.write_text(render_settings(custom), encoding="utf-8")
    loaded = load_settings(path)
    assert loaded.problems == []
    assert loaded.settings == custom
    assert 'quiet_hours = "22:00-07:30"' in path.read_text(encoding="utf-8")


def test_quiet_hours_use_the_named_zone_or_else_the_computers() -> None:
    new_york = ZoneInfo("America/New_York")
    named = ScheduleConfig(quiet_hours=(time(22), time(7)), time_zone="America/New_York")
    local = ScheduleConfig(quiet_hours=(time(22), time(7)))
    named_hours = named.policy(BERLIN).quiet_hours
    local_hours = local.policy(BERLIN).quiet_hours
    assert named_hours == QuietHours(time(22), time(7), new_york)
    assert local_hours == QuietHours(time(22), time(7), BERLIN)
    # 21:30 UTC in January is 22:30 in Berlin (quiet) and 16:30 in New York (not).
    evening = datetime(2026, 1, 10, 21, 30, tzinfo=UTC)
    assert local_hours.contains(evening)
    assert not named_hours.contains(evening)


def test_a_hand_written_section_is_read() -> None:
    text = (
        "[schedule]\n"
        'quiet_hours = " 23:15 - 06:45 "\n'
        "off_shift_critical_alarms = false\n"
        "reminder_before_s = 0\n"
    )
    settings, problems = parse_settings(text, "c.toml")
    assert problems == []
    assert settings.schedule == ScheduleConfig(
        off_shift_critical_alarms=False,
        quiet_hours=(time(23, 15), time(6, 45)),
        reminder_lead=timedelta(0),
    )


@pytest.mark.parametrize(
    ("line", "key", "words"),
    [
        ('quiet_hours = "10pm-7am"', "schedule.quiet_hours", "write it like 22:00-07:00"),
        ('quiet_hours = "22:00-24:00"', "schedule.quiet_hours", "does not exist"),
        ('quiet_hours = "07:00-07:00"', "schedule.quiet_hours", "same time"),
        ("quiet_hours = 22", "schedule.quiet_hours", 'not text like "22:00-07:00"'),
        ('time_zone = "Mars/Olympus"', "schedule.time_zone", 'a name like "Europe/Berlin"'),
        ('time_zone = "../etc"', "schedule.time_zone", "not a time zone"),
        ('time_zone = "Europe"', "schedule.time_zone", "not a time zone"),
        ('off_shift_critical_alarms = "no"', "schedule.off_shift_critical_alarms", "true or false"),
        ("reminder_before_s = -5", "schedule.reminder_before_s", "negative"),
        ("reminder_before_s = 1e9", "schedule.reminder_before_s", "more than a day"),
    ],
)
def test_a_bad_value_is_named_with_its_line_and_the_rest_is_kept(
    line: str, key: str, words: str
) -> None:
    text = f"[receiver]\nport = 9000\n\n[schedule]\nquiet_hours_critical_alarms = false\n{line}\n"
    settings, problems = parse_settings(text, "c.toml")
    assert len(problems) == 1
    assert problems[0].startswith(f"c.toml: line 6: {key} = ")
    assert words in problems[0] and "using the default" in problems[0]
    assert settings.receiver.port == 9000
    assert settings.schedule.quiet_hours_critical_alarms is False
    assert settings.schedule == ScheduleConfig(quiet_hours_critical_alarms=False)


def test_an_unknown_schedule_option_is_named() -> None:
    settings, problems = parse_settings('[schedule]\nquiet = "22:00-07:00"\n', "c.toml")
    assert settings == Settings()
    assert len(problems) == 1
    assert problems[0].startswith("c.toml: line 2: unknown option schedule.quiet")
    assert "quiet_hours" in problems[0]
