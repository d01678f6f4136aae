"""The active alerts as the list shows them: filtered by the filter box, sorted by a clicked
column, grouped under headings that fold (by source, alert name or host,
ui/alert_groups.py), with a column for each label the person asks to see.

It is rebuilt from the table model (ui/alert_model.py) once per update rather than row by
row: a rebuild of 1,000 alerts takes milliseconds, and a rebuild that changes the shape is
reported as a layout change whose persistent indexes are carried over by alert id and
group name, so the selection, the folded groups and the rows' Acknowledge buttons stay
with their alerts. Unsorted, it keeps the board's order (firing first, most severe first);
ties keep that order too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont, QGuiApplication, QPalette

from shiftbell.core.alert import Alert
from shiftbell.ui.alert_groups import Group, Grouping, arrange, heading, worst_firing
from shiftbell.ui.alert_model import AlertColumn, AlertTableModel, display_text
from shiftbell.ui.alert_query import AlertQuery
from shiftbell.ui.alert_sorting import sort_key
from shiftbell.ui.icons import severity_icon

ModelIndex = QModelIndex | QPersistentModelIndex

FIXED_COLUMNS = len(AlertColumn)
# A label column shows what the alert's SOURCE cell would for these roles (dimmed when
# acknowledged, the details tooltip); it has no icon or bold of its own.
_AS_SOURCE_COLUMN = AlertColumn.SOURCE
_TOP = 0  # internal id of a top-level row; a group's alerts carry their group's row + 1


class AlertTree(QAbstractItemModel):
    """The rows of the alert list over `source`. See the module docstring.

    Flat (no grouping) the rows are the alerts; grouped, the top rows are the groups and
    their children the alerts. A rebuild that changes the shape is a layout change; one that
    keeps it emits `kept_shape` once, after the rows' dataChanged.
    """

    kept_shape = Signal()

    def __init__(self, source: AlertTableModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source = source
        self._query = AlertQuery()
        self._grouping = Grouping.NONE
        self._label_columns: tuple[str, ...] = ()
        self._sort_column = -1
        self._descending = False
        self._alerts: dict[str, Alert] = {}
        self._flat: list[str] = []  # the shown alerts' ids, in the list's order
        self._groups: list[Group] = []
        self._grouped = False
        self._revision = -1  # the source's column_revision last repainted in full
        self._group_rows: dict[str, int] = {}
        self._places: dict[str, tuple[int, int]] = {}  # id -> (group row or -1, row)
        # Tall enough for a row's Acknowledge button; the view sets it (0: Qt's own).
        self.row_height = 0
        source.changed.connect(self.rebuild)
        source.dataChanged.connect(self._source_data_changed)

    # -- what the window sets ----------------------------------------------------------------

    @property
    def query(self) -> AlertQuery:
        return self._query

    def set_query(self, text: str) -> None:
        query = AlertQuery.parse(text)
        if query != self._query:
            self._query = query
            self.rebuild()

    @property
    def grouping(self) -> Grouping:
        return self._grouping

    def set_grouping(self, grouping: Grouping) -> None:
        if grouping is not self._grouping:
            self._grouping = grouping
            self.rebuild()

    @property
    def label_columns(self) -> tuple[str, ...]:
        return self._label_columns

    def set_label_columns(self, names: Sequence[str]) -> None:
        """Show a column for each of these labels, after the fixed ones."""
        wanted = tuple(dict.fromkeys(n.strip() for n in names if n.strip()))
        if wanted == self._label_columns:
            return
        if self._label_columns:
            last = FIXED_COLUMNS + len(self._label_columns) - 1
            self.beginRemoveColumns(QModelIndex(), FIXED_COLUMNS, last)
            self._label_columns = ()
            self.endRemoveColumns()
        if wanted:
            last = FIXED_COLUMNS + len(wanted) - 1
            self.beginInsertColumns(QModelIndex(), FIXED_COLUMNS, last)
            self._label_columns = wanted
            self.endInsertColumns()
        if self._sort_column >= self.columnCount():
            self._sort_column = -1
            self.rebuild()

    @property
    def sort_column(self) -> int:
        return self._sort_column

    # -- what the window reads ---------------------------------------------------------------

    def alert_of(self, index: ModelIndex) -> Alert | None:
        """The alert of a row; None for a group's heading or an invalid index."""
        alert_id = self._id_at(index)
        return self._alerts.get(alert_id) if alert_id is not None else None

    def group_of(self, index: ModelIndex) -> str | None:
        """The group name of a heading row; None for an alert's row."""
        if not index.isValid() or not self.is_grouped or index.internalId() != _TOP:
            return None
        return self._groups[index.row()].name

    def index_of(self, alert_id: str, column: int = 0) -> QModelIndex:
        """Where the alert stands; invalid when the filter hides it or it is gone."""
        place = self._places.get(alert_id)
        if place is None:
            return QModelIndex()
        group_row, row = place
        return self.createIndex(row, column, _TOP if group_row < 0 else group_row + 1)

    def index_of_group(self, name: str) -> QModelIndex:
        row = self._group_rows.get(name)
        return QModelIndex() if row is None else self.createIndex(row, 0, _TOP)

    def shown(self) -> list[Alert]:
        """Every alert the filter lets through, in the list's order (folded ones too)."""
        return [self._alerts[i] for i in self._flat]

    def group_names(self) -> list[str]:
        return [g.name for g in self._groups]

    def group_alerts(self, name: str) -> list[Alert]:
        row = self._group_rows.get(name)
        return [] if row is None else [self._alerts[i] for i in self._groups[row].alert_ids]

    @property
    def is_grouped(self) -> bool:
        """Whether the rows as they stand are grouped (a new grouping counts once rebuilt)."""
        return self._grouped

    def label_names(self) -> list[str]:
        """The labels the active alerts carry, the most common first (for the column menu)."""
        counts = Counter(name for alert in self._source.alerts() for name, _ in alert.labels)
        return [name for name, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]

    # -- Qt model interface ------------------------------------------------------------------

    def index(self, row: int, column: int, parent: ModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if not self.hasIndex(row, column, parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, column, _TOP)
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: ModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == _TOP:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, _TOP)

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups) if self.is_grouped else len(self._flat)
        if self.is_grouped and parent.internalId() == _TOP and parent.column() == 0:
            return len(self._groups[parent.row()].alert_ids)
        return 0

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return FIXED_COLUMNS + len(self._label_columns)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if section >= FIXED_COLUMNS and orientation is Qt.Orientation.Horizontal:
            name = self._label_columns[section - FIXED_COLUMNS]
            if role == Qt.ItemDataRole.DisplayRole:
                return name
            if role == Qt.ItemDataRole.ToolTipRole:
                return f"The label {name} (right-click the header to remove the column)"
            return None
        return self._source.headerData(section, orientation, role)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.SizeHintRole:
            return QSize(0, self.row_height) if self.row_height else None
        group = self.group_of(index)
        if group is not None:
            return self._heading_data(group, index.column(), role)
        alert = self.alert_of(index)
        if alert is None:
            return None
        column = index.column()
        if column < FIXED_COLUMNS:
            return self._source.cell(alert, AlertColumn(column), role)
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(
                dict(alert.labels).get(self._label_columns[column - FIXED_COLUMNS], "")
            )
        return self._source.cell(alert, _AS_SOURCE_COLUMN, role)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._sort_column = column if 0 <= column < self.columnCount() else -1
        self._descending = order is Qt.SortOrder.DescendingOrder
        self.rebuild()

    # -- internals ---------------------------------------------------------------------------

    def _id_at(self, index: ModelIndex) -> str | None:
        if not index.isValid():
            return None
        if not self.is_grouped:
            return self._flat[index.row()] if index.row() < len(self._flat) else None
        if index.internalId() == _TOP:
            return None
        ids = self._groups[index.internalId() - 1].alert_ids
        return ids[index.row()] if index.row() < len(ids) else None

    def _heading_data(self, name: str, column: int, role: int) -> Any:
        if column != 0:
            return None
        alerts = self.group_alerts(name)
        worst = worst_firing(alerts)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return heading(name, alerts)
        if role == Qt.ItemDataRole.DecorationRole and worst is not None:
            return severity_icon(worst)
        if role == Qt.ItemDataRole.FontRole:
            font = QFont()
            font.setBold(worst is not None)
            return font
        if role == Qt.ItemDataRole.ForegroundRole and worst is None:
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        return None

    def _sorted(self, alerts: list[Alert]) -> list[Alert]:
        column = self._sort_column
        if column < 0:
            return alerts
        if column < FIXED_COLUMNS:
            by = AlertColumn(column)
            return sorted(alerts, key=lambda a: sort_key(a, by), reverse=self._descending)
        name = self._label_columns[column - FIXED_COLUMNS]
        return sorted(
            alerts,
            key=lambda a: dict(a.labels).get(name, "").casefold(),
            reverse=self._descending,
        )

    def rebuild(self) -> None:
        """Filter, sort and group the table model's alerts again."""
        shown = self._sorted([a for a in self._source.alerts() if self._query.matches(a)])
        flat = [a.id for a in shown]
        grouped = self._grouping is not Grouping.NONE
        groups = arrange(shown, self._grouping) if grouped else []
        before_alerts, self._alerts = self._alerts, {a.id: a for a in shown}
        if flat == self._flat and groups == self._groups and grouped == self._grouped:
            if self._source.column_revision != self._revision:
                self._all_changed()
            else:
                self._rows_changed([a for a in shown if before_alerts.get(a.id) != a])
            self.kept_shape.emit()
            return
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        keys = [(self._id_at(i), self.group_of(i), i.column()) for i in before]
        self._flat, self._groups, self._grouped = flat, groups, grouped
        self._group_rows = {g.name: row for row, g in enumerate(groups)}
        if groups:
            self._places = {
                alert_id: (group_row, row)
                for group_row, group in enumerate(groups)
                for row, alert_id in enumerate(group.alert_ids)
            }
        else:
            self._places = {alert_id: (-1, row) for row, alert_id in enumerate(flat)}
        after = [
            self.index_of(alert_id, column)
            if alert_id is not None
            else self._group_index(group, column)
            for alert_id, group, column in keys
        ]
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()

    def _group_index(self, name: str | None, column: int) -> QModelIndex:
        row = self._group_rows.get(name) if name is not None else None
        return QModelIndex() if row is None else self.createIndex(row, column, _TOP)

    def _rows_changed(self, alerts: list[Alert]) -> None:
        last = self.columnCount() - 1
        headings: set[int] = set()
        for alert in alerts:
            index = self.index_of(alert.id)
            self.dataChanged.emit(index, index.siblingAtColumn(last), [])
            if index.parent().isValid():
                headings.add(index.parent().row())
        for row in headings:
            self.dataChanged.emit(self.index(row, 0), self.index(row, 0), [])

    def _all_changed(self) -> None:
        self._revision = self._source.column_revision
        last = self.columnCount() - 1
        top = self.rowCount()
        if top:
            self.dataChanged.emit(self.index(0, 0), self.index(top - 1, last), [])
        for row, group in enumerate(self._groups):
            parent = self.index(row, 0)
            self.dataChanged.emit(
                self.index(0, 0, parent), self.index(len(group.alert_ids) - 1, last, parent), []
            )

    def _source_data_changed(self, *_: object) -> None:
        # Ages tick every 30 s: repaint, the shape cannot have changed. Inside an update
        # the rebuild that follows (`changed`) does it, knowing what changed.
        if not self._source.updating:
            self._all_changed()
