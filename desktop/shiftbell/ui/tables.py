"""The look every list of Shiftbell's shares: whole rows selected one at a time, read-only,
alternating colours, no grid, one line a row with long text elided, headers on the left."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QTreeView,
    QWidget,
)


def style_rows(
    view: QTableView | QTreeView, name: str, elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight
) -> QTableView | QTreeView:
    view.setObjectName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(elide)
    if isinstance(view, QTableView):
        view.setShowGrid(False)
        view.verticalHeader().hide()
        heads = view.horizontalHeader()
    else:
        heads = view.header()
    heads.setHighlightSections(False)
    heads.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return view


def table_view(model: QAbstractItemModel, name: str, parent: QWidget) -> QTableView:
    """A QTableView of `model` with the common look."""
    table = QTableView(parent)
    table.setModel(model)
    style_rows(table, name)
    return table


def named_rows_table(columns: Sequence[str], name: str, parent: QWidget) -> QTableWidget:
    """A table of named entries (schedules, phones): the common look, columns stretched."""
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(list(columns))
    style_rows(table, name)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
    return table


def fill_rows(table: QTableWidget, rows: Iterable[Sequence[str]]) -> None:
    """Replace the table's rows by `rows`, one text a cell."""
    table.setRowCount(0)
    for cells in rows:
        row = table.rowCount()
        table.insertRow(row)
        for column, text in enumerate(cells):
            table.setItem(row, column, QTableWidgetItem(text))


def selected_first_cell(table: QTableWidget) -> str | None:
    """The first cell's text of the selected row (a name), or None."""
    rows = table.selectionModel().selectedRows()
    if not rows:
        return None
    item = table.item(rows[0].row(), 0)
    return item.text() if item is not None else None
