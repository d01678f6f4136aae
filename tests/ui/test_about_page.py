"""The About page says which Shiftbell this is and where its files are, and opens the log
folder (the file manager's part is Qt's: a handler of the test's own takes the URL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from shiftbell import __version__
from shiftbell.system.autostart import XdgAutostart, asked
from shiftbell.ui.about_page import AboutPage


class FileManager(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toLocalFile())


@pytest.fixture
def file_manager(qapp: object) -> Iterator[FileManager]:
    manager = FileManager()
    QDesktopServices.setUrlHandler("file", manager, "open")
    yield manager
    QDesktopServices.unsetUrlHandler("file")


def test_it_shows_the_version_and_the_paths_and_opens_the_log_folder(
    qtbot: QtBot, tmp_path: Path, file_manager: FileManager
) -> None:
    log_dir = tmp_path / "state" / "log"
    entry = XdgAutostart(tmp_path / "autostart")
    page = AboutPage(tmp_path / "config.toml", tmp_path / "data", log_dir, login_entry=entry)
    qtbot.addWidget(page)
    assert page.version_label.text() == f"Shiftbell {__version__}"
    assert page.config_label.text() == str(tmp_path / "config.toml")
    assert page.log_label.text() == str(log_dir)

    page.open_log_button.click()
    assert file_manager.opened == [str(log_dir)]
    assert log_dir.is_dir()  # made first: a new install has written no log yet
    assert page.open_problem.isHidden()


def test_the_start_at_login_box_follows_and_sets_the_entry(qtbot: QtBot, tmp_path: Path) -> None:
    entry = XdgAutostart(tmp_path / "autostart")
    entry.enable(["/usr/bin/shiftbell"])
    page = AboutPage(tmp_path / "c.toml", tmp_path / "data", tmp_path / "log", login_entry=entry)
    qtbot.addWidget(page)
    assert page.start_at_login.isChecked()
    page.start_at_login.click()
    assert not entry.enabled() and asked(tmp_path / "data")
    page.start_at_login.click()
    assert entry.enabled()
