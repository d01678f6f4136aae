"""Filtering a list of alert rows by the filter box (ui/alert_query.py), as History does, and
what each column of the alert list sorts by (ui/alert_tree.py)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QSortFilterProxyModel

from shiftbell.core.alert import Alert
from shiftbell.ui.alert_model import AlertColumn, AlertRows, source_text, status_text
from shiftbell.ui.alert_query import AlertQuery

ModelIndex = QModelIndex | QPersistentModelIndex


class AlertFilter(QSortFilterProxyModel):
    """Over a model of alert rows (`alert_at`, `row_of`): `set_query(text)` filters."""

    def __init__(self, source: AlertRows, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._alerts = source
        self._query = AlertQuery()
        self.setSourceModel(source)
        self.setDynamicSortFilter(True)

    @property
    def query(self) -> AlertQuery:
        return self._query

    def set_query(self, text: str) -> None:
        query = AlertQuery.parse(text)
        if query != self._query:
            self.beginFilterChange()
            self._query = query
            self.endFilterChange()

    def alert_at(self, row: int) -> Alert:
        """The alert shown in this row of the view."""
        return self._alerts.alert_at(self.mapToSource(self.index(row, 0)).row())

    def shown(self) -> list[Alert]:
        return [self.alert_at(row) for row in range(self.rowCount())]

    def row_of(self, alert_id: str) -> int | None:
        """The view row of an alert; None when it is filtered out or gone."""
        source_row = self._alerts.row_of(alert_id)
        if source_row is None:
            return None
        shown = self.mapFromSource(self._alerts.index(source_row, 0))
        return shown.row() if shown.isValid() else None

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:
        return self.accepts(self._alerts.alert_at(source_row))

    def accepts(self, alert: Alert) -> bool:
        return self._query.matches(alert)


def sort_key(alert: Alert, column: AlertColumn) -> Any:
    """What a column sorts by: severity by rank (then the oldest first), age by start."""
    match column:
        case AlertColumn.SEVERITY:
            return (alert.severity.rank, -alert.started_at.timestamp())
        case AlertColumn.TITLE:
            return alert.title.casefold()
        case AlertColumn.SOURCE:
            return source_text(alert).casefold()
        case AlertColumn.AGE:
            return -alert.started_at.timestamp()
        case AlertColumn.STATUS:
            return status_text(alert)
        case _:
            return alert.status.value
