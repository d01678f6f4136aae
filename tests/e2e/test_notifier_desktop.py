"""Notifications on a real desktop: dunst on a private session bus, buttons pressed as a user would.

The Qt side runs in the test process (offscreen is enough: notifications go
over D-Bus, not X); everything else is the VirtualDesktop of tests/desktop.py.
What is checked is what the person gets: the Notify call dbus-monitor saw,
what dunst rendered, and the Acknowledge button reaching the app.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from tests.desktop import VirtualDesktop, require_tools, wait_until
from tests.ui.samples import build_alert

from shiftbell.core.alert import Severity
from shiftbell.settings.model import NotificationBackend
from shiftbell.ui.notifier import Notifier
from shiftbell.ui.runner import AsyncRunner

pytestmark = pytest.mark.e2e

WAIT_MS = 5000

Balloon = tuple[str, str, Severity]


@pytest.fixture
def desktop(virtual_desktop: VirtualDesktop, monkeypatch: pytest.MonkeyPatch) -> VirtualDesktop:
    """The virtual desktop, with this process on its session bus."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", virtual_desktop.env["DBUS_SESSION_BUS_ADDRESS"])
    return virtual_desktop


@pytest.fixture
def runner(desktop: VirtualDesktop) -> Iterator[AsyncRunner]:
    # Depends on the desktop so that it stops before the bus goes away.
    worker = AsyncRunner("test-notifier")
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture
def make_notifier(
    qtbot: QtBot, runner: AsyncRunner
) -> Iterator[Callable[..., tuple[Notifier, list[Balloon]]]]:
    made: list[Notifier] = []

    def make(**options: Any) -> tuple[Notifier, list[Balloon]]:
        balloons: list[Balloon] = []
        notifier = Notifier(runner.loop, balloon=lambda *args: balloons.append(args), **options)
        made.append(notifier)
        return notifier, balloons

    yield make
    for notifier in made:
        notifier.close()


def dunst_history(desktop: VirtualDesktop) -> list[dict[str, str]]:
    """The notifications dunst has closed, newest first, with what it rendered ("message")."""
    data = json.loads(desktop.run(["dunstctl", "history"]).stdout)["data"][0]
    return [{key: value["data"] for key, value in entry.items()} for entry in data]


def test_a_new_alert_is_notified_and_its_acknowledge_button_acknowledges_it(
    qtbot: QtBot,
    desktop: VirtualDesktop,
    make_notifier: Callable[..., tuple[Notifier, list[Balloon]]],
) -> None:
    notifier, balloons = make_notifier()
    alert = build_alert(3, title="Disk full on db3", summary="/var at 99%")

    notifier.notify_new(alert)

    desktop.wait_for_notify("CRITICAL: Disk full on db3")
    [call] = desktop.notify_calls()
    assert (call.app_name, call.summary) == ("Shiftbell", "CRITICAL: Disk full on db3")
    assert call.body == "/var at 99%\nSource: Alertmanager prod"
    assert [label for _key, label in call.actions if label] == ["Acknowledge", "Snooze 15 min"]

    with qtbot.waitSignal(notifier.acknowledge_requested, timeout=WAIT_MS) as blocker:
        _id, key = desktop.press_notification_button()

    assert blocker.args == [alert.id]
    assert key == dict((label, k) for k, label in call.actions)["Acknowledge"]
    assert balloons == []
    assert notifier.backend is NotificationBackend.DESKTOP_NOTIFIER


def test_markup_in_alert_text_is_shown_literally_and_withdraw_closes_it(
    qtbot: QtBot,
    desktop: VirtualDesktop,
    make_notifier: Callable[..., tuple[Notifier, list[Balloon]]],
) -> None:
    notifier, _ = make_notifier()
    alert = build_alert(
        4, title="<i>Tag</i> soup", summary="<b>bold</b> & <a href='http://evil.example'>x</a>"
    )

    notifier.notify_new(alert)
    desktop.wait_for_notify("<i>Tag</i> soup")
    wait_until(desktop.displayed_notifications, 5, message="dunst to show it")
    notifier.withdraw(alert.id)

    desktop.wait_for_notify("member=CloseNotification")
    wait_until(lambda: desktop.displayed_notifications() == 0, 5, message="dunst to close it")
    [shown] = dunst_history(desktop)
    # dunst's "message" is the Pango markup it drew: the alert's tags are text in it.
    # (Its own <b> around the summary is its format string's.)
    assert shown["message"] == (
        "<b>CRITICAL: &lt;i&gt;Tag&lt;/i&gt; soup</b>\n"
        "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;a href='http://evil.example'&gt;x&lt;/a&gt;\n"
        "Source: Alertmanager prod"
    )


def test_plyer_chosen_in_settings_reaches_dunst_without_buttons(
    qtbot: QtBot,
    desktop: VirtualDesktop,
    make_notifier: Callable[..., tuple[Notifier, list[Balloon]]],
) -> None:
    require_tools("notify-send")
    notifier, balloons = make_notifier(backend=NotificationBackend.PLYER)

    notifier.notify_new(build_alert(5, title="Plain one", severity=Severity.WARNING))

    desktop.wait_for_notify("WARNING: Plain one")
    [call] = desktop.notify_calls()
    assert not any(label == "Acknowledge" for _key, label in call.actions)
    assert balloons == []


def test_when_the_notification_server_goes_away_alerts_go_to_the_tray(
    qtbot: QtBot,
    desktop: VirtualDesktop,
    make_notifier: Callable[..., tuple[Notifier, list[Balloon]]],
) -> None:
    notifier, balloons = make_notifier()
    notifier.notify_new(build_alert(6, title="Before"))
    desktop.wait_for_notify("CRITICAL: Before")

    stop_notification_server(desktop)

    with qtbot.waitSignal(notifier.backend_changed, timeout=WAIT_MS) as blocker:
        notifier.notify_new(build_alert(7, title="After"))
    [text] = blocker.args
    assert text.startswith("Notifications: tray balloons only (no notification server on D-Bus")
    qtbot.waitUntil(lambda: bool(balloons), timeout=WAIT_MS)
    assert [title for title, _body, _severity in balloons] == ["CRITICAL: After"]
    assert notifier.backend is NotificationBackend.TRAY


def stop_notification_server(desktop: VirtualDesktop) -> None:
    """Stop dunst -- found by its pid on the bus, not by name -- and wait until it is gone."""
    reply = desktop.run(
        [
            "dbus-send",
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.Notifications",
        ]
    ).stdout
    pid = int(reply.split()[-1])
    desktop.run(["kill", str(pid)])
    wait_until(lambda: not desktop.notification_server_running(), 5, message="dunst to exit")
