"""The alert list grouped under headings that fold, and its label columns, in the real
window: the rows, the buttons and the keys a person uses."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot
from tests.ui.samples import NOW, AlertFactory

from shiftbell.core.alert import Alert, Severity, Status
from shiftbell.store.list_view_store import ListView, ListViewStore
from shiftbell.ui.alert_groups import Grouping
from shiftbell.ui.alert_model import AlertColumn
from shiftbell.ui.alert_tree import FIXED_COLUMNS
from shiftbell.ui.window import MainWindow


@pytest.fixture
def window(main_window: MainWindow) -> MainWindow:
    return main_window


def on_host(
    make_alert: AlertFactory, n: int, host: str, *, label: str = "instance", **fields: object
) -> Alert:
    return make_alert(n, title=f"Alert {n}", labels=((label, host), ("team", f"t{n}")), **fields)


def rows(window: MainWindow) -> list[str]:
    """The list as a person reads it: headings, and under an open heading its alerts."""
    tree, view = window.shown_alerts, window.alerts_table
    seen: list[str] = []
    for row in range(tree.rowCount()):
        top = tree.index(row, 0)
        group = tree.group_of(top)
        if group is None:
            alert = tree.alert_of(top)
            assert alert is not None
            seen.append(alert.id)
            continue
        seen.append(str(tree.data(top)))
        if view.isExpanded(top):
            for child in range(tree.rowCount(top)):
                alert = tree.alert_of(tree.index(child, 0, top))
                assert alert is not None
                seen.append(f"  {alert.id}")
    return seen


def group_index(window: MainWindow, name: str) -> QModelIndex:
    index = window.shown_alerts.index_of_group(name)
    assert index.isValid(), f"no group {name}"
    return index


def test_grouping_by_host_puts_each_machine_under_a_heading_with_counts(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    alerts = [
        on_host(make_alert, 1, "db1:9100"),
        on_host(make_alert, 2, "web1:9100", severity=Severity.WARNING),
        on_host(make_alert, 3, "db1", label="host"),  # Zabbix and Icinga name it host
        on_host(make_alert, 4, "web1:9187", status=Status.ACKNOWLEDGED),
        make_alert(5, title="No host at all"),
    ]
    window.set_alerts(alerts, NOW)
    assert window.grouping_box.currentText() == "No grouping"
    assert rows(window) == ["a1", "a2", "a3", "a4", "a5"]

    window.grouping_box.setCurrentIndex(window.grouping_box.findData(Grouping.HOST.value))
    window.grouping_box.activated.emit(window.grouping_box.currentIndex())
    assert rows(window) == [
        "db1 — 2 alerts, 2 firing",
        "  a1",
        "  a3",
        "web1 — 2 alerts, 1 firing",
        "  a2",
        "  a4",
        "(no host) — 1 alert, 1 firing",
        "  a5",
    ]
    # The heading spans the row, and every firing alert keeps its Acknowledge button.
    assert window.alerts_table.isFirstColumnSpanned(0, QModelIndex())
    for alert_id in ("a1", "a2", "a3", "a5"):
        button = window.findChild(QPushButton, f"ack-{alert_id}")
        assert button is not None
        qtbot.waitUntil(button.isVisible)
    assert window.findChild(QPushButton, "ack-a4") is None
    # Still the most urgent alert is shown in the details, not a heading.
    assert window.details.alert is not None and window.details.alert.id == "a1"


def test_a_folded_group_opens_by_itself_when_something_new_fires_in_it(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    one = on_host(make_alert, 1, "db1")
    other = on_host(make_alert, 2, "web1")
    window.set_alerts([one, other], NOW)
    window.alerts_table.set_grouping(Grouping.HOST)
    db1 = group_index(window, "db1")
    window.alerts_table.collapse(db1)
    assert rows(window) == ["db1 — 1 alert, 1 firing", "web1 — 1 alert, 1 firing", "  a2"]

    # Updates that bring nothing new keep it folded, also when an alert in it is acknowledged.
    window.set_alerts([one, other], NOW)
    window.set_alerts([other, on_host(make_alert, 1, "db1", status=Status.ACKNOWLEDGED)], NOW)
    assert not window.alerts_table.isExpanded(group_index(window, "db1"))
    assert rows(window)[0] == "web1 — 1 alert, 1 firing"

    # A new page on db1 must be seen: the group opens again.
    window.set_alerts([one, other, on_host(make_alert, 3, "db1")], NOW)
    assert window.alerts_table.isExpanded(group_index(window, "db1"))
    assert rows(window)[:3] == ["db1 — 2 alerts, 2 firing", "  a1", "  a3"]

    # So does one that was acknowledged here and fires again.
    window.alerts_table.collapse(group_index(window, "db1"))
    window.set_alerts([other, on_host(make_alert, 1, "db1", status=Status.ACKNOWLEDGED)], NOW)
    assert not window.alerts_table.isExpanded(group_index(window, "db1"))
    window.set_alerts([one, other], NOW)
    assert window.alerts_table.isExpanded(group_index(window, "db1"))


def test_headings_fold_from_the_keyboard_and_selection_follows_the_alert(
    window: MainWindow, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    alerts = [on_host(make_alert, 1, "db1"), on_host(make_alert, 2, "web1")]
    window.set_alerts(alerts, NOW)
    assert window.alerts_table.select_alert("a2")
    window.alerts_table.set_grouping(Grouping.HOST)
    # Regrouping keeps the person's alert selected.
    assert window.details.alert is not None and window.details.alert.id == "a2"

    table = window.alerts_table
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Up)  # onto web1's heading
    assert table.selected_group() == "web1"
    assert window.details.alert is None  # a heading is no alert
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert not table.isExpanded(group_index(window, "web1"))
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert table.isExpanded(group_index(window, "web1"))
    qtbot.keyClick(table, Qt.Key.Key_Left)
    assert not table.isExpanded(group_index(window, "web1"))

    # A notification's click finds its alert inside a folded group.
    assert window.show_alert("a2")
    assert table.isExpanded(group_index(window, "web1"))
    assert window.details.alert is not None and window.details.alert.id == "a2"

    # Back to the plain list: every alert, in the board's order.
    table.set_grouping(Grouping.NONE)
    assert rows(window) == ["a1", "a2"]
    assert window.details.alert is not None and window.details.alert.id == "a2"


def test_group_by_source_and_by_alert_name(window: MainWindow, make_alert: AlertFactory) -> None:
    window.set_alerts(
        [
            make_alert(1, labels=(("alertname", "DiskFull"),)),
            make_alert(2, source="Zabbix", title="Disk  full\non db2"),
            make_alert(3, labels=(("alertname", "DiskFull"),), source="Alertmanager eu"),
        ],
        NOW,
    )
    header_menu = window.alerts_table.arrangement_menu()
    by_source = header_menu.findChild(QAction, "group-source")
    assert by_source is not None
    by_source.trigger()
    assert window.shown_alerts.group_names() == ["Alertmanager prod", "Zabbix", "Alertmanager eu"]
    assert window.grouping_box.currentText() == "By source"  # the two stay in step
    window.alerts_table.set_grouping(Grouping.NAME)
    assert window.shown_alerts.group_names() == ["DiskFull", "Disk full on db2"]
    assert [a.id for a in window.shown_alerts.group_alerts("DiskFull")] == ["a1", "a3"]


def test_a_sorted_and_filtered_list_groups_what_is_shown(
    window: MainWindow, make_alert: AlertFactory
) -> None:
    window.set_alerts(
        [
            on_host(make_alert, 1, "db1", severity=Severity.INFO),
            on_host(make_alert, 2, "web1"),
            on_host(make_alert, 3, "db1"),
        ],
        NOW,
    )
    window.alerts_table.set_grouping(Grouping.HOST)
    window.alerts_table.sortByColumn(AlertColumn.SEVERITY, Qt.SortOrder.DescendingOrder)
    # The group holding the most severe alert comes first; inside, the most severe first.
    assert rows(window) == [
        "web1 — 1 alert, 1 firing",
        "  a2",
        "db1 — 2 alerts, 2 firing",
        "  a3",
        "  a1",
    ]
    window.filter_edit.setText("team=t3")
    assert rows(window) == ["db1 — 1 alert, 1 firing", "  a3"]


def test_label_columns_show_sort_and_go(window: MainWindow, make_alert: AlertFactory) -> None:
    window.set_alerts(
        [on_host(make_alert, 1, "web1:9100"), on_host(make_alert, 2, "db1:9100")], NOW
    )
    changes: list[tuple[str, list[str]]] = []
    window.alerts_table.arrangement_changed.connect(lambda g, c: changes.append((g, c)))
    menu = window.alerts_table.arrangement_menu()
    offered = {a.objectName() for a in menu.findChildren(QAction)}
    assert {"label-column-instance", "label-column-team", "group-host"} <= offered
    instance = menu.findChild(QAction, "label-column-instance")
    assert instance is not None and not instance.isChecked()
    instance.trigger()

    tree, heads = window.shown_alerts, window.alerts_table.header()
    assert tree.columnCount() == FIXED_COLUMNS + 1
    assert tree.headerData(FIXED_COLUMNS, Qt.Orientation.Horizontal) == "instance"
    assert tree.data(tree.index_of("a1", FIXED_COLUMNS)) == "web1:9100"
    # Placed before the Acknowledge buttons, which stay at the row's end.
    assert heads.visualIndex(FIXED_COLUMNS) < heads.visualIndex(AlertColumn.ACTION)
    window.alerts_table.sortByColumn(FIXED_COLUMNS, Qt.SortOrder.AscendingOrder)
    assert [a.id for a in tree.shown()] == ["a2", "a1"]

    on_its_header = window.alerts_table.arrangement_menu(FIXED_COLUMNS)
    remove = on_its_header.findChild(QAction, "remove-label-column")
    assert remove is not None
    remove.trigger()
    assert tree.columnCount() == FIXED_COLUMNS
    assert [a.id for a in tree.shown()] == ["a1", "a2"]  # the board's order again
    assert changes == [("none", ["instance"]), ("none", [])]


def test_the_arrangement_is_kept_for_the_next_start(tmp_path: Path) -> None:
    store = ListViewStore(tmp_path)
    assert store.load() == ListView()
    store.save(ListView("host", ("instance", "team")))
    assert store.load() == ListView("host", ("instance", "team"))
    store.path.write_bytes(b"\xff{not json")
    assert store.load() == ListView()  # unreadable: the plain list, which hides nothing


def test_a_kept_grouping_this_version_does_not_know_is_no_grouping(window: MainWindow) -> None:
    window.alerts_table.arrange("by-planet", ["instance"])
    assert window.shown_alerts.grouping is Grouping.NONE
    assert window.shown_alerts.label_columns == ("instance",)
    window.alerts_table.arrange("host", [])
    assert window.grouping_box.currentData() == "host"
