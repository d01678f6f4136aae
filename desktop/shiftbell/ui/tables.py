"""The look every list of Shiftbell's shares: whole rows selected one at a time, read-only,
alternating colours, no grid, one line a row with long text elided, headers on the left."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, Qt
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget


def style_rows(
    table: QTableView, name: str, elide: Qt.TextElideMode = Qt.TextElideMode.ElideRight
) -> QTableView:
    table.setObjectName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTextElideMode(elide)
    table.verticalHeader().hide()
    heads = table.horizontalHeader()
    heads.setHighlightSections(False)
    heads.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return table


def table_view(model: QAbstractItemModel, name: str, parent: QWidget) -> QTableView:
    """A QTableView of `model` with the common look."""
    table = QTableView(parent)
    table.setModel(model)
    return style_rows(table, name)
