"""Notifier against a notification server of the test's own on a private D-Bus session bus.

The server below speaks org.freedesktop.Notifications (the spec's methods and
signals, via dbus-fast) and records what it is sent, so the tests can check
what the Notify call carried, press any button (dunst in the e2e tests can only
press Acknowledge), refuse a notification, or be absent. Everything on our side
is real: desktop-notifier, plyer (through notify-send), the worker loop, the
hand-over to the Qt main thread. tests/e2e/test_notifier_desktop.py does the
same with the real dunst.
"""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import pytest
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusInt32, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.errors import DBusError
from dbus_fast.service import ServiceInterface, dbus_method, dbus_signal
from dbus_fast.signature import Variant
from pytestqt.qtbot import QtBot
from tests.desktop import VirtualDesktop, require_tools
from tests.ui.samples import AlertFactory

from shiftbell.core.alert import Severity
from shiftbell.settings.model import NotificationBackend
from shiftbell.ui.notifier import MAX_BODY, Notifier, plain_text
from shiftbell.ui.runner import AsyncRunner

WAIT_MS = 5000

StrList = Annotated[list[str], DBusSignature("as")]
Hints = Annotated[dict[str, Variant], DBusSignature("a{sv}")]
ServerInfo = Annotated[list[str], DBusSignature("ssss")]
IdAndKey = Annotated[list[Any], DBusSignature("us")]
IdAndReason = Annotated[list[Any], DBusSignature("uu")]


@dataclass
class NotifyCall:
    id: int
    app_name: str
    summary: str
    body: str
    actions: dict[str, str]  # label -> key
    urgency: int | None


@dataclass
class FakeNotificationServer(ServiceInterface):
    """A notification server that records calls and can be told to refuse the next one."""

    capabilities: list[str] = field(default_factory=lambda: ["actions", "body", "body-markup"])
    calls: list[NotifyCall] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    refuse_next: bool = False

    def __post_init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")

    # Method and argument names are the spec's.
    @dbus_method()
    def Notify(
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        app_icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: StrList,
        hints: Hints,
        expire_timeout: DBusInt32,
    ) -> DBusUInt32:
        if self.refuse_next:
            self.refuse_next = False
            raise DBusError("org.example.Refused", "refused on purpose by the test")
        urgency = hints.get("urgency")
        call = NotifyCall(
            id=len(self.calls) + 1,
            app_name=app_name,
            summary=summary,
            body=body,
            actions=dict(zip(actions[1::2], actions[::2], strict=True)),
            urgency=urgency.value if urgency is not None else None,
        )
        self.calls.append(call)
        return call.id

    # No return annotation: dbus-fast reads the string "None" as a missing signature.
    @dbus_method()
    def CloseNotification(self, id: DBusUInt32):  # type: ignore[no-untyped-def]
        self.closed.append(id)
        self.NotificationClosed(id, 3)

    @dbus_method()
    def GetCapabilities(self) -> StrList:
        return self.capabilities

    @dbus_method()
    def GetServerInformation(self) -> ServerInfo:
        return ["fake-server", "shiftbell tests", "1.0", "1.2"]

    @dbus_signal()
    def ActionInvoked(self, id: int, key: str) -> IdAndKey:
        return [id, key]

    @dbus_signal()
    def NotificationClosed(self, id: int, reason: int) -> IdAndReason:
        return [id, reason]


@dataclass
class Balloons:
    """The tray balloon callable the app would pass (tray.show_message), recording calls."""

    shown: list[tuple[str, str, Severity]] = field(default_factory=list)
    off_main_thread: int = 0

    def __call__(self, title: str, body: str, severity: Severity) -> None:
        if threading.current_thread() is not threading.main_thread():
            self.off_main_thread += 1
        self.shown.append((title, body, severity))


@pytest.fixture
def session_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private session bus without service activation; this process talks to it."""
    require_tools("dbus-daemon")
    config = tmp_path / "bus.conf"
    config.write_text(VirtualDesktop.BUS_CONFIG.format(socket=tmp_path / "bus"))
    daemon = subprocess.Popen(
        ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert daemon.stdout is not None
        address = daemon.stdout.readline().strip()
        assert address, "dbus-daemon printed no address"
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address
    finally:
        daemon.terminate()
        daemon.wait(5)


def start_server(runner: AsyncRunner, address: str, **options: Any) -> FakeNotificationServer:
    server = FakeNotificationServer(**options)

    async def serve() -> None:
        bus = await MessageBus(bus_address=address).connect()
        bus.export("/org/freedesktop/Notifications", server)
        await bus.request_name("org.freedesktop.Notifications")

    runner.run(serve())
    return server


@pytest.fixture
def server(session_bus: str, runner: AsyncRunner) -> FakeNotificationServer:
    # The bus is set up first so that it is stopped last, after every connection to it.
    return start_server(runner, session_bus)


@pytest.fixture
def make_notifier(
    qtbot: QtBot, runner: AsyncRunner
) -> Iterator[Callable[..., tuple[Notifier, Balloons]]]:
    made: list[Notifier] = []

    def make(**options: Any) -> tuple[Notifier, Balloons]:
        balloons = Balloons()
        notifier = Notifier(runner.loop, balloon=balloons, **options)
        made.append(notifier)
        return notifier, balloons

    yield make
    for notifier in made:
        notifier.close()


def wait_calls(qtbot: QtBot, server: FakeNotificationServer, count: int) -> list[NotifyCall]:
    qtbot.waitUntil(lambda: len(server.calls) >= count, timeout=WAIT_MS)
    return server.calls


def press(
    runner: AsyncRunner, server: FakeNotificationServer, call: NotifyCall, label: str
) -> None:
    key = call.actions[label]
    runner.loop.call_soon_threadsafe(server.ActionInvoked, call.id, key)


# -- what a notification carries -------------------------------------------------------------


def test_a_critical_alert_is_posted_with_buttons_and_critical_urgency(
    qtbot: QtBot,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, balloons = make_notifier()

    notifier.notify_new(make_alert(1, summary="db1: 99% used"))

    [call] = wait_calls(qtbot, server, 1)
    assert call.app_name == "Shiftbell"
    assert call.summary == "CRITICAL: Disk full on db1"
    assert call.body == "db1: 99% used\nSource: Alertmanager prod"
    assert {"Acknowledge", "Snooze 15 min"} <= set(call.actions)
    assert call.urgency == 2
    assert balloons.shown == []
    # Told to the main thread in an event of its own, which may come after the call.
    qtbot.waitUntil(lambda: notifier.backend is NotificationBackend.DESKTOP_NOTIFIER)
    assert notifier.status_text == ""


def test_a_warning_has_normal_urgency(
    qtbot: QtBot,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, _ = make_notifier()
    notifier.notify_new(make_alert(1, title="Slow disk", severity=Severity.WARNING))

    [call] = wait_calls(qtbot, server, 1)
    assert call.summary == "WARNING: Slow disk"
    assert call.urgency == 1


def test_markup_in_alert_text_is_escaped_for_a_server_that_reads_markup(
    qtbot: QtBot,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, _ = make_notifier()
    notifier.notify_new(
        make_alert(1, title="<b>x</b> & y", summary="<a href='http://evil'>click</a> & <i>")
    )

    [call] = wait_calls(qtbot, server, 1)
    # The summary is plain text by the spec: sent as it is.
    assert call.summary == "CRITICAL: <b>x</b> & y"
    assert call.body.startswith("&lt;a href='http://evil'&gt;click&lt;/a&gt; &amp; &lt;i&gt;\n")


def test_text_goes_unchanged_to_a_server_that_reads_no_markup(
    qtbot: QtBot,
    session_bus: str,
    runner: AsyncRunner,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    server = start_server(runner, session_bus, capabilities=["actions", "body"])
    notifier, _ = make_notifier()
    notifier.notify_new(make_alert(1, summary="a < b & c", source=""))

    [call] = wait_calls(qtbot, server, 1)
    assert call.body == "a < b & c"


def test_text_that_d_bus_would_refuse_is_cleaned_not_lost(
    qtbot: QtBot,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, balloons = make_notifier()
    notifier.notify_new(
        make_alert(1, title="bad\x00title\ud800", summary="line1\nline2\x07" + "x" * 5000)
    )

    [call] = wait_calls(qtbot, server, 1)
    assert call.summary == "CRITICAL: badtitle?"
    assert call.body.startswith("line1\nline2x")
    assert len(call.body) <= MAX_BODY + 10  # escaping adds nothing here
    assert balloons.shown == []


# -- buttons ---------------------------------------------------------------------------------


def test_acknowledge_button_reaches_the_main_thread_with_the_alert_id(
    qtbot: QtBot,
    runner: AsyncRunner,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, _ = make_notifier()
    threads: list[bool] = []
    notifier.acknowledge_requested.connect(
        lambda _id: threads.append(threading.current_thread() is threading.main_thread())
    )
    notifier.notify_new(make_alert(7))
    [call] = wait_calls(qtbot, server, 1)

    with qtbot.waitSignal(notifier.acknowledge_requested, timeout=WAIT_MS) as blocker:
        press(runner, server, call, "Acknowledge")

    assert blocker.args == ["a7"]
    assert threads == [True]


def test_snooze_button_asks_for_the_snooze_minutes(
    qtbot: QtBot,
    runner: AsyncRunner,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, _ = make_notifier(snooze_minutes=10)
    notifier.notify_new(make_alert(1))
    [call] = wait_calls(qtbot, server, 1)

    with (
        qtbot.assertNotEmitted(notifier.acknowledge_requested),
        qtbot.waitSignal(notifier.snooze_requested, timeout=WAIT_MS) as blocker,
    ):
        press(runner, server, call, "Snooze 10 min")

    assert blocker.args == [10]


def test_the_test_notification_has_no_buttons(
    qtbot: QtBot,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
) -> None:
    notifier, _ = make_notifier()
    notifier.notify_test()

    [call] = wait_calls(qtbot, server, 1)
    assert "test" in call.summary.lower()
    assert set(call.actions) <= {""}  # at most the server's click-on-body action


# -- withdrawing -----------------------------------------------------------------------------


def test_withdraw_closes_that_alerts_notification_only(
    qtbot: QtBot,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, _ = make_notifier()
    notifier.notify_new(make_alert(1))
    notifier.notify_new(make_alert(2, title="Other"))
    first, second = wait_calls(qtbot, server, 2)

    notifier.withdraw("a2")
    notifier.withdraw("a-unknown")  # nothing shown for it: nothing happens

    qtbot.waitUntil(lambda: server.closed == [second.id], timeout=WAIT_MS)
    notifier.close()
    qtbot.waitUntil(lambda: server.closed == [second.id, first.id], timeout=WAIT_MS)


def test_withdraw_right_after_posting_closes_the_posted_notification(
    qtbot: QtBot,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, _ = make_notifier()
    notifier.notify_new(make_alert(1))
    notifier.withdraw("a1")  # queued behind the post, never overtaking it

    [call] = wait_calls(qtbot, server, 1)
    qtbot.waitUntil(lambda: server.closed == [call.id], timeout=WAIT_MS)


# -- falling back ----------------------------------------------------------------------------


def test_without_a_session_bus_alerts_go_to_tray_balloons(
    qtbot: QtBot,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    notifier, balloons = make_notifier()
    with qtbot.waitSignal(notifier.backend_changed, timeout=WAIT_MS) as blocker:
        pass
    [text] = blocker.args
    assert text.startswith("Notifications: tray balloons only (no D-Bus session bus")
    assert notifier.backend is NotificationBackend.TRAY

    notifier.notify_new(make_alert(1, summary="db1 full"))

    qtbot.waitUntil(lambda: bool(balloons.shown), timeout=WAIT_MS)
    assert balloons.shown == [
        ("CRITICAL: Disk full on db1", "db1 full\nSource: Alertmanager prod", Severity.CRITICAL)
    ]
    assert balloons.off_main_thread == 0


def test_a_bus_without_a_notification_server_falls_back_and_recovers_when_one_starts(
    qtbot: QtBot,
    session_bus: str,
    runner: AsyncRunner,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, balloons = make_notifier(reprobe_after_s=0.2)
    with qtbot.waitSignal(notifier.backend_changed, timeout=WAIT_MS) as blocker:
        pass
    assert blocker.args == [
        "Notifications: tray balloons only (no notification server on D-Bus "
        "(org.freedesktop.DBus.Error.ServiceUnknown))"
    ]

    server = start_server(runner, session_bus)

    with qtbot.waitSignal(notifier.backend_changed, timeout=WAIT_MS) as blocker:
        pass
    assert blocker.args == [""]
    assert notifier.backend is NotificationBackend.DESKTOP_NOTIFIER
    notifier.notify_new(make_alert(1))
    wait_calls(qtbot, server, 1)
    assert balloons.shown == []


def test_one_refused_notification_is_shown_another_way_without_switching(
    qtbot: QtBot,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, balloons = make_notifier(backend=NotificationBackend.DESKTOP_NOTIFIER)
    server.refuse_next = True

    with qtbot.assertNotEmitted(notifier.backend_changed):
        notifier.notify_new(make_alert(1, title="Refused"))
        qtbot.waitUntil(lambda: bool(balloons.shown), timeout=WAIT_MS)
        notifier.notify_new(make_alert(2, title="Accepted"))
        [call] = wait_calls(qtbot, server, 1)

    assert [title for title, _body, _sev in balloons.shown] == ["CRITICAL: Refused"]
    assert call.summary == "CRITICAL: Accepted"
    qtbot.waitUntil(lambda: notifier.backend is NotificationBackend.DESKTOP_NOTIFIER)


def test_with_nothing_at_all_the_problem_says_so(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runner: AsyncRunner
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")
    notifier = Notifier(runner.loop, balloon=None)
    try:
        with qtbot.waitSignal(notifier.backend_changed, timeout=WAIT_MS) as blocker:
            pass
        [text] = blocker.args
        assert text.startswith("Notifications cannot be shown (no D-Bus session bus")
        assert notifier.backend is None
    finally:
        notifier.close()


# -- chosen backends -------------------------------------------------------------------------


def test_tray_chosen_in_settings_uses_balloons_and_is_no_problem(
    qtbot: QtBot,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, balloons = make_notifier(backend="tray")
    with qtbot.assertNotEmitted(notifier.backend_changed, wait=200):
        notifier.notify_new(make_alert(1))
        qtbot.waitUntil(lambda: bool(balloons.shown), timeout=WAIT_MS)
    assert server.calls == []
    assert notifier.status_text == ""


def test_plyer_chosen_in_settings_posts_without_buttons(
    qtbot: QtBot,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    require_tools("notify-send")  # plyer's way to D-Bus without dbus-python
    notifier, balloons = make_notifier(backend=NotificationBackend.PLYER)
    notifier.notify_new(make_alert(1, summary="x < y"))

    [call] = wait_calls(qtbot, server, 1)
    assert call.summary == "CRITICAL: Disk full on db1"
    assert call.body == "x &lt; y\nSource: Alertmanager prod"
    assert "Acknowledge" not in call.actions
    assert balloons.shown == []
    qtbot.waitUntil(lambda: notifier.backend is NotificationBackend.PLYER)


def test_an_unknown_backend_setting_means_auto(
    qtbot: QtBot,
    server: FakeNotificationServer,
    make_notifier: Callable[..., tuple[Notifier, Balloons]],
    make_alert: AlertFactory,
) -> None:
    notifier, _ = make_notifier(backend="pigeon")
    notifier.notify_new(make_alert(1))
    [call] = wait_calls(qtbot, server, 1)
    assert "Acknowledge" in call.actions


def test_the_notifier_refuses_to_live_off_the_main_thread(
    qapp: object, runner: AsyncRunner
) -> None:
    errors: list[BaseException] = []

    def build() -> None:
        try:
            Notifier(runner.loop)
        except RuntimeError as exc:
            errors.append(exc)

    thread = threading.Thread(target=build)
    thread.start()
    thread.join(10)
    assert len(errors) == 1 and "main thread" in str(errors[0])


# -- plain text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "single_line", "expected"),
    [
        ("a\nb", False, "a\nb"),
        ("a\nb\tc\r", True, "a b c"),
        ("nul\x00 bell\x07 esc\x1b[31m", False, "nul bell esc[31m"),
        ("lone \ud83d surrogate", False, "lone ? surrogate"),
        ("  padded  ", False, "padded"),
        ("ünïcødé ✓", False, "ünïcødé ✓"),
    ],
)
def test_plain_text(text: str, single_line: bool, expected: str) -> None:
    assert plain_text(text, 100, single_line=single_line) == expected


def test_plain_text_is_cut_with_an_ellipsis() -> None:
    cut = plain_text("word " * 100, 20)
    assert len(cut) <= 20 and cut.endswith("…")
