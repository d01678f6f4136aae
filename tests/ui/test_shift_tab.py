"""The Shift tab on a real alert database: the report of the shift, notes kept and shown in
it, Markdown on the clipboard; a fake clock decides where the shift is."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from shiftbell.core.alert import Incoming, Severity
from shiftbell.core.clock import FakeClock
from shiftbell.core.schedule import OnCallSchedule, Shift
from shiftbell.runtime.desk import AlertDesk
from shiftbell.store.alert_store import AlertStore
from shiftbell.ui.shift_page import ShiftPage
from shiftbell.ui.shift_tab import ShiftTab

START = datetime(2026, 3, 2, 18, tzinfo=UTC)
SCHEDULE = OnCallSchedule([Shift(START, START + timedelta(hours=12), "rota", "Primary")])


def test_the_shift_report_with_notes_and_the_markdown_for_the_chat(
    qtbot: QtBot, tmp_path: Path
) -> None:
    clock = FakeClock(START + timedelta(hours=1))
    store = AlertStore.open(tmp_path / "alerts.db")
    desk = AlertDesk(clock, store)
    db = desk.ingest("local", [Incoming("db", "DB <i>down</i>", Severity.CRITICAL)]).new[0]
    clock.advance(90)
    desk.acknowledge(db.id, "tray")
    desk.ingest("local", [Incoming("api", "API 5xx", Severity.CRITICAL)])
    page = ShiftPage(tz=UTC)
    qtbot.addWidget(page)
    tab = ShiftTab(page, desk, clock, UTC, lambda: SCHEDULE)
    tab.refresh()

    text = page.view.toPlainText()
    assert "Hand-over: Mon 02 Mar 18:00 to 19:01 (UTC) (Primary)" in text
    assert "DB <i>down</i>" in text  # shown as the text it is
    assert "2 alerts fired · 1 acknowledged · 2 still open" in text
    assert [page.alert_choice.itemText(i) for i in range(page.alert_choice.count())] == [
        "DB <i>down</i>",
        "API 5xx",
    ]

    page.alert_choice.setCurrentIndex(1)
    page.alert_note.setText("API team paged")
    page.note_button.click()
    page.shift_note.setPlainText("Quiet night.")
    qtbot.waitUntil(lambda: "Quiet night." in page.view.toPlainText(), timeout=3000)
    assert "API team paged" in page.view.toPlainText()
    # Kept in the database: a new tab (after a restart) shows them.
    again = ShiftPage(tz=UTC)
    qtbot.addWidget(again)
    ShiftTab(again, desk, clock, UTC, lambda: SCHEDULE).refresh()
    assert again.shift_note.toPlainText() == "Quiet night."

    page.copy_markdown()
    pasted = QGuiApplication.clipboard().text()
    assert pasted.startswith("## Hand-over:")
    assert "DB \\<i\\>down\\</i\\>" in pasted and "from the tray" in pasted
    assert "- API 5xx: API team paged" in pasted
    store.close()
