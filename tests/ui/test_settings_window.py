"""The Settings window: feeds added, edited, removed and tested through the real form.

Everything here is real except the person: config.toml in tmp_path edited by
feed_editor, tokens in a real keyring backend object (keyring's own base class,
storing in a dict), the app's AsyncRunner as the worker loop, and a real HTTP
server answering like Alertmanager. The only stand-in is QMessageBox.question,
Qt's modal dialog, answered by the test.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QMessageBox, QWidget
from pytestqt.qtbot import QtBot
from tests.helpers.data import TEST_DATA
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.vendor_server import FakeVendorServer, free_port
from tests.unit.sources.alertmanager.fake_alertmanager import recorded_alertmanager

from shiftbell.core.errors import FeedUnreachableError
from shiftbell.settings.feed_editor import add_feed
from shiftbell.settings.model import FeedSettings
from shiftbell.sources import registry
from shiftbell.sources.build import connection_test
from shiftbell.sources.feed import FeedConfig
from shiftbell.store.credentials import SECRETS_FILE_NAME, SecretStore
from shiftbell.ui.feed_form import FeedForm, Field
from shiftbell.ui.feeds_list import Column
from shiftbell.ui.result_label import ResultState
from shiftbell.ui.runner import AsyncRunner
from shiftbell.ui.settings_window import (
    SettingsWindow,
)

TOKEN = "am-proxy-Zq81-secret"  # distinctive, so a leak anywhere is easy to find
OTHER_TOKEN = "pd-u+Kx2-other-secret"
DATA = TEST_DATA / "alertmanager_api"
Answer = QMessageBox.StandardButton


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def no_token_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    assert TOKEN not in caplog.text and OTHER_TOKEN not in caplog.text


@pytest.fixture(autouse=True)
def no_real_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real modal QMessageBox would wait for ever offscreen; tests answer with `answer_questions`.

    Unanswered questions (pytest-qt closing a window with an unsaved form) get the
    dialog's default button, as if the person pressed Enter.
    """

    def default_answer(*args: object) -> object:
        return args[-1]

    monkeypatch.setattr(QMessageBox, "question", default_answer)


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def store(tmp_path: Path, memory: MemoryKeyring) -> SecretStore:
    return SecretStore(tmp_path / "data", backend=memory)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "config.toml"


WindowFactory = Callable[..., SettingsWindow]


@pytest.fixture
def make_window(
    qtbot: QtBot, config_path: Path, store: SecretStore, runner: AsyncRunner
) -> WindowFactory:
    def make(secrets: SecretStore | None = None, **kwargs: Any) -> SettingsWindow:
        window = SettingsWindow(config_path, secrets or store, runner.submit, **kwargs)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return make


@pytest.fixture
def window(make_window: WindowFactory) -> SettingsWindow:
    return make_window()


@pytest.fixture
def alertmanager() -> Iterator[FakeVendorServer]:
    """A real HTTP server answering GET /api/v2/status and /api/v2/alerts like Alertmanager."""
    with recorded_alertmanager() as server:
        yield server


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A loopback port that takes connections but never answers (the kernel's backlog)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield int(sock.getsockname()[1])


# -- helpers ----------------------------------------------------------------------------------


def click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def type_into(qtbot: QtBot, edit: QLineEdit, text: str) -> None:
    """Replace the field's text the way a person does: select all, then type."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def choose_kind(window: SettingsWindow, kind: str) -> None:
    combo = window.form.kind_combo
    combo.setCurrentIndex(combo.findData(kind))


def set_option(form: FeedForm, key: str, value: str) -> None:
    table = form.options_table
    for row in range(table.rowCount()):
        item = table.item(row, 0)
        if item is not None and item.text() == key:
            cell = table.item(row, 1)
            assert cell is not None
            cell.setText(value)
            return
    raise AssertionError(f"no option row {key}")


def fill_new_feed(
    qtbot: QtBot, window: SettingsWindow, name: str, url: str, token: str = ""
) -> None:
    click(qtbot, window.add_button)
    assert window.pages.currentWidget() is window.form_page
    type_into(qtbot, window.form.name_edit, name)
    type_into(qtbot, window.form.url_edit, url)
    if token:
        qtbot.keyClicks(window.form.token_edit, token)


def save(qtbot: QtBot, window: SettingsWindow) -> None:
    """Click Save and wait for the change to be written."""
    with qtbot.waitSignal(window.feeds_changed, timeout=5000):
        click(qtbot, window.save_button)
    assert window.pages.currentWidget() is window.list_page


def save_refused(qtbot: QtBot, window: SettingsWindow) -> str:
    """Click Save; it must be refused with a message on the form. Returns the message."""
    with qtbot.assertNotEmitted(window.feeds_changed, wait=100):
        click(qtbot, window.save_button)
        qtbot.waitUntil(lambda: not window.busy())
    assert window.pages.currentWidget() is window.form_page
    return window.form.error_label.text()


def row_texts(window: SettingsWindow) -> list[list[str]]:
    table = window.feeds_table
    rows = []
    for row in range(table.rowCount()):
        cells = [table.item(row, column) for column in Column]
        rows.append([cell.text() if cell is not None else "" for cell in cells])
    return rows


def answer_questions(monkeypatch: pytest.MonkeyPatch, answer: Answer) -> list[str]:
    """Answer every QMessageBox.question with `answer`; returns the questions' texts."""
    asked: list[str] = []

    def question(_parent: QWidget, _title: str, text: str, *args: object) -> Answer:
        asked.append(text)
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def put_feed(config_path: Path, config: FeedConfig, enabled: bool = True) -> None:
    add_feed(config_path, FeedSettings(config, enabled=enabled))


def am_config(name: str = "prod-am", url: str = "http://127.0.0.1:9") -> FeedConfig:
    return FeedConfig(name, "alertmanager", url)


# -- the list ----------------------------------------------------------------------------------


def test_list_shows_each_feed_with_where_its_token_is(
    make_window: WindowFactory, config_path: Path, store: SecretStore
) -> None:
    put_feed(config_path, am_config())
    put_feed(
        config_path,
        FeedConfig("work-pd", "pagerduty", "https://api.pagerduty.com"),
    )
    put_feed(
        config_path,
        FeedConfig("team", "ntfy", "https://ntfy.sh", {"topics": "alerts"}),
        enabled=False,
    )
    store.set("prod-am", TOKEN)
    window = make_window()
    assert row_texts(window) == [
        ["prod-am", "Prometheus Alertmanager", "http://127.0.0.1:9", "token in keyring"],
        ["work-pd", "PagerDuty", "https://api.pagerduty.com", "no token (needed)"],
        ["team (off)", "ntfy", "https://ntfy.sh", "no token"],
    ]
    selected = window.selected_feed()
    assert selected is not None and selected.name == "prod-am"
    assert not window.problems_frame.isVisible()
    assert str(config_path) in window.list_page.path_label.text()


def test_empty_list_says_how_to_start_and_offers_only_add(window: SettingsWindow) -> None:
    assert window.feeds() == ()
    assert window.empty_label.isVisible()
    assert not window.feeds_table.isVisible()
    assert window.add_button.isEnabled()
    assert not window.edit_button.isEnabled()
    assert not window.remove_button.isEnabled()
    assert not window.test_button.isEnabled()


def test_showing_the_window_again_reads_changes_made_meanwhile(
    window: SettingsWindow, config_path: Path, qtbot: QtBot
) -> None:
    window.close()
    put_feed(config_path, am_config())  # as `shiftbell feed add` would, while it was closed
    window.show()
    qtbot.waitExposed(window)
    assert [feed.name for feed in window.feeds()] == ["prod-am"]


def test_present_on_an_open_window_reads_the_file_again(
    window: SettingsWindow, config_path: Path
) -> None:
    put_feed(config_path, am_config())
    window.present()
    assert window.isVisible()
    assert [feed.name for feed in window.feeds()] == ["prod-am"]


# -- adding ------------------------------------------------------------------------------------


def test_add_a_feed_writes_config_and_keyring_but_never_the_token_to_the_file(
    window: SettingsWindow,
    qtbot: QtBot,
    config_path: Path,
    store: SecretStore,
    memory: MemoryKeyring,
) -> None:
    fill_new_feed(qtbot, window, "prod-am", "http://alertmanager.example.com:9093", TOKEN)
    assert window.form.token_edit.echoMode() is QLineEdit.EchoMode.Password
    save(qtbot, window)

    text = config_path.read_text(encoding="utf-8")
    assert "[[feeds]]" in text
    assert 'name = "prod-am"' in text
    assert 'kind = "alertmanager"' in text
    assert 'url = "http://alertmanager.example.com:9093"' in text
    assert TOKEN not in text
    assert store.get("prod-am") == TOKEN
    assert TOKEN in memory.passwords.values()
    assert not (store.file_path).exists()
    assert row_texts(window) == [
        [
            "prod-am",
            "Prometheus Alertmanager",
            "http://alertmanager.example.com:9093",
            "token in keyring",
        ]
    ]
    assert window.list_result.state is ResultState.OK
    assert window.list_result.text() == "Added feed prod-am."
    assert window.form.token_edit.text() == ""  # the typed token does not linger


def test_add_with_options_and_a_custom_interval(
    window: SettingsWindow, qtbot: QtBot, config_path: Path, store: SecretStore
) -> None:
    click(qtbot, window.add_button)
    choose_kind(window, "ntfy")
    type_into(qtbot, window.form.name_edit, "team")
    assert window.form.url_edit.text() == ""  # ntfy has no one usual server
    type_into(qtbot, window.form.url_edit, "https://ntfy.example.com")
    set_option(window.form, "topics", "alerts,backups")
    window.form.interval_spin.setValue(30)
    save(qtbot, window)

    feed = window.feeds()[0]
    assert feed.kind == "ntfy"
    assert dict(feed.config.options) == {"topics": "alerts,backups"}
    assert feed.config.interval_s == 30
    assert feed.config.stale_after_s == 120  # followed the interval: max(120, 4 x 30)
    assert store.get("team") == ""  # no token typed, none stored
    assert row_texts(window)[0][Column.TOKEN] == "no token"


def test_kind_prefills_its_usual_url_and_the_persons_url_stays(
    window: SettingsWindow, qtbot: QtBot
) -> None:
    click(qtbot, window.add_button)
    form = window.form
    choose_kind(window, "pagerduty")
    assert form.url_edit.text() == "https://api.pagerduty.com"
    choose_kind(window, "opsgenie")
    assert form.url_edit.text() == "https://api.opsgenie.com"
    set_option(form, "api", "jsm")  # JSM Ops lives at Atlassian
    assert form.url_edit.text() == "https://api.atlassian.com"
    choose_kind(window, "grafana-oncall")
    assert form.url_edit.text() == ""
    assert "grafana.net/oncall" in form.url_edit.placeholderText()
    type_into(qtbot, form.url_edit, "https://eu.api.pagerduty.com")
    choose_kind(window, "pagerduty")
    assert form.url_edit.text() == "https://eu.api.pagerduty.com"


def test_kind_combo_shows_human_names_for_every_kind(window: SettingsWindow) -> None:
    combo = window.form.kind_combo
    assert [combo.itemText(i) for i in range(combo.count())] == [
        source.label for source in registry.feed_sources()
    ]
    assert combo.itemText(2) == "JSM Ops / Opsgenie"
    assert [combo.itemData(i) for i in range(combo.count())] == list(registry.feed_kinds())


# -- validation --------------------------------------------------------------------------------


def test_bad_name_and_url_are_explained_inline_and_save_is_refused(
    window: SettingsWindow, qtbot: QtBot, config_path: Path
) -> None:
    before = config_path.read_bytes()
    fill_new_feed(qtbot, window, "my feed", "ftp://alertmanager")
    name_error = window.form.errors[Field.NAME]
    url_error = window.form.errors[Field.URL]
    assert name_error.isVisible()
    assert 'The name "my feed" has characters other than letters' in name_error.text()
    assert url_error.isVisible()
    assert "must start with https:// or http://" in url_error.text()

    save_refused(qtbot, window)
    assert config_path.read_bytes() == before
    assert window.form.name_edit.hasFocus()  # the first problem is where the cursor goes

    type_into(qtbot, window.form.name_edit, "prod-am")
    assert not name_error.isVisible()
    assert url_error.isVisible()


def test_a_new_form_is_not_covered_in_red_until_save(window: SettingsWindow, qtbot: QtBot) -> None:
    click(qtbot, window.add_button)
    assert not any(label.isVisible() for label in window.form.errors.values())
    save_refused(qtbot, window)
    assert window.form.errors[Field.NAME].text().startswith("The name is empty")


def test_name_of_another_feed_is_refused(
    make_window: WindowFactory, qtbot: QtBot, config_path: Path
) -> None:
    put_feed(config_path, am_config())
    window = make_window()
    fill_new_feed(qtbot, window, "prod-am", "http://127.0.0.1:9093")
    assert window.form.errors[Field.NAME].text() == (
        'A feed named "prod-am" already exists: choose another name.'
    )
    save_refused(qtbot, window)
    assert len(window.feeds()) == 1


def test_interval_below_the_vendors_limit_is_refused(window: SettingsWindow, qtbot: QtBot) -> None:
    fill_new_feed(qtbot, window, "work-og", "https://api.opsgenie.com")
    choose_kind(window, "opsgenie")
    window.form.interval_spin.setValue(3)
    assert "shorter than opsgenie allows" in window.form.errors[Field.INTERVAL].text()


def test_required_option_and_token_are_asked_for(window: SettingsWindow, qtbot: QtBot) -> None:
    click(qtbot, window.add_button)
    choose_kind(window, "ntfy")
    choose_kind(window, "gotify")
    choose_kind(window, "ntfy")
    type_into(qtbot, window.form.name_edit, "team")
    type_into(qtbot, window.form.url_edit, "https://ntfy.sh")
    save_refused(qtbot, window)
    assert window.form.errors[Field.OPTIONS].text() == "A ntfy feed needs the option topics."
    choose_kind(window, "gotify")
    assert window.form.errors[Field.TOKEN].text() == "A Gotify feed needs its client token."


def test_the_adapters_own_check_refuses_bad_options_before_anything_is_written(
    window: SettingsWindow, qtbot: QtBot, config_path: Path, store: SecretStore
) -> None:
    before = config_path.read_bytes()
    fill_new_feed(qtbot, window, "prod-am", "http://127.0.0.1:9093", TOKEN)
    set_option(window.form, "auth", "basic")  # basic needs user:password; TOKEN has no colon
    message = save_refused(qtbot, window)
    assert message.startswith("Not saved: Alertmanager feed prod-am: with auth=basic")
    assert window.form.error_label.isVisible()
    assert config_path.read_bytes() == before
    assert store.get("prod-am") == ""


def test_malformed_config_file_is_shown_and_never_written(
    make_window: WindowFactory, qtbot: QtBot, config_path: Path, store: SecretStore
) -> None:
    config_path.parent.mkdir(parents=True)
    broken = b'[receiver]\nport = 8974\n\n[[feeds]]\nname = "prod-am\nkind = "alertmanager"\n'
    config_path.write_bytes(broken)
    window = make_window()
    assert window.problems_frame.isVisible()
    assert "line 5" in window.problems_label.text()

    fill_new_feed(qtbot, window, "new-am", "http://127.0.0.1:9093", TOKEN)
    message = save_refused(qtbot, window)
    assert "is not valid TOML" in message and "the file is unchanged" in message
    assert config_path.read_bytes() == broken
    assert store.get("new-am") == ""  # the token stored first was taken back


# -- editing -----------------------------------------------------------------------------------


def test_edit_keeps_the_stored_token_when_the_field_is_left_empty(
    make_window: WindowFactory, qtbot: QtBot, config_path: Path, store: SecretStore
) -> None:
    put_feed(config_path, am_config())
    store.set("prod-am", TOKEN)
    window = make_window()
    window.select_feed("prod-am")
    click(qtbot, window.edit_button)
    form = window.form
    assert form.name_edit.text() == "prod-am"
    assert form.token_edit.text() == ""  # the stored token is never shown
    assert form.token_edit.placeholderText() == "unchanged"
    assert form.token_edit.echoMode() is QLineEdit.EchoMode.Password

    type_into(qtbot, form.url_edit, "http://alertmanager.example.com:9093")
    save(qtbot, window)
    assert window.feeds()[0].config.url == "http://alertmanager.example.com:9093"
    assert store.get("prod-am") == TOKEN
    assert window.list_result.text() == "Saved feed prod-am."


def test_renaming_a_feed_moves_its_token(
    make_window: WindowFactory, qtbot: QtBot, config_path: Path, store: SecretStore
) -> None:
    put_feed(config_path, am_config())
    store.set("prod-am", TOKEN)
    window = make_window()
    window.start_edit("prod-am")
    type_into(qtbot, window.form.name_edit, "prod-eu")
    save(qtbot, window)
    assert [feed.name for feed in window.feeds()] == ["prod-eu"]
    assert store.get("prod-eu") == TOKEN
    assert store.get("prod-am") == ""
    assert 'name = "prod-am"' not in config_path.read_text(encoding="utf-8")


def test_typing_a_token_replaces_it_and_remove_stored_token_deletes_it(
    make_window: WindowFactory, qtbot: QtBot, config_path: Path, store: SecretStore
) -> None:
    put_feed(config_path, am_config())
    store.set("prod-am", TOKEN)
    window = make_window()
    window.start_edit("prod-am")
    qtbot.keyClicks(window.form.token_edit, OTHER_TOKEN)
    save(qtbot, window)
    assert store.get("prod-am") == OTHER_TOKEN

    window.start_edit("prod-am")
    assert window.form.forget_token_button.isVisible()
    click(qtbot, window.form.forget_token_button)
    assert "will be deleted" in window.form.token_note.text()
    save(qtbot, window)
    assert store.get("prod-am") == ""
    assert row_texts(window)[0][Column.TOKEN] == "no token"
    assert OTHER_TOKEN not in config_path.read_text(encoding="utf-8")


def test_a_failed_edit_puts_the_old_token_back(
    make_window: WindowFactory, qtbot: QtBot, config_path: Path, store: SecretStore
) -> None:
    put_feed(config_path, am_config())
    store.set("prod-am", TOKEN)
    window = make_window()
    window.start_edit("prod-am")
    qtbot.keyClicks(window.form.token_edit, OTHER_TOKEN)
    config_path.write_bytes(config_path.read_bytes() + b"\n[broken\n")  # edited by hand meanwhile
    message = save_refused(qtbot, window)
    assert "is not valid TOML" in message
    assert store.get("prod-am") == TOKEN


def test_cancel_returns_to_the_list_without_writing(
    make_window: WindowFactory, qtbot: QtBot, config_path: Path
) -> None:
    put_feed(config_path, am_config())
    before = config_path.read_bytes()
    window = make_window()
    window.start_edit("prod-am")
    type_into(qtbot, window.form.url_edit, "http://elsewhere:9093")
    with qtbot.assertNotEmitted(window.feeds_changed):
        click(qtbot, window.cancel_button)
    assert window.pages.currentWidget() is window.list_page
    assert config_path.read_bytes() == before


def test_closing_with_unsaved_changes_asks_first(
    window: SettingsWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill_new_feed(qtbot, window, "prod-am", "http://127.0.0.1:9093")
    asked = answer_questions(monkeypatch, Answer.Cancel)
    window.close()
    assert asked and "Discard the changes" in asked[0]
    assert window.isVisible() and window.pages.currentWidget() is window.form_page
    answer_questions(monkeypatch, Answer.Discard)
    window.close()
    assert not window.isVisible()


# -- removing ----------------------------------------------------------------------------------


def test_remove_deletes_the_entry_and_its_token(
    make_window: WindowFactory,
    qtbot: QtBot,
    config_path: Path,
    store: SecretStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    put_feed(config_path, am_config())
    put_feed(config_path, am_config("other-am"))
    store.set("prod-am", TOKEN)
    window = make_window()
    window.select_feed("prod-am")

    asked = answer_questions(monkeypatch, Answer.No)
    with qtbot.assertNotEmitted(window.feeds_changed):
        click(qtbot, window.remove_button)
    assert "Remove feed prod-am" in asked[0] and "OS keyring" in asked[0]
    assert store.get("prod-am") == TOKEN
    assert len(window.feeds()) == 2

    answer_questions(monkeypatch, Answer.Yes)
    with qtbot.waitSignal(window.feeds_changed):
        click(qtbot, window.remove_button)
    assert [feed.name for feed in window.feeds()] == ["other-am"]
    assert 'name = "prod-am"' not in config_path.read_text(encoding="utf-8")
    assert store.get("prod-am") == ""
    assert window.list_result.text() == "Removed feed prod-am."


def test_remove_from_a_malformed_file_keeps_the_token(
    make_window: WindowFactory,
    qtbot: QtBot,
    config_path: Path,
    store: SecretStore,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    put_feed(config_path, am_config())
    store.set("prod-am", TOKEN)
    window = make_window()
    window.select_feed("prod-am")
    broken = config_path.read_bytes() + b"\nport = \n"
    config_path.write_bytes(broken)
    answer_questions(monkeypatch, Answer.Yes)
    with qtbot.assertNotEmitted(window.feeds_changed):
        click(qtbot, window.remove_button)
    assert window.list_result.state is ResultState.ERROR
    assert window.list_result.text().startswith("Not removed:")
    assert config_path.read_bytes() == broken
    assert store.get("prod-am") == TOKEN  # the feed is still configured, so is its token


# -- no keyring --------------------------------------------------------------------------------


def test_no_keyring_asks_and_yes_keeps_the_token_in_a_private_file(
    make_window: WindowFactory,
    qtbot: QtBot,
    config_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_keyring = SecretStore(tmp_path / "data", backend=fail.Keyring())
    window = make_window(no_keyring)
    asked = answer_questions(monkeypatch, Answer.Yes)
    fill_new_feed(qtbot, window, "prod-am", "http://127.0.0.1:9093", TOKEN)
    save(qtbot, window)

    secrets_file = tmp_path / "data" / SECRETS_FILE_NAME
    assert asked == [
        "No usable OS keyring (Secret Service / KWallet / macOS Keychain / Windows Credential "
        f"Locker) was found.\n\nStore the token in {secrets_file} (readable only by you) "
        "instead? The file is not encrypted."
    ]
    assert TOKEN in secrets_file.read_text(encoding="utf-8")
    if os.name == "posix":
        assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert TOKEN not in config_path.read_text(encoding="utf-8")
    assert no_keyring.get("prod-am") == TOKEN
    assert no_keyring.allow_file is False  # the yes was for that save, not for ever
    assert row_texts(window)[0][Column.TOKEN] == "token in file"


def test_no_keyring_and_no_means_nothing_is_saved(
    make_window: WindowFactory,
    qtbot: QtBot,
    config_path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    no_keyring = SecretStore(tmp_path / "data", backend=fail.Keyring())
    window = make_window(no_keyring)
    before = config_path.read_bytes()
    asked = answer_questions(monkeypatch, Answer.No)
    fill_new_feed(qtbot, window, "prod-am", "http://127.0.0.1:9093", TOKEN)
    message = save_refused(qtbot, window)
    assert len(asked) == 1
    assert message.startswith("Not saved: the token was not stored, so feed prod-am was not saved")
    assert config_path.read_bytes() == before
    assert not (tmp_path / "data" / SECRETS_FILE_NAME).exists()


# -- test connection ---------------------------------------------------------------------------


def test_connection_from_the_form_reports_what_alertmanager_says(
    window: SettingsWindow, qtbot: QtBot, alertmanager: FakeVendorServer
) -> None:
    fill_new_feed(qtbot, window, "prod-am", alertmanager.url)
    click(qtbot, window.form_test_button)
    qtbot.waitUntil(lambda: window.form_result.state is not ResultState.BUSY, timeout=10_000)
    assert window.form_result.state is ResultState.OK
    assert window.form_result.text().startswith("✓ prod-am: connection ok — Alertmanager 0.25.0, ")
    assert window.form_result.isVisible()
    assert alertmanager.requests_to("/api/v2/status")
    assert window.form_test_button.isEnabled()
    assert window.pages.currentWidget() is window.form_page  # testing saves nothing


def test_connection_from_the_list_uses_the_stored_token(
    make_window: WindowFactory,
    qtbot: QtBot,
    config_path: Path,
    store: SecretStore,
    alertmanager: FakeVendorServer,
) -> None:
    put_feed(config_path, am_config(url=alertmanager.url))
    store.set("prod-am", TOKEN)
    window = make_window()
    window.select_feed("prod-am")
    click(qtbot, window.test_button)
    qtbot.waitUntil(lambda: window.list_result.state is ResultState.OK, timeout=10_000)
    assert "Alertmanager 0.25.0" in window.list_result.text()
    sent = alertmanager.requests_to("/api/v2/status")[0].headers
    assert sent.get("Authorization") == f"Bearer {TOKEN}"


def test_connection_from_an_edit_form_uses_the_stored_token_when_unchanged(
    make_window: WindowFactory,
    qtbot: QtBot,
    config_path: Path,
    store: SecretStore,
    alertmanager: FakeVendorServer,
) -> None:
    put_feed(config_path, am_config())
    store.set("prod-am", TOKEN)
    window = make_window()
    window.start_edit("prod-am")
    type_into(qtbot, window.form.url_edit, alertmanager.url)  # tested before it is saved
    click(qtbot, window.form_test_button)
    qtbot.waitUntil(lambda: window.form_result.state is ResultState.OK, timeout=10_000)
    sent = alertmanager.requests_to("/api/v2/status")[0].headers
    assert sent.get("Authorization") == f"Bearer {TOKEN}"
    assert window.feeds()[0].config.url == "http://127.0.0.1:9"  # nothing saved by testing


def test_dead_port_shows_the_unreachable_message(
    window: SettingsWindow, qtbot: QtBot, alertmanager: FakeVendorServer
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(FeedUnreachableError) as expected:
        asyncio.run(connection_test(am_config("prod-am", url), "", 5))

    fill_new_feed(qtbot, window, "prod-am", url)
    click(qtbot, window.form_test_button)
    qtbot.waitUntil(lambda: window.form_result.state is ResultState.ERROR, timeout=10_000)
    assert window.form_result.text() == f"✗ prod-am: {expected.value}"
    assert "cannot reach Alertmanager" in window.form_result.text()


def test_a_server_that_never_answers_times_out_and_the_window_stays_responsive(
    make_window: WindowFactory, qtbot: QtBot, silent_port: int
) -> None:
    window = make_window(test_timeout_s=0.5)
    fill_new_feed(qtbot, window, "prod-am", f"http://127.0.0.1:{silent_port}")
    click(qtbot, window.form_test_button)
    # Busy, and the event loop runs: this line is reached while the test is pending.
    assert window.form_result.state is ResultState.BUSY
    assert not window.form_test_button.isEnabled()
    assert window.form_test_button.text() == "Testing…"
    qtbot.waitUntil(lambda: window.form_result.state is ResultState.ERROR, timeout=10_000)
    assert "no answer from" in window.form_result.text()
    assert "within 0.5 s" in window.form_result.text()
    assert window.form_test_button.isEnabled()


def test_editing_the_form_drops_a_result_about_old_values(
    window: SettingsWindow, qtbot: QtBot, alertmanager: FakeVendorServer
) -> None:
    fill_new_feed(qtbot, window, "prod-am", alertmanager.url)
    click(qtbot, window.form_test_button)
    qtbot.waitUntil(lambda: window.form_result.state is ResultState.OK, timeout=10_000)
    qtbot.keyClicks(window.form.url_edit, "0")
    assert window.form_result.state is ResultState.NONE
    assert not window.form_result.isVisible()


def test_missing_token_is_reported_by_the_test_not_sent(
    window: SettingsWindow, qtbot: QtBot
) -> None:
    click(qtbot, window.add_button)
    choose_kind(window, "gotify")
    type_into(qtbot, window.form.name_edit, "phone")
    type_into(qtbot, window.form.url_edit, "http://127.0.0.1:9")
    click(qtbot, window.form_test_button)
    assert window.form_result.state is ResultState.NONE  # refused before any connection
    assert window.form.errors[Field.TOKEN].isVisible()


# -- text is shown, never rendered -------------------------------------------------------------


def test_every_label_is_plain_text(
    make_window: WindowFactory, qtbot: QtBot, config_path: Path
) -> None:
    put_feed(config_path, am_config())
    window = make_window()
    window.start_add()
    labels = window.findChildren(QLabel)
    assert labels
    rich = [label.text() for label in labels if label.textFormat() is not Qt.TextFormat.PlainText]
    assert rich == []


# -- option documentation ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", registry.feed_kinds())
def test_every_kind_lists_its_declared_options_in_the_form(
    window: SettingsWindow, qtbot: QtBot, kind: str
) -> None:
    click(qtbot, window.add_button)
    choose_kind(window, kind)
    table = window.form.options_table
    names = [table.item(row, 0).text() for row in range(table.rowCount())]  # type: ignore[union-attr]
    assert names == [option.name for option in registry.source(kind).feed_options]


def test_an_unknown_option_typed_in_is_refused_naming_the_known_ones(
    window: SettingsWindow, qtbot: QtBot
) -> None:
    click(qtbot, window.add_button)
    choose_kind(window, "gotify")
    click(qtbot, window.form.add_option_button)
    table = window.form.options_table
    row = table.rowCount() - 1
    table.item(row, 0).setText("keepalive_timout_s")  # type: ignore[union-attr]
    table.item(row, 1).setText("90")  # type: ignore[union-attr]
    assert window.form.problems()[Field.OPTIONS] == (
        "unknown option 'keepalive_timout_s': the options of gotify are keepalive_timeout_s"
    )


def test_selecting_an_option_shows_what_it_does(window: SettingsWindow, qtbot: QtBot) -> None:
    click(qtbot, window.add_button)
    choose_kind(window, "pagerduty")
    table = window.form.options_table
    keys = [table.item(row, 0) for row in range(table.rowCount())]
    row = next(r for r, key in enumerate(keys) if key is not None and key.text() == "from_email")
    table.setCurrentCell(row, 1)
    assert window.form.options_note.text().startswith("from_email: The email of a PagerDuty user")
    # PagerDuty's advice about from_email shows while it is empty, and goes when set.
    assert "from_email" in window.form.advice_label.text()
    set_option(window.form, "from_email", "me@example.com")
    assert not window.form.advice_label.isVisible()
