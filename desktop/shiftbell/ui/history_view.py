"""The History tab: acknowledged and resolved alerts, newest first, with who acknowledged
each and how, and how long that took; a filter box (as on the Alerts tab), a time range,
and Export… to CSV or Markdown (ui/history_text.py) of what is shown."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta, tzinfo
from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from shiftbell.core.alert import Alert
from shiftbell.ui.alert_model import HistoryColumn, HistoryTableModel
from shiftbell.ui.alert_sorting import AlertFilter
from shiftbell.ui.form_widgets import ERROR_STYLE, NOTE_STYLE, plain_label
from shiftbell.ui.history_text import history_rows, to_csv, to_markdown
from shiftbell.ui.tables import table_view
from shiftbell.ui.window_parts import empty_panel, stack_of

log = logging.getLogger(__name__)

EMPTY_HISTORY_TEXT = "Nothing acknowledged or resolved yet."
# (label, how far back; None: everything kept)
RANGES: tuple[tuple[str, timedelta | None], ...] = (
    ("Last 24 hours", timedelta(hours=24)),
    ("Last 7 days", timedelta(days=7)),
    ("Last 30 days", timedelta(days=30)),
    ("All", None),
)


class HistoryFilter(AlertFilter):
    """The history's rows that match the filter box and fall in the chosen time range."""

    def __init__(self, source: HistoryTableModel, parent: QObject | None = None) -> None:
        super().__init__(source, parent)
        self._since: datetime | None = None

    def set_since(self, since: datetime | None) -> None:
        if since != self._since:
            self.beginFilterChange()
            self._since = since
            self.endFilterChange()

    def accepts(self, alert: Alert) -> bool:
        last = alert.resolved_at or alert.acknowledged_at or alert.started_at
        return (self._since is None or last >= self._since) and super().accepts(alert)


class HistoryView(QWidget):
    """Attributes: model, shown (the filtered rows), table, filter_edit, range_combo,
    export_button, export_result (what became of the last export), empty_label. `now` is
    where the time range counts back from."""

    def __init__(
        self,
        parent: QWidget | None = None,
        tz: tzinfo | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(parent)
        self._tz = tz
        self._now = now or (lambda: datetime.now().astimezone())
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 6, 0, 0)
        column.setSpacing(6)
        tools = QHBoxLayout()
        self.filter_edit = QLineEdit(self)
        self.filter_edit.setObjectName("history-filter")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setPlaceholderText("Filter: words, or label=value")
        self.range_combo = QComboBox(self)
        self.range_combo.setObjectName("history-range")
        for label, _ in RANGES:
            self.range_combo.addItem(label)
        self.range_combo.setCurrentIndex(len(RANGES) - 1)
        self.export_button = QPushButton("Export…", self)
        self.export_button.setObjectName("history-export")
        self.export_button.setAutoDefault(False)
        self.export_button.setToolTip("Save what is shown as CSV or Markdown")
        self.export_button.clicked.connect(lambda _=False: self.export())
        tools.addWidget(self.filter_edit, 1)
        tools.addWidget(self.range_combo)
        tools.addWidget(self.export_button)
        column.addLayout(tools)
        self.export_result = plain_label("", self)
        self.export_result.setObjectName("history-export-result")
        self.export_result.hide()
        column.addWidget(self.export_result)

        self.model = HistoryTableModel(self, tz=tz)
        self.shown = HistoryFilter(self.model, self)
        self.table = table_view(self.shown, "history-table", self)
        heads = self.table.horizontalHeader()
        heads.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        heads.setSectionResizeMode(HistoryColumn.TITLE, QHeaderView.ResizeMode.Stretch)
        self.empty_label = plain_label(EMPTY_HISTORY_TEXT)
        self.empty_label.setObjectName("empty-history")
        self._empty = empty_panel(self, self.empty_label)
        self._stack = stack_of(self, self._empty, self.table)
        column.addWidget(self._stack, 1)
        self.filter_edit.textChanged.connect(self._arranged)
        self.range_combo.currentIndexChanged.connect(lambda _: self._arranged())
        self._arranged()

    def set_history(self, alerts: Sequence[Alert], vias: Mapping[str, str] | None = None) -> None:
        self.model.set_history(alerts, vias)
        self._arranged()

    def _arranged(self) -> None:
        self.shown.set_query(self.filter_edit.text())
        back = RANGES[self.range_combo.currentIndex()][1]
        self.shown.set_since(self._now() - back if back is not None else None)
        self._stack.setCurrentWidget(self.table if self.model.rowCount() else self._empty)
        self.export_button.setEnabled(self.shown.rowCount() > 0)

    def export_text(self, markdown: bool) -> str:
        """What is shown, as CSV or as a Markdown table."""
        shown = self.shown.shown()
        rows = history_rows(shown, {a.id: self.model.via(a.id) for a in shown}, self._tz)
        return to_markdown(rows) if markdown else to_csv(rows)

    def export(self, path: Path | None = None) -> Path | None:
        """Save what is shown; without `path`, ask where (a .md name means Markdown)."""
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Export the history",
                str(Path.home() / "shiftbell-history.csv"),
                "CSV (*.csv);;Markdown (*.md)",
            )
            if not chosen:
                return None
            path = Path(chosen)
        text = self.export_text(markdown=path.suffix.lower() in (".md", ".markdown"))
        try:
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            log.error("cannot export the history to %s: %s", path, exc)
            self._said(f"Not saved: {exc}", ERROR_STYLE)
            return None
        log.info("history exported to %s", path)
        self._said(f"Saved {self.shown.rowCount()} alerts to {path}.", NOTE_STYLE)
        return path

    def _said(self, text: str, style: str) -> None:
        self.export_result.setStyleSheet(style)
        self.export_result.setText(text)
        self.export_result.show()
