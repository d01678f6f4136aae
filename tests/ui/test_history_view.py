"""The History tab answers who acknowledged what, how and how fast; it filters by text and
time range and exports what it shows to CSV and Markdown, alert text kept inert."""

from __future__ import annotations

import csv
import io
from datetime import UTC, timedelta
from pathlib import Path

from pytestqt.qtbot import QtBot
from tests.ui.samples import NOW, AlertFactory

from shiftbell.core.alert import AckInfo, Status
from shiftbell.ui.history_text import acknowledged_how, to_markdown
from shiftbell.ui.history_view import HistoryView


def view(qtbot: QtBot) -> HistoryView:
    shown = HistoryView(tz=UTC, now=lambda: NOW)
    qtbot.addWidget(shown)
    return shown


def test_who_and_how(make_alert: AlertFactory) -> None:
    acked = make_alert(1, status=Status.ACKNOWLEDGED)
    assert acknowledged_how(acked, "window") == "you, in the window"
    assert acknowledged_how(acked, "prod-am") == "at the source (prod-am)"
    by_alex = make_alert(2, status=Status.ACKNOWLEDGED, ack_info=AckInfo("alex"))
    assert acknowledged_how(by_alex, "prod-am") == "alex, at the source"
    assert acknowledged_how(make_alert(3, status=Status.RESOLVED), "") == ""


def test_filter_time_range_and_export(
    qtbot: QtBot, make_alert: AlertFactory, tmp_path: Path
) -> None:
    history = view(qtbot)
    old = make_alert(1, title="Old disk", status=Status.RESOLVED, age=timedelta(days=3))
    hostile = make_alert(
        2,
        title='=HYPERLINK("x") | *bold* <b>',
        status=Status.ACKNOWLEDGED,
        age=timedelta(minutes=5),
    )
    history.set_history([old, hostile], {"a2": "tray"})
    assert [a.id for a in history.shown.shown()] == ["a2", "a1"]
    history.range_combo.setCurrentIndex(0)  # last 24 hours
    assert [a.id for a in history.shown.shown()] == ["a2"]
    history.range_combo.setCurrentIndex(3)
    history.filter_edit.setText("disk")
    assert [a.id for a in history.shown.shown()] == ["a1"]
    history.filter_edit.clear()

    saved = history.export(tmp_path / "history.csv")
    assert saved is not None and "Saved 2 alerts" in history.export_result.text()
    rows = list(csv.reader(io.StringIO(saved.read_text(encoding="utf-8"))))
    assert rows[0][:6] == ["Severity", "Title", "Source", "Started", "Acknowledged", "By"]
    assert rows[1][1] == '\'=HYPERLINK("x") | *bold* <b>'  # not a formula to a spreadsheet
    assert rows[1][5:7] == ["you, from the tray", "30 s"]

    markdown = history.export(tmp_path / "history.md")
    assert markdown is not None
    text = markdown.read_text(encoding="utf-8")
    assert text.splitlines()[0].startswith("| Severity | Title |")
    assert '=HYPERLINK("x") \\| \\*bold\\* \\<b\\>' in text

    assert history.export(tmp_path) is None  # a folder: cannot be written
    assert history.export_result.text().startswith("Not saved: ")


def test_markdown_keeps_one_row_per_alert() -> None:
    table = to_markdown([["critical", "two\nlines", "", "", "", "", "", "", "a1"]])
    assert table.splitlines()[2] == "| critical | two lines |  |  |  |  |  |  | a1 |"
