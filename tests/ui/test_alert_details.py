"""The details pane: the selected alert in full, as plain text, and its links, each opened in
the browser with one click; only web pages are ever offered or opened."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QInputDialog
from pytestqt.qtbot import QtBot
from tests.ui.samples import NOW, AlertFactory

from shiftbell.core.alert import AckInfo, Link, Status
from shiftbell.ui.alert_details import NOTHING_SELECTED, open_link
from shiftbell.ui.silence_dialog import SilenceDialog
from shiftbell.ui.window import MainWindow


class Browser(QObject):
    """Stands in for the person's browser: QDesktopServices hands it every http(s) URL."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.opened.append(url.toString())


@pytest.fixture
def browser() -> Iterator[Browser]:
    browser = Browser()
    for scheme in ("http", "https", "file"):
        QDesktopServices.setUrlHandler(scheme, browser, "open")
    yield browser
    for scheme in ("http", "https", "file"):
        QDesktopServices.unsetUrlHandler(scheme)


@pytest.fixture
def window(main_window: MainWindow) -> MainWindow:
    return main_window


def test_the_first_alert_is_shown_in_full_until_another_is_picked(
    window: MainWindow, make_alert: AlertFactory
) -> None:
    details = window.details
    assert details.empty_label.isVisible() and details.empty_label.text() == NOTHING_SELECTED
    first = make_alert(
        1,
        title="<b>Disk</b> full on db1",
        summary="/var is at 99 %.\n<img src=x> is not markup here.",
        labels=(("alertname", "DiskFull"), ("instance", "db1:9100")),
    )
    second = make_alert(2, title="API slow", status=Status.ACKNOWLEDGED)
    window.set_alerts([first, second], NOW)

    assert details.alert == first
    assert details.title_label.text() == "<b>Disk</b> full on db1"
    assert details.title_label.textFormat() is Qt.TextFormat.PlainText
    assert details.summary_label.textFormat() is Qt.TextFormat.PlainText
    assert "<img src=x> is not markup here." in details.summary_label.text()
    assert details.facts_label.text() == "Critical · firing · from Alertmanager prod"
    assert details.times_label.text() == "Started 2026-03-04 03:10 (2 min ago)"
    assert details.labels_label.text() == "alertname = DiskFull\ninstance = db1:9100"
    assert "shiftbell ack a1" in details.id_label.text()

    assert window.alerts_table.select_alert("a2")
    assert details.alert == second
    assert details.times_label.text().startswith("Started 2026-03-04 03:10 (2 min ago), ack")
    # An update keeps the person's choice.
    window.set_alerts([first, second], NOW + timedelta(minutes=1))
    assert details.alert == second
    assert "(3 min ago)" in details.times_label.text()


def test_each_link_opens_in_the_browser_with_one_click(
    window: MainWindow, make_alert: AlertFactory, browser: Browser, qtbot: QtBot
) -> None:
    alert = make_alert(
        1,
        url="https://prometheus.test/graph?g0.expr=up",
        links=(
            Link("Runbook & notes", "https://wiki.test/runbooks/disk"),
            Link("Local file", "file:///etc/passwd"),
            Link("Graph in Prometheus", "https://prometheus.test/graph?g0.expr=up"),
        ),
    )
    window.set_alerts([alert], NOW)
    buttons = window.details.link_buttons
    assert [b.text() for b in buttons] == ["Runbook && notes", "Graph in Prometheus"]
    assert buttons[0].toolTip() == "https://wiki.test/runbooks/disk"
    qtbot.mouseClick(buttons[0], Qt.MouseButton.LeftButton)
    assert browser.opened == ["https://wiki.test/runbooks/disk"]


def test_only_web_pages_are_opened(browser: Browser) -> None:
    assert not open_link("file:///etc/passwd")
    assert not open_link("javascript:alert(1)")
    assert open_link("https://wiki.test/x")
    assert browser.opened == ["https://wiki.test/x"]


def test_show_alert_brings_the_window_up_on_that_alert(
    window: MainWindow, make_alert: AlertFactory
) -> None:
    window.set_alerts([make_alert(1), make_alert(2, title="API slow")], NOW)
    window.tabs.setCurrentIndex(1)
    window.hide()
    assert window.show_alert("a2")
    assert window.isVisible() and window.tabs.currentIndex() == 0
    assert window.details.alert is not None and window.details.alert.id == "a2"
    assert not window.show_alert("gone")


def test_acknowledge_and_take_back_from_the_details_and_their_shortcuts(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    firing = make_alert(1)
    acked = make_alert(2, status=Status.ACKNOWLEDGED)
    window.set_alerts([firing, acked], NOW)
    details = window.details
    assert details.ack_button.isVisible() and not details.unack_button.isVisible()
    with qtbot.waitSignal(window.acknowledge_requested) as asked:
        qtbot.keyClick(window.alerts_table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert asked.args == ["a1"]

    assert window.alerts_table.select_alert("a2")
    assert details.unack_button.isVisible() and not details.ack_button.isVisible()
    with qtbot.waitSignal(window.unacknowledge_requested) as asked:
        qtbot.keyClick(window.alerts_table, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert asked.args == ["a2"]

    # Where the source cannot take it back, the action is not offered at all.
    details.why_no_unack = lambda alert: "PagerDuty cannot take back an acknowledgement"
    window.set_alerts([firing, acked], NOW)
    assert not details.unack_button.isVisible()
    with qtbot.assertNotEmitted(window.unacknowledge_requested):
        qtbot.keyClick(window.alerts_table, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)


def test_who_acknowledged_at_the_source_is_shown(
    window: MainWindow, make_alert: AlertFactory
) -> None:
    info = AckInfo("alex", "I'm on it", NOW + timedelta(hours=2))
    window.set_alerts([make_alert(1, status=Status.ACKNOWLEDGED, ack_info=info)], NOW)
    assert window.details.ack_label.text() == (
        "Acknowledged at the source by alex: “I'm on it”, silenced until 2026-03-04 05:12"
    )
    window.set_alerts([make_alert(1)], NOW)  # firing again: no longer anyone's
    assert not window.details.ack_label.isVisible()


def test_snooze_one_alert_from_its_details(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.set_alerts([make_alert(1)], NOW)
    details = window.details
    menu = details.snooze_menu
    assert [a.text() for a in menu.actions()] == ["15 minutes", "1 hour", "4 hours", "Other…"]
    with qtbot.waitSignal(window.snooze_requested) as asked:
        menu.actions()[1].trigger()
    assert asked.args == ["a1", 3600.0]
    monkeypatch.setattr(QInputDialog, "getInt", lambda *_: (90, True))
    with qtbot.waitSignal(window.snooze_requested) as asked:
        menu.actions()[3].trigger()
    assert asked.args == ["a1", 5400.0]

    window.set_alerts([make_alert(1)], NOW, {"a1": NOW + timedelta(hours=1)})
    assert details.snooze_label.text() == (
        "Snoozed until 2026-03-04 04:12: it alarms again by itself then."
    )
    with qtbot.waitSignal(window.end_snooze_requested) as ended:
        details.end_snooze_button.click()
    assert ended.args == ["a1"]


def test_acknowledge_with_a_comment_from_the_details(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window.set_alerts([make_alert(1)], NOW)
    assert window.details.comment_button.isVisible()
    monkeypatch.setattr(QInputDialog, "getText", lambda *_: (" restarting db1 ", True))
    with qtbot.waitSignal(window.comment_ack_requested) as asked:
        window.details.comment_button.click()
    assert asked.args == ["a1", "restarting db1"]
    acked = make_alert(1, status=Status.ACKNOWLEDGED, ack_info=AckInfo(comment="restarting db1"))
    window.set_alerts([acked], NOW)
    assert window.details.ack_label.text() == "Acknowledged: “restarting db1”"


def test_silence_is_offered_where_the_source_can(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    details = window.details
    window.set_alerts([make_alert(1)], NOW)
    assert not details.silence_button.isVisible()  # the default: no source to silence at
    details.why_no_silence = lambda alert: ""
    window.set_alerts([make_alert(1)], NOW)
    assert details.silence_button.isVisible()
    with qtbot.waitSignal(window.silence_requested) as asked:
        details.silence((3600.0, "db1 maintenance"))
    assert asked.args == ["a1", 3600.0, "db1 maintenance"]


def test_resolve_is_offered_where_it_can_be_and_says_when_it_is_on_its_way(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    details = window.details
    window.set_alerts([make_alert(1)], NOW)
    assert not details.resolve_button.isVisible()  # the default: nothing can resolve it
    details.why_no_resolve = lambda alert: ""
    window.set_alerts([make_alert(1)], NOW)
    assert details.resolve_button.isVisible()
    menu = window.row_menu(None)
    assert menu is not None and "Resolve…" in [a.text() for a in menu.actions()]
    with qtbot.waitSignal(window.resolve_requested) as asked:
        details.resolve("db2 took over")
    assert asked.args == ["a1", "db2 took over"]
    asking = make_alert(
        1, status=Status.ACKNOWLEDGED, ack_info=AckInfo(comment="db2 took over", resolve=True)
    )
    window.set_alerts([asking], NOW)
    assert details.ack_label.text() == "Resolving at the source: “db2 took over”"
    assert not details.resolve_button.isVisible()  # asked once already


def test_the_silence_dialog_gives_its_length_and_comment(qtbot: QtBot) -> None:
    dialog = SilenceDialog("Disk full")
    qtbot.addWidget(dialog)
    assert dialog.choice() == (3600.0, "")  # an hour unless changed
    dialog.length_combo.setCurrentIndex(2)
    dialog.comment_edit.setText("  swapping the disk ")
    assert dialog.choice() == (4 * 3600.0, "swapping the disk")


def test_escape_hides_the_window(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()


def test_a_rows_menu_offers_what_its_details_do(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    window.set_alerts(
        [
            make_alert(1, links=(Link("Runbook", "https://wiki.test/r"),)),
            make_alert(2, status=Status.ACKNOWLEDGED),
        ],
        NOW,
    )
    second = window.alerts_table.visualRect(window.shown_alerts.index_of("a2")).center()
    menu = window.row_menu(second)
    assert menu is not None and window.details.alert is not None
    assert window.details.alert.id == "a2"  # the row right-clicked is selected
    assert [a.text() for a in menu.actions() if a.text()] == ["Un-acknowledge", "Copy id"]

    assert window.alerts_table.select_alert("a1")
    menu = window.row_menu(None)  # Return or the Menu key: the selected row
    assert menu is not None
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts == ["Acknowledge", "With a comment…", "Snooze", "Open Runbook", "Copy id"]
    with qtbot.waitSignal(window.acknowledge_requested) as asked:
        next(a for a in menu.actions() if a.text() == "Acknowledge").trigger()
    assert asked.args == ["a1"]
    next(a for a in menu.actions() if a.text() == "Copy id").trigger()
    assert QApplication.clipboard().text() == "a1"


def test_tab_leaves_the_list_and_arrows_move_in_it(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    window.set_alerts([make_alert(1), make_alert(2)], NOW)
    table = window.alerts_table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert window.details.alert is not None and window.details.alert.id == "a2"
    assert not table.tabKeyNavigation()
