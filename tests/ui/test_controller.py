"""UiController: the tray, window, notifications and alarm follow the desk.

Everything here is real (desk, window, tray, notifier on its worker loop, the
alarm's QSoundEffects on a private PulseAudio); only time is a FakeClock, moved
by hand, so the whole escalation is walked through without waiting.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from tests.desktop import PulseSink

from shiftbell.core.alert import Incoming, Severity, Status
from shiftbell.core.board import Changes
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import StoreError
from shiftbell.core.escalation import (
    EscalationSettings,
    ScheduleSettings,
    SeverityPolicy,
    Sound,
    Suppression,
)
from shiftbell.core.schedule import OnCallSchedule, Override, Shift
from shiftbell.runtime.desk import AlertDesk
from shiftbell.sources.build import AlertAbilities
from shiftbell.ui.alarm import AlarmPlayer
from shiftbell.ui.alert_model import AlertColumn
from shiftbell.ui.controller import UiController
from shiftbell.ui.notifier import Notifier
from shiftbell.ui.runner import AsyncRunner, MainThreadCaller
from shiftbell.ui.tray import TrayIcon
from shiftbell.ui.tray_state import FeedStatus, TrayIconName
from shiftbell.ui.window import MainWindow


@dataclass
class Shell:
    clock: FakeClock
    desk: AlertDesk
    window: MainWindow
    tray: TrayIcon
    alarm: AlarmPlayer
    controller: UiController
    notifier: Notifier
    balloons: list[tuple[str, str, Severity]] = field(default_factory=list)

    def fire(self, key: str, severity: Severity = Severity.CRITICAL, title: str = "DB down") -> str:
        return self.desk.ingest("local", [Incoming(key, title, severity)], "local").new[0].id


class Questions:
    """QMessageBox.question answered with `answer` (Cancel until changed); `texts` were asked."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts: list[str] = []
        self.answer = QMessageBox.StandardButton.Cancel
        monkeypatch.setattr(QMessageBox, "question", self._question)

    def _question(self, _parent: object, _title: str, text: str, *_: object) -> object:
        self.texts.append(text)
        return self.answer


@pytest.fixture
def shell(qtbot: QtBot, audio: PulseSink) -> Iterator[Shell]:
    runner = AsyncRunner()
    runner.start()
    clock = FakeClock()
    desk = AlertDesk(clock)
    window = MainWindow()
    qtbot.addWidget(window)
    tray = TrayIcon()
    balloons: list[tuple[str, str, Severity]] = []
    notifier = Notifier(runner.loop, balloon=lambda *a: balloons.append(a), backend="tray")
    alarm = AlarmPlayer()
    controller = UiController(
        desk, clock, EscalationSettings(), window, tray, notifier, alarm, MainThreadCaller()
    )
    yield Shell(clock, desk, window, tray, alarm, controller, notifier, balloons)
    controller.shutdown()  # its timers would outlive the window into later tests
    alarm.stop()
    notifier.close()
    runner.stop()


def test_a_critical_alert_notifies_and_escalates_step_by_step(qtbot: QtBot, shell: Shell) -> None:
    alert_id = shell.fire("db", title="<b>DB</b> down")
    qtbot.waitUntil(lambda: shell.tray.state.icon is TrayIconName.FIRING_CRITICAL)
    qtbot.waitUntil(lambda: len(shell.balloons) == 1)
    assert "<b>DB</b> down" in shell.balloons[0][0]
    assert shell.alarm.loop_sound is Sound.ALARM
    assert shell.alarm.loop_volume == pytest.approx(0.3)
    assert shell.window.acknowledge_button(alert_id) is not None

    shell.clock.advance(30)
    shell.controller.tick()
    assert shell.alarm.loop_volume == pytest.approx(0.65)
    shell.clock.advance(90)
    shell.controller.tick()
    assert shell.alarm.loop_sound is Sound.SIREN
    assert not shell.window.isVisible()
    shell.clock.advance(120)
    shell.controller.tick()
    assert shell.window.isVisible(), "stage 3 brings the window to the front"


def test_the_window_button_acknowledges_and_silences_at_once(qtbot: QtBot, shell: Shell) -> None:
    from PySide6.QtCore import Qt

    alert_id = shell.fire("db")
    qtbot.waitUntil(lambda: shell.window.acknowledge_button(alert_id) is not None)
    button = shell.window.acknowledge_button(alert_id)
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    # No waiting: the click itself stops the sound.
    assert shell.alarm.loop_sound is None
    assert shell.desk.active()[0].status is Status.ACKNOWLEDGED
    qtbot.waitUntil(lambda: shell.tray.state.icon is TrayIconName.ACKNOWLEDGED)


def test_clicking_a_notification_opens_the_window_on_its_alert(qtbot: QtBot, shell: Shell) -> None:
    shell.fire("db", title="DB down")
    api = shell.fire("api", title="API slow")
    assert not shell.window.isVisible()
    shell.notifier.open_requested.emit(api)
    assert shell.window.isVisible()
    assert shell.window.details.alert is not None and shell.window.details.alert.id == api
    shell.desk.acknowledge(api, "cli")
    shell.window.hide()
    shell.notifier.open_requested.emit("gone")  # an alert no longer active: the window all the same
    assert shell.window.isVisible()


def test_quit_asks_first_while_an_alert_fires_and_not_when_nothing_is_watched(
    qtbot: QtBot, shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = Questions(monkeypatch)
    quits: list[bool] = []
    shell.controller.quit_requested.connect(lambda: quits.append(True))
    shell.tray.quit_requested.emit()
    assert (asked.texts, quits) == ([], [True])  # nothing firing, no feed: nothing to lose

    shell.fire("db")
    shell.controller.set_feed_status(FeedStatus("Local receiver", True, "listening"))
    shell.controller.set_feed_status(FeedStatus("prod-am", True, "ok"))
    shell.tray.quit_requested.emit()
    assert asked.texts[0].startswith("Quit Shiftbell with 1 alert firing and 1 feed watched?")
    assert quits == [True]  # Cancel: still running
    asked.answer = QMessageBox.StandardButton.Yes
    shell.tray.quit_requested.emit()
    assert quits == [True, True]


def test_taking_an_acknowledgement_back_in_the_window_rings_again(
    qtbot: QtBot, shell: Shell
) -> None:
    alert_id = shell.fire("db")
    shell.controller.acknowledge(alert_id, "window")
    assert shell.alarm.loop_sound is None
    shell.window.unacknowledge_requested.emit(alert_id)
    assert shell.desk.active()[0].status is Status.FIRING
    assert shell.alarm.loop_sound is Sound.ALARM  # at once, from the first step again


def test_resolving_one_sent_here_ends_it_and_its_alarm_and_elsewhere_it_is_refused(
    qtbot: QtBot, shell: Shell
) -> None:
    alert_id = shell.fire("db")
    qtbot.waitUntil(lambda: shell.alarm.loop_sound is Sound.ALARM)
    shell.window.resolve_requested.emit(alert_id, "fixed")
    assert shell.desk.active() != []  # no source said it can: nothing happens
    shell.controller.actions.abilities = AlertAbilities(lambda _feed: None, local_feeds=["local"])
    shell.window.resolve_requested.emit(alert_id, "fixed")
    assert shell.desk.active() == []
    assert shell.alarm.loop_sound is None  # at once
    assert shell.desk.get(alert_id) is None


def test_silence_from_the_tray_holds_the_most_urgent_alert_for_an_hour(
    qtbot: QtBot, shell: Shell
) -> None:
    alert_id = shell.fire("db")
    qtbot.waitUntil(lambda: shell.alarm.loop_sound is Sound.ALARM)
    shell.tray.silence_alert_requested.emit(alert_id, 3600.0)
    silenced = shell.desk.get(alert_id)
    assert silenced is not None and silenced.status is Status.ACKNOWLEDGED
    assert silenced.ack_info is not None
    assert silenced.ack_info.until == shell.clock.now() + timedelta(hours=1)
    assert shell.alarm.loop_sound is None


def test_acknowledge_all_asks_at_a_shared_source_and_can_be_undone(
    qtbot: QtBot, shell: Shell, monkeypatch: pytest.MonkeyPatch
) -> None:
    kinds = {"prod-am": "alertmanager", "pd": "pagerduty"}
    shell.controller.actions.abilities = AlertAbilities(kinds.get)
    asked = Questions(monkeypatch)
    for feed, key in (("prod-am", "db"), ("prod-am", "api"), ("pd", "web"), ("local", "x")):
        shell.desk.ingest(feed, [Incoming(key, f"{key} down", Severity.CRITICAL)], feed)
    shell.window.acknowledge_all_requested.emit()
    assert asked.texts == [
        "Acknowledge 4 alerts, 3 of them at 2 sources?\n\nAt the source they are acknowledged "
        "for your whole team. You can undo this for 10 seconds."
    ]
    assert all(a.status is Status.FIRING for a in shell.desk.active())  # Cancel

    asked.answer = QMessageBox.StandardButton.Yes
    shell.window.acknowledge_all_requested.emit()
    assert all(a.status is Status.ACKNOWLEDGED for a in shell.desk.active())
    bar = shell.window.undo_bar
    assert bar.isVisibleTo(shell.window) and bar.label.text() == "Acknowledged 4 alerts."
    bar.undo_button.click()
    status = {a.key.source_id: a.status for a in shell.desk.active()}
    assert status == {
        "db": Status.FIRING,
        "api": Status.FIRING,
        "x": Status.FIRING,
        "web": Status.ACKNOWLEDGED,  # PagerDuty cannot take it back
    }
    assert bar.label.text() == (
        "1 stayed acknowledged: PagerDuty cannot take back an acknowledgement through its API."
    )
    assert not bar.undo_button.isVisibleTo(shell.window)


def test_one_alert_snoozed_from_the_window_rings_again_by_itself(
    qtbot: QtBot, shell: Shell
) -> None:
    kept: list[dict[str, object]] = []
    shell.controller.snooze_changed = lambda _all, own: kept.append(dict(own.by_id))
    alert_id = shell.fire("db")
    qtbot.waitUntil(lambda: shell.alarm.loop_sound is Sound.ALARM)
    shell.window.snooze_requested.emit(alert_id, 600.0)
    assert shell.alarm.loop_sound is None
    assert list(kept[-1]) == [alert_id]  # kept for a restart
    row = shell.window.alert_model.row_of(alert_id)
    status = shell.window.alert_model.index(row, AlertColumn.STATUS).data()
    assert status.startswith("snoozed until ")
    assert shell.window.details.end_snooze_button.isVisibleTo(shell.window)

    shell.clock.advance(601)
    shell.controller.tick()
    # By itself, nobody pressed anything; at the stage its age has reached (the siren).
    assert shell.alarm.loop_sound is Sound.SIREN
    assert kept[-1] == {}
    assert shell.window.alert_model.index(row, AlertColumn.STATUS).data() == "firing"

    shell.window.snooze_requested.emit(alert_id, 600.0)
    assert shell.alarm.loop_sound is None
    shell.window.end_snooze_requested.emit(alert_id)
    assert shell.alarm.loop_sound is Sound.SIREN


def test_an_acknowledgement_from_another_thread_silences_too(qtbot: QtBot, shell: Shell) -> None:
    alert_id = shell.fire("db")
    qtbot.waitUntil(lambda: shell.alarm.loop_sound is Sound.ALARM)
    worker = threading.Thread(target=shell.desk.acknowledge, args=(alert_id, "cli"))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: shell.alarm.loop_sound is None, timeout=1000)


def test_snooze_silences_and_the_alarm_comes_back_by_itself(qtbot: QtBot, shell: Shell) -> None:
    shell.fire("db")
    qtbot.waitUntil(lambda: shell.alarm.loop_sound is Sound.ALARM)
    shell.tray.snooze_actions[5].trigger()
    assert shell.alarm.loop_sound is None
    assert shell.tray.state.icon is TrayIconName.SNOOZED_CRITICAL
    assert shell.window.snooze_bar.isVisibleTo(shell.window)
    assert shell.window.snooze_label.text().startswith("Alarm snoozed until ")
    assert shell.window.snooze_label.text().endswith(" (1 alert)")
    shell.clock.advance(timedelta(minutes=4, seconds=59))
    shell.controller.tick()
    assert shell.alarm.loop_sound is None
    shell.clock.advance(1)
    shell.controller.tick()
    assert shell.alarm.loop_sound is not None
    assert shell.tray.state.icon is TrayIconName.FIRING_CRITICAL


def test_tray_acknowledge_all(qtbot: QtBot, shell: Shell) -> None:
    shell.fire("a")
    shell.fire("b", Severity.WARNING)
    qtbot.waitUntil(lambda: shell.tray.acknowledge_all_action.isEnabled())
    shell.tray.acknowledge_all_action.trigger()
    assert all(a.status is Status.ACKNOWLEDGED for a in shell.desk.active())
    assert shell.alarm.loop_sound is None


def test_resolved_alert_goes_to_history_and_stops_the_alarm(qtbot: QtBot, shell: Shell) -> None:
    shell.fire("db")
    qtbot.waitUntil(lambda: shell.alarm.loop_sound is Sound.ALARM)
    shell.desk.ingest("local", [Incoming("db", "DB down", firing=False)])
    qtbot.waitUntil(lambda: shell.alarm.loop_sound is None)
    qtbot.waitUntil(lambda: shell.tray.state.icon is TrayIconName.CLEAR)


def test_a_save_failure_is_shown_in_window_and_tray(qtbot: QtBot, audio: PulseSink) -> None:
    class FullDisk:
        def load_active(self) -> list[object]:
            return []

        def record(self, changes: Changes, via: str = "") -> None:
            raise StoreError("cannot save alerts to /x: the disk is full")

        def history(self, limit: int = 200) -> list[object]:
            return []

        def acknowledged_vias(self, alert_ids: object) -> dict[str, str]:
            return {}

    runner = AsyncRunner()
    runner.start()
    clock = FakeClock()
    desk = AlertDesk(clock, FullDisk())  # type: ignore[arg-type]
    window = MainWindow()
    qtbot.addWidget(window)
    tray = TrayIcon()
    notifier = Notifier(runner.loop, balloon=lambda *a: None, backend="tray")
    alarm = AlarmPlayer()
    controller = UiController(
        desk, clock, EscalationSettings(), window, tray, notifier, alarm, MainThreadCaller()
    )
    try:
        desk.ingest("local", [Incoming("x", "Info only", Severity.INFO)])
        qtbot.waitUntil(lambda: any("disk is full" in line for line in window.problem_lines()))
        assert "disk is full" in tray.state.tooltip
        assert len(desk.active()) == 1, "the alert is kept in memory"
        desk.acknowledge_all("test")
        # Nothing firing any more: the icon now shows that something is wrong.
        qtbot.waitUntil(lambda: tray.state.icon is TrayIconName.FEED_ERROR)
    finally:
        controller.shutdown()
        alarm.stop()
        notifier.close()
        runner.stop()


def test_off_call_the_warning_chime_is_held_back_but_critical_still_alarms(
    qtbot: QtBot, shell: Shell
) -> None:
    """off shift is notification only, except critical alerts."""
    shell.controller.set_override(
        Override(on_call=False, until=shell.clock.now() + timedelta(hours=1))
    )
    shell.fire("w", Severity.WARNING)
    qtbot.waitUntil(lambda: len(shell.balloons) == 1)  # still notified
    shell.controller.tick()
    assert shell.controller.alarm_state.chime_due is None
    assert Suppression.OFF_SHIFT in shell.controller.alarm_state.suppressed_by
    assert not shell.controller.on_call_state(shell.clock.now()).on_call
    shell.fire("c", Severity.CRITICAL)
    qtbot.waitUntil(lambda: shell.alarm.loop_sound is Sound.ALARM)
    assert shell.controller.level_of(shell.desk.active()[0]) >= 1


def test_on_call_the_warning_chimes(qtbot: QtBot, shell: Shell) -> None:
    shell.fire("w", Severity.WARNING)
    qtbot.waitUntil(lambda: shell.controller.alarm_state.chime_due is not None)
    assert not shell.controller.alarm_state.suppressed_by


def test_the_schedule_reaches_the_tab_and_the_tray_and_an_override_is_kept(
    qtbot: QtBot, shell: Shell
) -> None:
    """the window answers "am I on call", the tray says until when."""
    now = shell.clock.now()
    shift = Shift(now + timedelta(hours=2), now + timedelta(hours=10), source="team calendar")
    saved: list[Override | None] = []
    shell.controller.override_changed = saved.append
    shell.controller.set_schedule(OnCallSchedule([shift], known_until=now + timedelta(days=14)))
    headline = shell.window.schedule_view.headline_label.text()
    assert headline.startswith("Off call"), headline
    assert shell.tray.state.icon is TrayIconName.CLEAR_OFF_CALL
    assert "Off call" in shell.tray.state.tooltip

    shell.window.override_requested.emit(True, now + timedelta(hours=1))
    assert saved and saved[0] is not None and saved[0].on_call
    assert shell.controller.on_call_state(now).on_call
    assert shell.window.schedule_view.headline_label.text().startswith("On call")
    shell.window.override_cleared.emit()
    assert not shell.controller.on_call_state(shell.clock.now()).on_call


def test_a_reminder_comes_once_before_a_shift_starts(qtbot: QtBot, shell: Shell) -> None:
    now = shell.clock.now()
    shift = Shift(now + timedelta(minutes=30), now + timedelta(hours=8), "cal", "Primary")
    shell.controller.set_schedule(OnCallSchedule([shift], known_until=now + timedelta(days=14)))
    assert shell.balloons == [], "30 min ahead: not yet (the lead is 15 min)"
    shell.clock.advance(timedelta(minutes=16))
    shell.controller.remind_of_shift()
    qtbot.waitUntil(lambda: len(shell.balloons) == 1)
    title, body, _ = shell.balloons[0]
    assert title == "On call in 14 min" and "Primary" in body
    shell.clock.advance(60)
    shell.controller.remind_of_shift()
    shell.controller.set_schedule(OnCallSchedule([shift], known_until=now + timedelta(days=14)))
    assert len(shell.balloons) == 1, "once per shift"


def test_new_escalation_settings_apply_to_what_already_fires(qtbot: QtBot, shell: Shell) -> None:
    shell.fire("w", Severity.WARNING)
    qtbot.waitUntil(lambda: shell.controller.alarm_state.chime_due is not None)
    quiet = EscalationSettings(warning=SeverityPolicy(sound=None))
    shell.controller.set_policy(quiet, ScheduleSettings())
    assert shell.controller.alarm_state.chime_due is None
    shell.controller.set_policy(EscalationSettings(), ScheduleSettings())
    assert shell.controller.alarm_state.chime_due is not None
