"""The table models: what each cell says, and that updates keep row identity."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from tests.ui.samples import NOW, AlertFactory

from shiftbell.core.alert import AckDelivery, Severity, Status
from shiftbell.ui.alert_model import (
    ALERT_ID_ROLE,
    AlertColumn,
    AlertTableModel,
    HistoryColumn,
    HistoryTableModel,
)
from shiftbell.ui.durations import format_age

HOSTILE_TITLE = '<b>x</b><img src="http://evil.example/p.png">'


def cell(
    model: AlertTableModel | HistoryTableModel, row: int, column: int, role: int = 0
) -> object:
    return model.data(model.index(row, column), Qt.ItemDataRole(role))


@pytest.fixture
def model(qapp: QApplication) -> AlertTableModel:
    return AlertTableModel(tz=UTC)


def test_columns_and_headers(model: AlertTableModel) -> None:
    headers = [
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for c in range(model.columnCount())
    ]
    assert headers == ["Severity", "Title", "Source", "Age", "Status", ""]


def test_rows_show_plain_text_for_each_column(
    model: AlertTableModel, make_alert: AlertFactory
) -> None:
    alerts = [
        make_alert(1, title="Disk full", age=timedelta(minutes=2)),
        make_alert(
            2,
            title="Latency",
            severity=Severity.WARNING,
            status=Status.ACKNOWLEDGED,
            age=timedelta(hours=3, minutes=5),
            source="",
        ),
    ]
    model.set_alerts(alerts, NOW)
    assert model.rowCount() == 2
    rows = [[cell(model, r, c) for c in range(AlertColumn.ACTION)] for r in range(2)]
    assert rows == [
        ["Critical", "Disk full", "Alertmanager prod", "2 min", "firing"],
        # No source name: the feed id stands in.
        ["Warning", "Latency", "test", "3 h 5 min", "acknowledged"],
    ]
    assert cell(model, 0, AlertColumn.ACTION) is None
    assert cell(model, 1, AlertColumn.TITLE, ALERT_ID_ROLE) == "a2"
    assert model.alert_at(1) is alerts[1]


def test_html_looking_title_is_shown_literally(
    model: AlertTableModel, make_alert: AlertFactory
) -> None:
    model.set_alerts([make_alert(1, title=HOSTILE_TITLE, summary="<script>alert(1)</script>")], NOW)
    assert cell(model, 0, AlertColumn.TITLE) == HOSTILE_TITLE
    tooltip = str(cell(model, 0, AlertColumn.TITLE, Qt.ItemDataRole.ToolTipRole))
    # The tooltip is our markup around escaped alert text: no tag of the alert survives.
    assert "<img" not in tooltip and "<script" not in tooltip and "<b>x" not in tooltip
    assert "&lt;b&gt;x&lt;/b&gt;&lt;img" in tooltip
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in tooltip


def test_tooltip_renders_to_the_original_characters(
    model: AlertTableModel, make_alert: AlertFactory
) -> None:
    from PySide6.QtGui import QTextDocument

    model.set_alerts([make_alert(1, title=HOSTILE_TITLE)], NOW)
    document = QTextDocument()
    document.setHtml(str(cell(model, 0, AlertColumn.TITLE, Qt.ItemDataRole.ToolTipRole)))
    assert HOSTILE_TITLE in document.toPlainText()


def test_multi_line_title_becomes_one_line(
    model: AlertTableModel, make_alert: AlertFactory
) -> None:
    model.set_alerts([make_alert(1, title="Disk full\n  on db1\t(var)")], NOW)
    assert cell(model, 0, AlertColumn.TITLE) == "Disk full on db1 (var)"


def test_severity_has_an_icon_and_acknowledged_rows_are_dimmed(
    model: AlertTableModel, make_alert: AlertFactory
) -> None:
    model.set_alerts([make_alert(1), make_alert(2, status=Status.ACKNOWLEDGED)], NOW)
    decoration = cell(model, 0, AlertColumn.SEVERITY, Qt.ItemDataRole.DecorationRole)
    assert isinstance(decoration, QIcon) and not decoration.isNull()
    assert cell(model, 0, AlertColumn.TITLE, Qt.ItemDataRole.ForegroundRole) is None
    assert cell(model, 1, AlertColumn.TITLE, Qt.ItemDataRole.ForegroundRole) is not None


@pytest.mark.parametrize(
    ("elapsed", "text"),
    [
        (timedelta(seconds=-5), "< 1 min"),
        (timedelta(seconds=59), "< 1 min"),
        (timedelta(minutes=2, seconds=59), "2 min"),
        (timedelta(hours=1), "1 h"),
        (timedelta(hours=3, minutes=5), "3 h 5 min"),
        (timedelta(days=2, hours=4, minutes=59), "2 d 4 h"),
        (timedelta(days=1), "1 d"),
    ],
)
def test_format_age(elapsed: timedelta, text: str) -> None:
    assert format_age(elapsed) == text


def test_refresh_ages_changes_only_the_age_column(
    model: AlertTableModel, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    model.set_alerts([make_alert(1), make_alert(2)], NOW)
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.refresh_ages(NOW + timedelta(minutes=10))
    top_left, bottom_right = blocker.args[0], blocker.args[1]
    assert (top_left.row(), top_left.column()) == (0, AlertColumn.AGE)
    assert (bottom_right.row(), bottom_right.column()) == (1, AlertColumn.AGE)
    assert cell(model, 0, AlertColumn.AGE) == "12 min"


def test_update_keeps_row_identity_through_moves_inserts_and_removals(
    model: AlertTableModel, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    a1, a2, a3 = make_alert(1), make_alert(2), make_alert(3)
    model.set_alerts([a1, a2, a3], NOW)
    tracked = QPersistentModelIndex(model.index(2, AlertColumn.TITLE))  # a3
    acked_a1 = make_alert(1, status=Status.ACKNOWLEDGED)
    a4 = make_alert(4)
    with qtbot.assertNotEmitted(model.modelReset):
        # a2 resolved, a4 new, a1 acknowledged and moved below the firing ones.
        model.set_alerts([a3, a4, acked_a1], NOW)
    assert [model.alert_at(r).id for r in range(model.rowCount())] == ["a3", "a4", "a1"]
    assert tracked.isValid() and tracked.row() == 0
    assert cell(model, 2, AlertColumn.STATUS) == "acknowledged"


def test_unchanged_alerts_emit_nothing(
    model: AlertTableModel, make_alert: AlertFactory, qtbot: QtBot
) -> None:
    alerts = [make_alert(1), make_alert(2)]
    model.set_alerts(alerts, NOW)
    with qtbot.assertNotEmitted(model.dataChanged), qtbot.assertNotEmitted(model.layoutChanged):
        model.set_alerts(list(alerts), NOW)


def test_duplicate_ids_show_once(model: AlertTableModel, make_alert: AlertFactory) -> None:
    model.set_alerts([make_alert(1), make_alert(1, title="again")], NOW)
    assert model.rowCount() == 1


def test_alert_at_out_of_range_says_so(model: AlertTableModel) -> None:
    with pytest.raises(IndexError, match="no row 3"):
        model.alert_at(3)


def test_model_passes_qt_model_tester(
    model: AlertTableModel, make_alert: AlertFactory, qtmodeltester: ModelTester
) -> None:
    model.set_alerts([make_alert(1), make_alert(2, status=Status.ACKNOWLEDGED)], NOW)
    qtmodeltester.check(model, force_py=True)
    model.set_alerts([make_alert(3), make_alert(2, status=Status.ACKNOWLEDGED)], NOW)
    qtmodeltester.check(model, force_py=True)


# -- history -------------------------------------------------------------------------------


def test_history_is_newest_first_and_leaves_out_firing_alerts(
    qapp: QApplication, make_alert: AlertFactory
) -> None:
    model = HistoryTableModel(tz=UTC)
    old = make_alert(1, title="old", status=Status.RESOLVED, age=timedelta(hours=5))
    recent_ack = make_alert(2, title="acked", status=Status.ACKNOWLEDGED, age=timedelta(hours=1))
    # Started long ago but resolved a minute ago: the latest event counts.
    late_resolved = make_alert(
        3,
        title="late",
        status=Status.RESOLVED,
        age=timedelta(days=1),
        resolved_at=NOW - timedelta(minutes=1),
    )
    firing = make_alert(4, title="firing")
    model.set_history([old, firing, recent_ack, late_resolved])
    assert [model.alert_at(r).title for r in range(model.rowCount())] == ["late", "acked", "old"]


def test_history_columns(qapp: QApplication, make_alert: AlertFactory) -> None:
    model = HistoryTableModel(tz=UTC)
    acked = make_alert(1, status=Status.ACKNOWLEDGED, age=timedelta(hours=1))
    model.set_history([acked], {"a1": "notification"})
    headers = [
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for c in range(model.columnCount())
    ]
    assert headers == [
        "Severity",
        "Title",
        "Source",
        "Started",
        "Acknowledged",
        "By",
        "To ack",
        "Resolved",
    ]
    assert [cell(model, 0, c) for c in range(model.columnCount())] == [
        "Critical",
        "Disk full on db1",
        "Alertmanager prod",
        "2026-03-04 02:12",
        "2026-03-04 02:12",
        "you, from a notification",
        "30 s",
        "—",
    ]
    assert cell(model, 0, HistoryColumn.RESOLVED, ALERT_ID_ROLE) == "a1"


@pytest.mark.parametrize(
    ("delivery", "text"),
    [
        (AckDelivery.NONE, "acknowledged"),
        (AckDelivery.LOCAL, "acknowledged"),
        (AckDelivery.SENDING, "acknowledged, sending"),
        (AckDelivery.CONFIRMED, "acknowledged at source"),
        (AckDelivery.FAILED, "acknowledged here only: source refused"),
    ],
)
def test_status_tells_whether_the_source_knows_of_the_acknowledgement(
    qtbot: QtBot, make_alert: AlertFactory, delivery: AckDelivery, text: str
) -> None:
    model = AlertTableModel()
    alert = make_alert(
        1,
        status=Status.ACKNOWLEDGED,
        ack_delivery=delivery,
        ack_error="403: <b>not allowed</b>" if delivery is AckDelivery.FAILED else "",
    )
    model.set_alerts([alert], NOW)
    assert model.data(model.index(0, AlertColumn.STATUS)) == text
    tooltip = model.data(model.index(0, AlertColumn.TITLE), Qt.ItemDataRole.ToolTipRole)
    if delivery is AckDelivery.FAILED:
        assert "source said: 403: &lt;b&gt;not allowed&lt;/b&gt;" in tooltip
