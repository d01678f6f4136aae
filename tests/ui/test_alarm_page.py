"""The Settings window's Alarm page edits [escalation.*] and [schedule] in place: the person's
comments stay, a value the loader would refuse is said and nothing is written."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from tests.helpers.memory_keyring import MemoryKeyring

from shiftbell.core.escalation import Sound
from shiftbell.settings.template import DEFAULT_SETTINGS, render_settings
from shiftbell.settings.toml_store import read_settings
from shiftbell.store.credentials import SecretStore
from shiftbell.ui.runner import AsyncRunner
from shiftbell.ui.settings_window import SettingsWindow

MY_COMMENT = "# my own note about the pager, keep me"


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "config" / "config.toml"
    path.parent.mkdir(parents=True)
    path.write_text(MY_COMMENT + "\n" + render_settings(DEFAULT_SETTINGS))
    return path


@pytest.fixture
def window(qtbot: QtBot, config_path: Path, tmp_path: Path, runner: AsyncRunner) -> SettingsWindow:
    secrets = SecretStore(tmp_path / "data", backend=MemoryKeyring())
    window = SettingsWindow(config_path, secrets, runner.submit, data_dir=tmp_path / "data")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentWidget(window.alarm_page)
    return window


def test_the_page_shows_the_files_values_and_saves_changes_in_place(
    window: SettingsWindow, config_path: Path
) -> None:
    page = window.alarm_page
    critical = page.severities["critical"]
    assert critical.sound.currentText() == "alarm"
    assert critical.durations["siren_after_s"].value() == 120
    changed: list[bool] = []
    window.feeds_changed.connect(lambda: changed.append(True))

    critical.durations["siren_after_s"].setValue(45)
    page.severities["warning"].sound.setCurrentText("none")
    page.quiet_hours.setText("22:00-07:00")
    page.quiet_critical.setChecked(False)
    page.save_button.click()

    assert page.result.text() == "Saved: the alarm follows the new settings now."
    assert changed == [True]
    text = config_path.read_text()
    assert text.startswith(MY_COMMENT)
    loaded = read_settings(config_path)
    assert loaded.problems == []
    settings = loaded.settings
    assert settings.escalation.critical.harsher_after == timedelta(seconds=45)
    assert settings.escalation.critical.sound is Sound.ALARM
    assert settings.escalation.warning.sound is None
    assert settings.schedule.quiet_hours == (time(22, 0), time(7, 0))
    assert settings.schedule.quiet_hours_critical_alarms is False


def test_a_value_the_loader_refuses_is_said_and_nothing_is_written(
    window: SettingsWindow, config_path: Path
) -> None:
    before = config_path.read_bytes()
    page = window.alarm_page
    page.quiet_hours.setText("25:00-7")
    page.save_button.click()
    assert page.result.text().startswith("Not saved: ")
    assert "quiet_hours" in page.result.text()
    assert config_path.read_bytes() == before


def test_a_broken_file_is_not_touched(window: SettingsWindow, config_path: Path) -> None:
    config_path.write_text("[escalation\n")
    page = window.alarm_page
    page.save_button.click()
    assert "is not valid TOML" in page.result.text()
    assert config_path.read_text() == "[escalation\n"
