import os
import re
import tomllib
from dataclasses import fields, replace
from datetime import timedelta
from pathlib import Path

import pytest

from shiftbell.core.escalation import EscalationSettings, SeverityPolicy, Sound
from shiftbell.settings.model import (
    AlarmSettings,
    NotificationBackend,
    NotificationSettings,
    ReceiverSettings,
    Settings,
)
from shiftbell.settings.template import render_settings
from shiftbell.settings.toml_store import load_settings, parse_settings

running_as_root = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "shiftbell" / "config.toml"


# -- the default file --------------------------------------------------------------------------


def test_a_missing_file_is_written_with_the_defaults(config_path: Path) -> None:
    loaded = load_settings(config_path)
    assert loaded.created is True
    assert loaded.problems == []
    assert loaded.settings == Settings()
    written = config_path.read_bytes()

    again = load_settings(config_path)
    assert again.created is False
    assert again.problems == []
    assert again.settings == Settings()
    assert config_path.read_bytes() == written


def test_the_template_parses_back_to_exactly_the_defaults() -> None:
    assert parse_settings(render_settings(), "config.toml") == (Settings(), [])


def test_the_template_names_every_option_with_its_default_value() -> None:
    document = tomllib.loads(render_settings())
    assert document["receiver"] == {"port": 0}  # each user their own, from 8974 up
    assert document["notifications"] == {"backend": "auto", "snooze_choices_min": [5, 15, 60]}
    assert document["alarm"] == {"output_device": "", "raise_output": True, "every_output": True}
    # The critical table as the design describes it, key by key.
    assert document["escalation"]["critical"] == {
        "sound": "alarm",
        "loop": True,
        "volume_start": 0.3,
        "volume_end": 1.0,
        "ramp_s": 60,
        "siren_after_s": 120,
        "raise_window_after_s": 240,
        "phone_after_s": 180,
        "repeat_every_s": 60,
    }
    assert document["escalation"]["info"]["sound"] == "none"
    assert document["escalation"]["warning"]["sound"] == "chime"
    # One key per policy field in every severity table: nothing configurable is left out.
    for name in ("info", "warning", "critical"):
        assert len(document["escalation"][name]) == len(fields(SeverityPolicy))


def test_the_template_documents_its_options_and_forbids_secrets() -> None:
    text = render_settings()
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    assert "No secrets" in comments and "keyring" in comments
    for option in ("siren_after_s", "raise_window_after_s", "repeat_every_s", "volume_start"):
        assert option in comments
    assert "none | chime | alarm | siren" in comments
    assert "auto | desktop-notifier | plyer | tray" in comments
    assert "from 8974 up" in comments and "Default: 0." in comments


def test_a_customised_file_round_trips(config_path: Path) -> None:
    custom = Settings(
        receiver=ReceiverSettings(port=18974),
        escalation=EscalationSettings(
            info=SeverityPolicy(sound=Sound.CHIME, volume_start=0.25, volume_end=0.25),
            warning=SeverityPolicy(
                sound=Sound.ALARM,
                loop=True,
                volume_start=0.0,
                volume_end=0.5,
                ramp=timedelta(seconds=1.5),
                raise_window_after=timedelta(seconds=600),
            ),
            critical=SeverityPolicy(
                sound=Sound.SIREN,
                loop=True,
                repeat_every=timedelta(0),
                harsher_after=timedelta(seconds=30),
            ),
        ),
        notifications=NotificationSettings(
            backend=NotificationBackend.DESKTOP_NOTIFIER, snooze_choices_min=(1, 120)
        ),
        alarm=AlarmSettings(output_device='USB "Speaker" \\ 🔊\tleft\x01'),
    )
    assert custom != Settings()
    config_path.parent.mkdir(parents=True)
    config_path.write_text(render_settings(custom), encoding="utf-8")
    loaded = load_settings(config_path)
    assert loaded.problems == []
    assert loaded.created is False
    assert loaded.settings == custom


def test_a_partial_hand_written_file_keeps_the_defaults_for_the_rest(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(
        "[escalation.critical]\nsiren_after_s = 0\nvolume_start = 1\n"
        '[alarm]\noutput_device = "hw:1"\n'
    )
    loaded = load_settings(config_path)
    assert loaded.problems == []
    critical = Settings().escalation.critical
    assert loaded.settings.escalation.critical == replace(
        critical, harsher_after=None, volume_start=1.0
    )
    assert loaded.settings.alarm.output_device == "hw:1"
    assert loaded.settings.receiver == ReceiverSettings()
    assert loaded.settings.escalation.warning == Settings().escalation.warning


# -- bad values: each falls back alone ---------------------------------------------------------

BAD_VALUES = [
    # (file text, key named in the message, line of the bad value, words in the message)
    ("[receiver]\nport = 70000\n", "receiver.port", 2, "out of range: use 0 to 65535"),
    ("[receiver]\nport = -1\n", "receiver.port", 2, "out of range"),
    ('[receiver]\n\nport = "8974"\n', "receiver.port", 3, "is text, not a whole number"),
    ("[receiver]\nport = 89.5\n", "receiver.port", 2, "not a whole number"),
    (
        "[escalation.critical]\nvolume_end = 1.5\n",
        "escalation.critical.volume_end",
        2,
        "use 0.0 to 1.0",
    ),
    (
        "[escalation.critical]\nvolume_start = -0.1\n",
        "escalation.critical.volume_start",
        2,
        "0.0 to 1.0",
    ),
    (
        "[escalation.critical]\nvolume_start = nan\n",
        "escalation.critical.volume_start",
        2,
        "not a finite",
    ),
    (
        "[escalation.critical]\nvolume_start = true\n",
        "escalation.critical.volume_start",
        2,
        "not a number",
    ),
    ("[escalation.critical]\nramp_s = -60\n", "escalation.critical.ramp_s", 2, "is negative"),
    (
        "[escalation.critical]\nsiren_after_s = -1\n",
        "escalation.critical.siren_after_s",
        2,
        "negative",
    ),
    ("[escalation.critical]\nramp_s = 1e9\n", "escalation.critical.ramp_s", 2, "more than a day"),
    (
        '[escalation.critical]\nsound = "klaxon"\n',
        "escalation.critical.sound",
        2,
        "none | chime | alarm | siren",
    ),
    (
        '[escalation.critical]\nloop = "yes"\n',
        "escalation.critical.loop",
        2,
        "must be true or false",
    ),
    ('[notifications]\nbackend = "growl"\n', "notifications.backend", 2, "auto | desktop-notifier"),
    (
        "[notifications]\nsnooze_choices_min = [5, 0]\n",
        "notifications.snooze_choices_min",
        2,
        "1 to 1440",
    ),
    (
        "[notifications]\nsnooze_choices_min = []\n",
        "notifications.snooze_choices_min",
        2,
        "list of min",
    ),
    (
        "[notifications]\nsnooze_choices_min = 5\n",
        "notifications.snooze_choices_min",
        2,
        "list of min",
    ),
    ("[alarm]\noutput_device = 3\n", "alarm.output_device", 2, "not text in quotes"),
]


@pytest.mark.parametrize(("text", "key", "line", "words"), BAD_VALUES)
def test_a_bad_value_is_named_with_its_line_and_falls_back_alone(
    config_path: Path, text: str, key: str, line: int, words: str
) -> None:
    # A valid value elsewhere in the same file must survive the bad one.
    config_path.parent.mkdir(parents=True)
    config_path.write_text("[escalation.warning]\nvolume_end = 0.2\n\n" + text)
    before = config_path.read_bytes()
    loaded = load_settings(config_path)
    assert len(loaded.problems) == 1, loaded.problems
    problem = loaded.problems[0]
    assert problem.startswith(f"{config_path}: line {line + 3}: ")
    assert key in problem and words in problem and "using the default" in problem
    assert loaded.settings == replace(
        Settings(),
        escalation=replace(
            Settings().escalation,
            warning=replace(Settings().escalation.warning, volume_end=0.2),
        ),
    )
    assert config_path.read_bytes() == before


def test_every_bad_value_in_one_file_is_reported_in_file_order() -> None:
    text = (
        "[receiver]\nport = 70000\n"
        '[escalation.critical]\nsound = "klaxon"\nvolume_start = 2\nloop = true\n'
        "[alarm]\noutput_device = false\n"
    )
    settings, problems = parse_settings(text, "c.toml")
    lines = [int(re.match(r"c\.toml: line (\d+):", p)[1]) for p in problems]  # type: ignore[index]
    assert lines == [2, 4, 5, 8]
    assert settings == Settings()


def test_zero_means_never_for_siren_and_window_but_not_for_other_durations() -> None:
    text = (
        "[escalation.critical]\nsiren_after_s = 0\nraise_window_after_s = 0\n"
        "ramp_s = 0\nrepeat_every_s = 0\n"
    )
    settings, problems = parse_settings(text, "c.toml")
    assert problems == []
    critical = settings.escalation.critical
    assert critical.harsher_after is None and critical.raise_window_after is None
    assert critical.ramp == timedelta(0) and critical.repeat_every == timedelta(0)


def test_unknown_keys_and_tables_are_named_and_ignored() -> None:
    text = (
        "color = 'red'\n"
        "[receiver]\nport = 9000\nhost = '0.0.0.0'\n"
        "[escalation.critical]\nsond = 'alarm'\n"
        "[escalation.fatal]\nsound = 'siren'\n"
        "[sounds]\n"
    )
    settings, problems = parse_settings(text, "c.toml")
    assert settings == replace(Settings(), receiver=ReceiverSettings(port=9000))
    assert len(problems) == 5
    assert problems[0].startswith("c.toml: line 1: unknown option color outside any section")
    assert problems[1].startswith("c.toml: line 4: unknown option receiver.host")
    assert problems[2].startswith("c.toml: line 6: unknown option escalation.critical.sond")
    assert problems[3].startswith("c.toml: line 7: unknown severity table [escalation.fatal]")
    assert "info, warning, critical" in problems[3]
    assert problems[4].startswith("c.toml: line 9: unknown section [sounds]")


def test_a_value_where_a_table_belongs_gives_that_tables_defaults() -> None:
    text = "[escalation]\nwarning = 3\n[receiver]\nport = 9000\n"
    settings, problems = parse_settings(text, "c.toml")
    assert problems == [
        "c.toml: line 2: escalation.warning must be a table ([escalation.warning]), "
        "not a whole number 3; using its defaults"
    ]
    assert settings == replace(Settings(), receiver=ReceiverSettings(port=9000))


def test_dotted_keys_and_inline_tables_are_read_and_located() -> None:
    text = "escalation.critical.volume_start = 0.5\nescalation.info = { volume_end = 7 }\n"
    settings, problems = parse_settings(text, "c.toml")
    assert settings.escalation.critical.volume_start == 0.5
    assert len(problems) == 1 and problems[0].startswith("c.toml: line 2: ")
    assert "escalation.info.volume_end = 7" in problems[0]


# -- broken files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "line", "column", "words"),
    [
        ("[receiver]\nport = 8974\n\n[alarm]\noutput_device = speakers\n", 5, 17, "quotes"),
        ("[receiver]\nport = 1\nport = 2\n", 3, 5, "set twice"),
        ('[alarm]\noutput_device = "hw:1\n', 2, 21, "missing quote"),
        ("[receiver]\nport = 8974\n[receiver]\n", 3, 1, "appears twice"),
    ],
)
def test_a_malformed_file_is_reported_by_line_and_never_touched(
    config_path: Path, text: str, line: int, column: int, words: str
) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text(text)
    before = config_path.read_bytes()
    loaded = load_settings(config_path)
    assert loaded.settings == Settings()
    assert loaded.created is False
    assert len(loaded.problems) == 1
    problem = loaded.problems[0]
    assert problem.startswith(f"{config_path}: line {line}, column ")
    assert re.search(rf"line {line}, column \d+: ", problem)
    assert words in problem
    assert config_path.read_bytes() == before
    assert list(config_path.parent.iterdir()) == [config_path]  # no backup, no rewrite


def test_a_file_that_ends_too_early_says_so(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("[notifications]\nsnooze_choices_min = [5,")
    loaded = load_settings(config_path)
    assert loaded.problems[0].startswith(f"{config_path}: ")
    assert "end of the file" in loaded.problems[0] or "line 2" in loaded.problems[0]
    assert config_path.read_text() == "[notifications]\nsnooze_choices_min = [5,"


def test_text_that_is_not_utf8_is_reported_by_line(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_bytes(b'[alarm]\n# caf\xe9\noutput_device = "x"\n')
    loaded = load_settings(config_path)
    assert loaded.settings == Settings()
    assert loaded.problems == [
        f"{config_path}: line 2: this is not UTF-8 text; save the file as UTF-8"
    ]


def test_a_byte_order_mark_is_accepted(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_bytes(b"\xef\xbb\xbf[receiver]\nport = 9001\n")
    loaded = load_settings(config_path)
    assert loaded.problems == []
    assert loaded.settings.receiver.port == 9001


# -- files that cannot be read or written ------------------------------------------------------


def test_a_folder_at_the_config_path_is_reported_not_replaced(config_path: Path) -> None:
    config_path.mkdir(parents=True)
    loaded = load_settings(config_path)
    assert loaded.settings == Settings()
    assert loaded.created is False
    assert loaded.problems == [
        f"cannot read {config_path}: it is a folder, not a file; move it away"
    ]
    assert config_path.is_dir()


def test_a_config_folder_that_cannot_be_made_gives_defaults_and_a_problem(tmp_path: Path) -> None:
    (tmp_path / "config").write_text("a file where the folder should be")
    path = tmp_path / "config" / "shiftbell" / "config.toml"
    loaded = load_settings(path)
    assert loaded.settings == Settings()
    assert loaded.created is False
    assert len(loaded.problems) == 1
    assert loaded.problems[0].startswith(f"cannot write the default config to {path}: ")


@pytest.mark.skipif(running_as_root, reason="root reads and writes regardless of permissions")
def test_a_read_only_config_folder_gives_defaults_and_a_problem(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.parent.chmod(0o500)
    try:
        loaded = load_settings(config_path)
    finally:
        config_path.parent.chmod(0o700)
    assert loaded.settings == Settings() and loaded.created is False
    assert loaded.problems[0].startswith(f"cannot write the default config to {config_path}: ")
    assert not config_path.exists()


@pytest.mark.skipif(running_as_root, reason="root reads and writes regardless of permissions")
def test_an_unreadable_file_gives_defaults_and_a_problem(config_path: Path) -> None:
    config_path.parent.mkdir(parents=True)
    config_path.write_text("[receiver]\nport = 9000\n")
    config_path.chmod(0o000)
    try:
        loaded = load_settings(config_path)
    finally:
        config_path.chmod(0o600)
    assert loaded.settings == Settings()
    assert loaded.problems[0].startswith(f"cannot read {config_path}: ")
    assert config_path.read_text() == "[receiver]\nport = 9000\n"
