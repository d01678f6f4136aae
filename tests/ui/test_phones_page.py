"""The Settings window's Phones page against the Pushover fake: a phone added from the form
(the token to the keyring, the entry to config.toml), a test message sent from the list, and
removed again; a form with a missing token says so and writes nothing."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot
from tests.helpers.memory_keyring import MemoryKeyring, keyring_in_use
from tests.unit.phones.fake_pushover import APP_TOKEN, USER_KEY, FakePushover

from shiftbell.store.credentials import SERVICE, SecretStore
from shiftbell.ui.phones_page import PhonesPage
from shiftbell.ui.result_label import ResultState
from shiftbell.ui.runner import AsyncRunner


@pytest.fixture
def vault() -> Iterator[MemoryKeyring]:
    with keyring_in_use(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def runner() -> Iterator[AsyncRunner]:
    started = AsyncRunner()
    started.start()
    yield started
    started.stop()


def test_add_test_and_remove_a_pushover_phone(
    qtbot: QtBot,
    tmp_path: Path,
    vault: MemoryKeyring,
    runner: AsyncRunner,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "config.toml"
    page = PhonesPage(config, SecretStore(tmp_path), runner.submit)
    qtbot.addWidget(page)
    monkeypatch.setattr("shiftbell.ui.phones_page.confirm", lambda *_args: True)
    with FakePushover() as pushover:
        page.kind_combo.setCurrentIndex(page.kind_combo.findData("pushover"))
        page.name_edit.setText("pager")
        page.url_edit.setText(pushover.url)
        page.option_edits["user"].setText(USER_KEY)
        page.add_button.click()
        assert page.form_result.state is ResultState.ERROR
        assert "needs its application API token" in page.form_result.text()
        assert not config.exists()

        page.token_edit.setText(APP_TOKEN)
        with qtbot.waitSignal(page.changed, timeout=2000):
            page.add_button.click()
        assert vault.get_password(SERVICE, "phone:pager") == APP_TOKEN
        [entry] = tomllib.loads(config.read_text())["phones"]
        assert entry["options"] == {"user": USER_KEY} and APP_TOKEN not in config.read_text()
        assert page.table.rowCount() == 1

        page.table.selectRow(0)
        page.test_button.click()
        qtbot.waitUntil(lambda: page.result.state is ResultState.OK, timeout=10_000)
        assert [m["title"] for m in pushover.messages] == ["Shiftbell test"]

        with qtbot.waitSignal(page.changed, timeout=2000):
            page.remove_button.click()
        assert page.table.rowCount() == 0
        assert vault.get_password(SERVICE, "phone:pager") is None
