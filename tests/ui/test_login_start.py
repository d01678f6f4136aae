"""Started at login, Shiftbell waits for the panel's tray; on first run it asks once whether
to start at login."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from shiftbell.system.autostart import XdgAutostart, asked
from shiftbell.ui.login_start import TrayWait, ask_once


def test_the_tray_that_comes_up_late_is_used(qtbot: QtBot) -> None:
    looks: list[bool] = []
    happened: list[str] = []

    def available() -> bool:
        looks.append(True)
        return len(looks) >= 3  # the panel comes up on the third look

    wait = TrayWait(
        lambda: happened.append("tray"),
        lambda: happened.append("window"),
        available,
        looks=5,
        look_ms=10,
    )
    wait.start()
    qtbot.waitUntil(lambda: happened == ["tray"], timeout=2000)
    assert len(looks) == 3


def test_no_tray_within_the_wait_falls_back_to_the_window(qtbot: QtBot) -> None:
    happened: list[str] = []
    wait = TrayWait(
        lambda: happened.append("tray"),
        lambda: happened.append("window"),
        lambda: False,
        looks=2,
        look_ms=10,
    )
    wait.start()
    qtbot.waitUntil(lambda: happened == ["window"], timeout=2000)


def test_first_run_asks_once_and_yes_starts_at_login(qtbot: QtBot, tmp_path: Path) -> None:
    entry = XdgAutostart(tmp_path / "autostart")
    box = ask_once(tmp_path / "data", entry=entry)
    assert box is not None and box.isVisible()
    qtbot.addWidget(box)
    assert box.defaultButton() is box.button(QMessageBox.StandardButton.Yes)
    box.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: asked(tmp_path / "data"), timeout=2000)
    assert entry.enabled()
    assert ask_once(tmp_path / "data", entry=entry) is None  # never again


def test_no_is_remembered_too(qtbot: QtBot, tmp_path: Path) -> None:
    entry = XdgAutostart(tmp_path / "autostart")
    box = ask_once(tmp_path / "data", entry=entry)
    assert box is not None
    qtbot.addWidget(box)
    box.button(QMessageBox.StandardButton.No).click()
    qtbot.waitUntil(lambda: asked(tmp_path / "data"), timeout=2000)
    assert not entry.enabled()
