"""The main window: acknowledge buttons, empty state, history, feed lines, problems, closing."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from pytestqt.qtbot import QtBot
from tests.ui.samples import NOW, AlertFactory

from shiftbell.core.alert import Severity, Status
from shiftbell.core.schedule import OnCallSchedule, Shift, on_call_state
from shiftbell.ui.alert_model import AlertColumn
from shiftbell.ui.elided_label import ElidedLabel
from shiftbell.ui.feed_status_lines import feed_status_text
from shiftbell.ui.schedule_text import ScheduleSourceStatus
from shiftbell.ui.tray_state import FeedStatus
from shiftbell.ui.window import EMPTY_TEXT, MainWindow


@pytest.fixture
def window(main_window: MainWindow) -> MainWindow:
    return main_window


def find_ack(window: MainWindow, alert_id: str) -> QPushButton | None:
    return window.findChild(QPushButton, f"ack-{alert_id}")


def test_title_size_and_empty_state(window: MainWindow) -> None:
    assert window.windowTitle() == "Shiftbell"
    assert window.width() >= 700 and window.height() >= 400
    assert [window.tabs.tabText(i) for i in range(window.tabs.count())] == [
        "Alerts",
        "History",
        "Schedule",
        "Shift",
    ]
    assert window.empty_label.text() == EMPTY_TEXT
    assert window.empty_label.isVisible()
    assert not window.alerts_table.isVisible()
    assert not window.acknowledge_all_button.isEnabled()


def test_alerts_replace_the_empty_state(window: MainWindow, make_alert: AlertFactory) -> None:
    window.set_alerts([make_alert(1)], NOW)
    assert window.alerts_table.isVisible()
    assert not window.empty_label.isVisible()
    assert window.summary_label.text() == "1 firing (1 critical)"
    window.set_alerts([], NOW)
    assert window.empty_label.isVisible()


def test_row_button_emits_acknowledge_with_its_alert_id(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    window.set_alerts([make_alert(1), make_alert(2, severity=Severity.WARNING)], NOW)
    button = find_ack(window, "a2")
    assert button is not None and button.isVisible() and button.isEnabled()
    with qtbot.waitSignal(window.acknowledge_requested) as blocker:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert blocker.args == ["a2"]


def test_button_sits_in_its_rows_action_cell(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    window.set_alerts([make_alert(1), make_alert(2)], NOW)
    button = find_ack(window, "a2")
    assert button is not None

    def cell_under_button() -> tuple[int, int]:
        centre = button.mapTo(window.alerts_table.viewport(), button.rect().center())
        index = window.alerts_table.indexAt(centre)
        return index.row(), index.column()

    # The view lays out its cell widgets on its next layout pass, not at once.
    qtbot.waitUntil(lambda: cell_under_button() == (1, AlertColumn.ACTION))


def test_acknowledged_rows_have_no_button(window: MainWindow, make_alert: AlertFactory) -> None:
    window.set_alerts([make_alert(1, status=Status.ACKNOWLEDGED)], NOW)
    assert find_ack(window, "a1") is None
    assert window.acknowledge_button("a1") is None
    assert not window.acknowledge_all_button.isEnabled()


def test_buttons_follow_their_rows_through_updates(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    window.set_alerts([make_alert(1), make_alert(2), make_alert(3)], NOW)
    first_a3 = find_ack(window, "a3")
    assert window.alerts_table.select_alert("a3")
    # a1 is acknowledged and sinks to the bottom; a2 resolves; a4 arrives.
    window.set_alerts(
        [make_alert(3), make_alert(4), make_alert(1, status=Status.ACKNOWLEDGED)], NOW
    )
    qtbot.waitUntil(lambda: find_ack(window, "a1") is None and find_ack(window, "a2") is None)
    # The same button object, still wired to a3, and the selection stayed on a3.
    assert find_ack(window, "a3") is first_a3
    selected = window.alerts_table.selected_alert()
    assert selected is not None and selected.id == "a3"
    a4 = find_ack(window, "a4")
    assert a4 is not None
    with qtbot.waitSignal(window.acknowledge_requested) as blocker:
        qtbot.mouseClick(a4, Qt.MouseButton.LeftButton)
    assert blocker.args == ["a4"]
    # A row that fires again gets its button back.
    window.set_alerts([make_alert(1)], NOW)
    assert find_ack(window, "a1") is not None


def test_acknowledge_all(window: MainWindow, make_alert: AlertFactory, qtbot: QtBot) -> None:
    window.set_alerts([make_alert(1), make_alert(2, status=Status.ACKNOWLEDGED)], NOW)
    assert window.acknowledge_all_button.isEnabled()
    with qtbot.waitSignal(window.acknowledge_all_requested):
        qtbot.mouseClick(window.acknowledge_all_button, Qt.MouseButton.LeftButton)


def test_settings_button_is_always_offered_at_the_right(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    # With no alerts (a fresh install with no feeds yet) it is the way to add one.
    button = window.settings_button
    assert button.isVisible() and button.isEnabled()
    assert not window.acknowledge_all_button.isVisible()
    right_edge = button.mapTo(window, button.rect().topRight()).x()
    assert right_edge > window.width() - 40
    assert button.width() < window.width() / 3
    with qtbot.waitSignal(window.settings_requested):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    window.set_alerts([make_alert(1)], NOW)
    assert button.isVisible() and window.acknowledge_all_button.isVisible()
    assert button.x() > window.acknowledge_all_button.x()


def test_html_title_is_not_rendered_anywhere(window: MainWindow, make_alert: AlertFactory) -> None:
    hostile = "<b>x</b><img src=/etc/passwd>"
    window.set_alerts([make_alert(1, title=hostile)], NOW)
    window.set_problems([hostile])
    window.set_feed_statuses([FeedStatus(hostile, False, hostile, NOW, None)])
    index = window.alert_model.index(0, AlertColumn.TITLE)
    assert index.data() == hostile
    labels = window.findChildren(QLabel)
    assert labels
    shown = [label for label in labels if label.text() and "<" in label.text()]
    assert shown, "the hostile text should be on screen somewhere"
    assert all(label.textFormat() is Qt.TextFormat.PlainText for label in shown)


def test_history_tab_newest_first(window: MainWindow, make_alert: AlertFactory) -> None:
    assert window.empty_history_label.text()
    window.set_history(
        [
            make_alert(1, title="older", status=Status.RESOLVED, age=timedelta(hours=3)),
            make_alert(2, title="newer", status=Status.RESOLVED, age=timedelta(hours=1)),
        ]
    )
    window.tabs.setCurrentIndex(1)
    assert window.history_table.isVisible()
    model = window.history_model
    assert [model.alert_at(r).title for r in range(model.rowCount())] == ["newer", "older"]


def test_feed_status_lines(window: MainWindow) -> None:
    window.set_alerts([], NOW)
    window.set_feed_statuses(
        [
            FeedStatus("Local receiver", True, "listening on http://127.0.0.1:8765", NOW, NOW),
            FeedStatus(
                "Alertmanager",
                False,
                "connection refused",
                NOW - timedelta(minutes=4),
                NOW - timedelta(minutes=6),
            ),
            FeedStatus("PagerDuty", False, "401: token rejected", NOW - timedelta(days=1), None),
        ]
    )
    assert window.feed_status_lines() == [
        "Local receiver: ok — listening on http://127.0.0.1:8765 · since 03:12",
        "Alertmanager: error — connection refused · since 03:08 · last contact 03:06",
        "PagerDuty: error — 401: token rejected · since 2026-03-03 03:12 · never reached",
    ]
    window.set_feed_statuses([FeedStatus("Local receiver", True, "", None, None)])
    assert window.feed_status_lines() == ["Local receiver: ok"]


def test_empty_state_says_when_a_feed_is_down(window: MainWindow) -> None:
    window.set_alerts([], NOW)
    window.set_feed_statuses([FeedStatus("Local receiver", True, "listening", NOW, NOW)])
    assert not window.empty_feed_warning.isVisible()
    window.set_feed_statuses([FeedStatus("Alertmanager", False, "refused", NOW, None)])
    assert window.empty_label.isVisible()
    assert window.empty_feed_warning.isVisible()
    assert window.empty_feed_warning.text() == (
        "But Alertmanager is not working, so alerts from there cannot arrive."
    )


def test_feed_status_text_without_a_reference_time_shows_the_date() -> None:
    status = FeedStatus("Gotify", True, "connected", NOW, NOW)
    assert feed_status_text(status, None, UTC) == "Gotify: ok — connected · since 2026-03-04 03:12"


def test_problems_banner(window: MainWindow) -> None:
    assert not window.banner.isVisible()
    problems = [
        "No audio output device: the alarm cannot sound; notifications go on",
        "Cannot save: disk full",
    ]
    window.set_problems(problems)
    assert window.banner.isVisible()
    assert window.problem_lines() == problems
    window.set_problems(problems[1:])
    assert window.problem_lines() == problems[1:]
    window.set_problems([])
    assert not window.banner.isVisible()
    assert window.problem_lines() == []


def test_closing_hides_the_window_and_does_not_quit(
    window: MainWindow, qapp: QApplication, qtbot: QtBot
) -> None:
    event = QCloseEvent()
    window.closeEvent(event)
    assert not event.isAccepted()
    assert window.isHidden()
    window.show()
    with qtbot.assertNotEmitted(qapp.lastWindowClosed):
        window.close()
    assert window.isHidden()


def test_quit_still_ends_the_app_with_the_window_open(
    window: MainWindow, qapp: QApplication
) -> None:
    # Qt 6 closes every window on quit() and may cancel the quit if one refuses;
    # the window refuses every close, so check that Quit in the tray still works.
    QTimer.singleShot(0, qapp.quit)
    QTimer.singleShot(5000, lambda: qapp.exit(7))  # a hang fails the test, it does not stall
    assert qapp.exec() == 0


def test_bring_to_front_restores_a_minimised_hidden_window(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.showMinimized()
    window.hide()
    window.bring_to_front()
    qtbot.waitUntil(window.isVisible)
    assert not window.isMinimized()


def test_row_height_fits_the_button(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    window.set_alerts([make_alert(1)], NOW)
    button = find_ack(window, "a1")
    assert button is not None
    row = window.alerts_table.visualRect(window.shown_alerts.index_of("a1")).height()
    assert row >= button.sizeHint().height()
    qtbot.waitUntil(lambda: button.height() >= button.sizeHint().height())
    assert button.mapTo(window.alerts_table.viewport(), QPoint(0, 0)).y() >= 0


def test_schedule_tab_shows_what_set_schedule_gives_and_passes_overrides_on(
    window: MainWindow, qtbot: QtBot
) -> None:
    # NOW is Wednesday 03:12 UTC (the window's zone here).
    shift = Shift(NOW - timedelta(hours=3), NOW + timedelta(hours=6), "PagerDuty", "Primary")
    state = on_call_state(OnCallSchedule([shift]), None, NOW)
    window.set_schedule(state, [shift], [ScheduleSourceStatus("PagerDuty", True, "", NOW)], NOW)
    window.tabs.setCurrentWidget(window.schedule_tab)
    view = window.schedule_view
    assert view.isVisible()
    assert view.headline_label.text() == "On call until 09:12"
    assert view.highlighted_rows() == [0]
    assert view.source_lines() == ["PagerDuty: up to date · fetched 03:12"]
    with qtbot.waitSignal(window.override_requested) as blocker:
        view.off_call_menu.actions()[0].trigger()
    assert blocker.args == [False, NOW + timedelta(hours=1)]
    with qtbot.waitSignal(window.override_cleared):
        view.override_cleared.emit()


def test_long_texts_never_make_the_window_bigger_than_a_small_screen(
    window: MainWindow, qtbot: QtBot
) -> None:
    """a 1,000-character feed error made the window at least 1781 px wide.

    512 x 384 is a 1024 x 768 screen at QT_SCALE_FACTOR=2, in the window's own units.
    """
    long = "cannot reach Alertmanager at http://am.example.com:9093 (prod): " + "refused; " * 120
    window.set_feed_statuses([FeedStatus(f"feed{n}", False, long, NOW, None) for n in range(20)])
    window.set_problems([long, "x" * 2000, "The sound server stopped."])
    window.set_snooze("Alarm snoozed until 03:40 (2 alerts)")
    window.show()
    qtbot.waitExposed(window)
    hint = window.minimumSizeHint()
    assert hint.width() <= 512 and hint.height() <= 384, hint
    assert long in window.feed_status_lines()[0]  # the whole text is kept
    assert window.problem_lines()[1] == "x" * 2000
    label = window.banner.findChildren(ElidedLabel, "problem")[1]
    assert label.toolTip() == "x" * 2000 and label.text().endswith("…")


def test_the_undo_bar_goes_by_itself_and_undo_hands_over_its_ids(
    window: MainWindow, qtbot: QtBot
) -> None:
    bar = window.undo_bar
    window.offer_undo("Acknowledged 2 alerts.", ["a1", "a2"])
    assert bar.isVisible() and bar.undo_button.isVisible()
    with qtbot.waitSignal(window.undo_requested) as undone:
        bar.undo_button.click()
    assert undone.args == [["a1", "a2"]]
    assert not bar.isVisible()  # one undo only

    bar.offer("Acknowledged 1 alert.", ["a3"], seconds=0.05)
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=2000)
    with qtbot.assertNotEmitted(window.undo_requested):
        bar.undo_button.click()


def test_the_filter_box_and_a_header_click_arrange_the_list(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    alerts = [
        make_alert(1, title="Postgres down", labels=(("instance", "db1"),)),
        make_alert(2, title="API slow", severity=Severity.WARNING, age=timedelta(hours=2)),
        make_alert(3, title="Backups late", severity=Severity.INFO, status=Status.ACKNOWLEDGED),
    ]
    window.set_alerts(alerts, NOW)
    view = window.shown_alerts

    def titles() -> list[str]:
        return [a.title for a in view.shown()]

    assert titles() == ["Postgres down", "API slow", "Backups late"]  # the board's order
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_edit.hasFocus()
    qtbot.keyClicks(window.filter_edit, "instance=db1")
    assert titles() == ["Postgres down"]
    assert window.acknowledge_button("a2") is None  # no button on a row not shown
    assert window.details.alert is not None and window.details.alert.id == "a1"
    window.filter_edit.clear()
    assert window.acknowledge_button("a2") is not None

    window.alerts_table.header().sectionClicked.emit(AlertColumn.TITLE)
    window.alerts_table.sortByColumn(AlertColumn.TITLE, Qt.SortOrder.AscendingOrder)
    assert titles() == ["API slow", "Backups late", "Postgres down"]
    # A changed title moves to its sorted place at once (no stale sort keys).
    renamed = [make_alert(1, title="Aardvark down", labels=(("instance", "db1"),)), *alerts[1:]]
    window.set_alerts(renamed, NOW)
    assert titles() == ["Aardvark down", "API slow", "Backups late"]
    window.set_alerts(alerts, NOW)
    window.alerts_table.sortByColumn(AlertColumn.AGE, Qt.SortOrder.DescendingOrder)
    assert titles()[0] == "API slow"  # the oldest
    # A new alert lands in its sorted place, and its button with it.
    window.set_alerts([*alerts, make_alert(4, title="Zebra", age=timedelta(hours=5))], NOW)
    assert titles()[0] == "Zebra" and window.acknowledge_button("a4") is not None

    window.filter_edit.setText("postgres")
    assert window.show_alert("a2")  # asked for by id: the filter gives way
    assert window.filter_edit.text() == "" and window.details.alert.id == "a2"
