"""The Settings window's Schedules page adds, changes and removes schedules through the same
operations as `shiftbell schedule`: the entry in config.toml, a link in the keyring, the first
saved copy."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtWidgets import QLabel, QMessageBox
from pytestqt.qtbot import QtBot
from tests.helpers.data import TEST_DATA
from tests.helpers.memory_keyring import MemoryKeyring
from tests.unit.sources.ics.fake_calendar import TOKEN, CalendarServer

from shiftbell.runtime.schedule_cache import ScheduleCache
from shiftbell.runtime.schedule_keeper import SECRET_SCOPE, schedule_cache_dir
from shiftbell.settings.feed_editor import add_feed
from shiftbell.settings.model import FeedSettings
from shiftbell.settings.toml_store import read_settings
from shiftbell.sources.feed import FeedConfig
from shiftbell.store.credentials import SecretStore
from shiftbell.ui.runner import AsyncRunner
from shiftbell.ui.schedules_page import SchedulesPage
from shiftbell.ui.settings_window import SettingsWindow


@pytest.fixture(autouse=True)
def say_yes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *_: QMessageBox.StandardButton.Yes)


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def paths(tmp_path: Path) -> tuple[Path, Path]:
    return tmp_path / "config" / "config.toml", tmp_path / "data"


@pytest.fixture
def window(
    qtbot: QtBot, paths: tuple[Path, Path], memory: MemoryKeyring, runner: AsyncRunner
) -> SettingsWindow:
    config_path, data_dir = paths
    secrets = SecretStore(data_dir, backend=memory)
    window = SettingsWindow(config_path, secrets, runner.submit, data_dir=data_dir)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.tabs.setCurrentWidget(window.schedules_page)
    return window


def choose_kind(window: SettingsWindow, kind: str) -> None:
    combo = window.schedules_page.kind_combo
    combo.setCurrentIndex(combo.findData(kind))


def test_a_calendar_file_is_added_fetched_and_removed(
    window: SettingsWindow, qtbot: QtBot, paths: tuple[Path, Path], tmp_path: Path
) -> None:
    config_path, data_dir = paths
    calendar = tmp_path / "rota.ics"
    shutil.copy(TEST_DATA / "ics" / "team-rotation.ics", calendar)
    page = window.schedules_page
    changed: list[bool] = []
    window.feeds_changed.connect(lambda: changed.append(True))

    page.add_button.click()
    assert page.form.isVisible()
    page.location_edit.setText(str(calendar))
    page.option_edits["who"].setText("Bob Keller")
    page.save_button.click()
    qtbot.waitUntil(lambda: not page.form.isVisible(), timeout=10_000)

    [entry] = read_settings(config_path).settings.schedules
    assert (entry.name, entry.kind, entry.location) == ("rota", "ics", str(calendar))
    assert entry.options == {"who": "Bob Keller"}
    assert ScheduleCache(schedule_cache_dir(data_dir)).load("rota") is not None
    assert page.table.rowCount() == 1
    assert page.result.text().startswith("Added calendar rota:")
    assert changed == [True]

    page.table.selectRow(0)
    page.remove_button.click()
    assert read_settings(config_path).settings.schedules == ()
    assert ScheduleCache(schedule_cache_dir(data_dir)).load("rota") is None
    assert page.table.rowCount() == 0
    assert changed == [True, True]


def test_a_calendar_link_goes_to_the_keyring_not_the_file_and_stays_through_a_change(
    window: SettingsWindow, qtbot: QtBot, paths: tuple[Path, Path], memory: MemoryKeyring
) -> None:
    config_path, data_dir = paths
    page = window.schedules_page
    body = (TEST_DATA / "ics" / "weekly-rotation.ics").read_bytes()
    with CalendarServer(body) as calendar:
        page.add_button.click()
        page.location_edit.setText(calendar.link)
        page.name_edit.setText("oncall")
        page.save_button.click()
        qtbot.waitUntil(lambda: not page.form.isVisible(), timeout=10_000)
        text = config_path.read_text()
        assert 'location = "keyring"' in text and TOKEN not in text
        secrets = SecretStore(data_dir, backend=memory)
        assert secrets.get("oncall", scope=SECRET_SCOPE) == calendar.link

        # A change keeps the stored link unless a new one is pasted, also when renamed.
        page.start_edit("oncall")
        assert page.location_edit.text() == ""  # the link is a credential: not shown
        assert "keyring" in page.location_edit.placeholderText()
        page.name_edit.setText("primary")
        page.save_button.click()
        qtbot.waitUntil(lambda: not page.form.isVisible(), timeout=10_000)

    [entry] = read_settings(config_path).settings.schedules
    assert (entry.name, entry.location) == ("primary", "keyring")
    assert secrets.get("primary", scope=SECRET_SCOPE) == calendar.link
    assert secrets.get("oncall", scope=SECRET_SCOPE) == ""


def test_problems_are_said_in_the_form_and_nothing_is_written(
    window: SettingsWindow, qtbot: QtBot, paths: tuple[Path, Path], tmp_path: Path
) -> None:
    config_path, _ = paths
    page = window.schedules_page
    page.add_button.click()
    page.save_button.click()
    assert page.form_error.isVisible()
    assert page.form_error.text() == "Give the calendar's link (https://, webcal://) or file."

    page.location_edit.setText(str(tmp_path / "missing.ics"))
    page.save_button.click()
    assert "There is no calendar file at" in page.form_error.text()

    broken = tmp_path / "broken.ics"
    shutil.copy(TEST_DATA / "ics" / "broken.ics", broken)
    page.location_edit.setText(str(broken))
    page.save_button.click()
    qtbot.waitUntil(lambda: page.form_error.text().startswith("Not added:"), timeout=10_000)
    assert page.form.isVisible()
    assert not config_path.exists() or "[[schedules]]" not in config_path.read_text()
    assert all(isinstance(label.text(), str) for label in page.findChildren(QLabel))


def test_a_vendor_schedule_offers_only_feeds_of_its_kind_and_its_own_options(
    window: SettingsWindow, paths: tuple[Path, Path]
) -> None:
    config_path, _ = paths
    add_feed(config_path, FeedSettings(FeedConfig("work-pd", "pagerduty", "https://pd.example")))
    add_feed(
        config_path,
        FeedSettings(FeedConfig("team", "ntfy", "https://ntfy.example", {"topics": "a"})),
    )
    page = window.schedules_page
    page.add_button.click()
    choose_kind(window, "pagerduty")
    feeds = [page.feed_combo.itemData(i) for i in range(page.feed_combo.count())]
    assert feeds == ["work-pd"]
    assert set(page.option_edits) == {"user_id", "days_ahead", "days_behind"}
    assert not page.location_edit.isVisible()
    choose_kind(window, "opsgenie")
    assert page.feed_combo.itemText(0) == "(add a JSM Ops / Opsgenie feed first)"
    assert set(page.option_edits) == {"schedules", "user", "days_ahead", "days_behind"}
    page.save_button.click()
    assert page.form_error.text().splitlines() == [
        "A opsgenie schedule needs a name.",
        "A opsgenie schedule signs in through an alert feed of the same account: set the "
        'option feed = "FEEDNAME".',
        "A opsgenie schedule needs the option schedules.",
        "A opsgenie schedule needs the option user.",
    ]


def add_calendar_file(page: SchedulesPage, qtbot: QtBot, folder: Path, who: str) -> Path:
    calendar = folder / "rota.ics"
    shutil.copy(TEST_DATA / "ics" / "team-rotation.ics", calendar)
    page.add_button.click()
    page.location_edit.setText(str(calendar))
    page.option_edits["who"].setText(who)
    page.save_button.click()
    qtbot.waitUntil(lambda: not page.form.isVisible(), timeout=10_000)
    return calendar


def test_a_schedule_is_changed_and_renamed_in_place(
    window: SettingsWindow, qtbot: QtBot, paths: tuple[Path, Path], tmp_path: Path
) -> None:
    config_path, data_dir = paths
    page = window.schedules_page
    calendar = add_calendar_file(page, qtbot, tmp_path, "Bob Keller")
    changed: list[bool] = []
    window.feeds_changed.connect(lambda: changed.append(True))

    page.table.selectRow(0)
    page.edit_button.click()
    assert page.form.isVisible() and page.editing == "rota"
    assert page.location_edit.text() == str(calendar)
    assert page.option_edits["who"].text() == "Bob Keller"
    assert page.save_button.text() == "Save schedule"
    page.name_edit.setText("team")
    page.option_edits["who"].clear()
    page.save_button.click()
    qtbot.waitUntil(lambda: not page.form.isVisible(), timeout=10_000)

    [entry] = read_settings(config_path).settings.schedules
    assert (entry.name, entry.location, entry.options) == ("team", str(calendar), {})
    cache = ScheduleCache(schedule_cache_dir(data_dir))
    assert cache.load("rota") is None and cache.load("team") is not None
    assert page.result.text().startswith("Saved calendar team:")
    assert changed == [True]


def test_a_change_that_cannot_be_fetched_writes_nothing(
    window: SettingsWindow, qtbot: QtBot, paths: tuple[Path, Path], tmp_path: Path
) -> None:
    config_path, _ = paths
    page = window.schedules_page
    add_calendar_file(page, qtbot, tmp_path, "Bob Keller")
    before = config_path.read_text()

    broken = tmp_path / "broken.ics"
    shutil.copy(TEST_DATA / "ics" / "broken.ics", broken)
    page.start_edit("rota")
    page.location_edit.setText(str(broken))
    page.save_button.click()
    qtbot.waitUntil(lambda: page.form_error.text().startswith("Not saved:"), timeout=10_000)
    assert config_path.read_text() == before
    page.cancel_button.click()
    assert page.editing is None
