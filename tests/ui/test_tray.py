"""The tray menu and icon: every action emits its signal, the menu follows the state."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtGui import Qt, QTextDocument
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from shiftbell.core.alert import Severity
from shiftbell.ui.icons import icon, placeholder_icon
from shiftbell.ui.tray import TrayIcon, safe_plain_text
from shiftbell.ui.tray_state import TrayIconName, TrayState

FIRING = TrayState(TrayIconName.FIRING_CRITICAL, "Shiftbell — 1 firing (1 critical)", firing=1)
SNOOZED = TrayState(
    TrayIconName.SNOOZED_CRITICAL,
    "Shiftbell — alarm snoozed until 03:15 (1 alert) — 1 firing (1 critical)",
    snoozed=True,
)
CLEAR = TrayState(TrayIconName.CLEAR, "Shiftbell — all clear")


@pytest.fixture
def tray(qtbot: QtBot) -> TrayIcon:
    return TrayIcon()


def menu_texts(tray: TrayIcon) -> list[str]:
    return [a.text() or "---" for a in tray.menu.actions() if a.isVisible()]


def test_menu_layout(tray: TrayIcon) -> None:
    assert menu_texts(tray) == [
        "Open Shiftbell",
        "---",
        "Acknowledge all",
        "Snooze alarm",
        "Test alarm",
        "Settings…",
        "---",
        "Quit",
    ]
    assert [a.text() for a in tray.snooze_menu.actions() if a.text()] == [
        "5 minutes",
        "15 minutes",
        "60 minutes",
        "Resume alarm",
    ]
    assert tray.tray.contextMenu() is tray.menu


@pytest.mark.parametrize(
    ("action_name", "signal_name"),
    [
        ("open_action", "open_requested"),
        ("acknowledge_all_action", "acknowledge_all_requested"),
        ("resume_action", "resume_requested"),
        ("test_alarm_action", "test_alarm_requested"),
        ("settings_action", "settings_requested"),
        ("quit_action", "quit_requested"),
    ],
)
def test_each_action_emits_its_signal(
    tray: TrayIcon, qtbot: QtBot, action_name: str, signal_name: str
) -> None:
    tray.set_state(FIRING)
    tray.set_state(SNOOZED) if action_name == "resume_action" else None
    with qtbot.waitSignal(getattr(tray, signal_name)):
        getattr(tray, action_name).trigger()


def test_the_most_urgent_alert_is_acknowledged_or_snoozed_by_name(
    tray: TrayIcon, qtbot: QtBot
) -> None:
    tray.set_state(
        TrayState(
            TrayIconName.FIRING_CRITICAL, "x", firing=2, top_id="a1", top_title="R&D <b>db</b>"
        )
    )
    assert menu_texts(tray)[2:5] == [
        "Acknowledge “R&&D <b>db</b>”",
        "Snooze it for 1 hour",
        "Acknowledge all",
    ]
    with qtbot.waitSignal(tray.acknowledge_requested) as asked:
        tray.acknowledge_top_action.trigger()
    assert asked.args == ["a1"]
    with qtbot.waitSignal(tray.snooze_alert_requested) as asked:
        tray.snooze_top_action.trigger()
    assert asked.args == ["a1", 3600.0]
    # Silence at the source only where the alert's source has one.
    assert not tray.silence_top_action.isVisible()
    tray.can_silence = lambda alert_id: alert_id == "a1"
    tray.set_state(replace(tray.state, firing=3))
    assert tray.silence_top_action.isVisible()
    with qtbot.waitSignal(tray.silence_alert_requested) as asked:
        tray.silence_top_action.trigger()
    assert asked.args == ["a1", 3600.0]
    tray.set_state(CLEAR)
    assert not tray.acknowledge_top_action.isVisible()
    assert not tray.silence_top_action.isVisible()


def test_snooze_choices_emit_their_minutes(qtbot: QtBot) -> None:
    tray = TrayIcon(snooze_choices=(10, 30, 0, 10, 120))
    tray.set_state(FIRING)
    # Zero and repeats from a bad setting are dropped.
    assert list(tray.snooze_actions) == [10, 30, 120]
    assert tray.snooze_actions[120].text() == "2 hours"
    for minutes, action in tray.snooze_actions.items():
        with qtbot.waitSignal(tray.snooze_requested) as blocker:
            action.trigger()
        assert blocker.args == [minutes]


def test_clicking_the_icon_opens_the_window(tray: TrayIcon, qtbot: QtBot) -> None:
    for reason in (
        QSystemTrayIcon.ActivationReason.Trigger,
        QSystemTrayIcon.ActivationReason.DoubleClick,
    ):
        with qtbot.waitSignal(tray.open_requested):
            tray.tray.activated.emit(reason)
    with qtbot.assertNotEmitted(tray.open_requested):
        tray.tray.activated.emit(QSystemTrayIcon.ActivationReason.Context)


def test_menu_offers_what_the_state_allows(tray: TrayIcon) -> None:
    tray.set_state(CLEAR)
    assert not tray.acknowledge_all_action.isEnabled()
    assert not tray.snooze_menu.isEnabled()
    assert not tray.resume_action.isVisible()

    tray.set_state(FIRING)
    assert tray.acknowledge_all_action.isEnabled()
    assert tray.snooze_menu.isEnabled()
    assert not tray.resume_action.isVisible()

    tray.set_state(SNOOZED)
    assert tray.snooze_menu.isEnabled()
    assert tray.resume_action.isVisible()
    assert not any(a.isEnabled() for a in tray.snooze_actions.values())


def test_state_sets_icon_and_tooltip(tray: TrayIcon) -> None:
    tray.set_state(FIRING)
    assert tray.tray.toolTip() == FIRING.tooltip
    assert not tray.tray.icon().isNull()
    shown = tray.tray.icon().pixmap(32).toImage()
    assert shown == icon("firing-critical").pixmap(32).toImage()
    assert shown != icon("clear").pixmap(32).toImage()
    assert tray.state is FIRING


def test_off_call_icon_loads_and_differs_from_clear(tray: TrayIcon) -> None:
    off_call = TrayState(TrayIconName.CLEAR_OFF_CALL, "Shiftbell — all clear\nOff call")
    tray.set_state(off_call)
    shown = tray.tray.icon().pixmap(22).toImage()
    # The real file, not the grey placeholder a missing file would give.
    assert shown == icon("clear-off-call").pixmap(22).toImage()
    assert shown != placeholder_icon("clear-off-call").pixmap(22).toImage()
    assert shown != icon("clear").pixmap(22).toImage()
    tray.set_state(CLEAR)
    assert tray.tray.icon().pixmap(22).toImage() == icon("clear").pixmap(22).toImage()


def as_qt_shows_it(text: str) -> str:
    """What a QLabel or QToolTip with automatic text format would display."""
    if not Qt.mightBeRichText(text):
        return text
    document = QTextDocument()
    document.setHtml(text)
    return document.toPlainText().replace("\u2028", "\n").replace("\u2029", "\n")


@pytest.mark.parametrize(
    "hostile",
    [
        "Shiftbell — 1 firing\nCritical: <b>x</b><img src=/etc/passwd>",
        "<b>x</b>  <img src=/etc/passwd>\nsecond <i>line</i>",
    ],
)
def test_html_in_tooltip_is_shown_literally(tray: TrayIcon, hostile: str) -> None:
    tray.set_state(TrayState(TrayIconName.FIRING_CRITICAL, hostile, firing=1))
    assert as_qt_shows_it(tray.tray.toolTip()) == hostile


def test_safe_plain_text_leaves_ordinary_text_alone() -> None:
    assert safe_plain_text("2 firing, 1 < 2 acknowledged") == "2 firing, 1 < 2 acknowledged"


def test_show_message_does_not_raise_without_a_tray(tray: TrayIcon) -> None:
    # Offscreen there is no tray; the call must still be safe for the notifier's fallback.
    tray.show_message("Disk full", "<b>db1</b>", Severity.CRITICAL)
    assert not tray.is_visible()
