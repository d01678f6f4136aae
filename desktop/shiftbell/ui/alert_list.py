"""The list of active alerts in the window: a tree view over ui/alert_tree.py, with the
rows' Acknowledge buttons, headings that fold, and the header's menu (grouping and label
columns).

A folded group never hides a new page: when an alert in it starts firing that was not
firing when the person folded it, the group opens again by itself. The heading keeps
counting what fires inside, so a folded group still says "3 firing".
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from PySide6.QtCore import QModelIndex, QPoint, Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QInputDialog,
    QMenu,
    QPushButton,
    QTreeView,
    QWidget,
)

from shiftbell.core.alert import Alert, Status
from shiftbell.ui.ack_buttons import AckButtons
from shiftbell.ui.alert_groups import Grouping
from shiftbell.ui.alert_model import AlertColumn, AlertTableModel
from shiftbell.ui.alert_tree import FIXED_COLUMNS, AlertTree
from shiftbell.ui.tables import style_rows

WIDEST_TEXT = {
    AlertColumn.SEVERITY: "Warning  ",  # and its icon
    AlertColumn.SOURCE: "prod-am-eu",  # longer names are elided, whole in the tooltip
    AlertColumn.AGE: "23 h 59 min",
    AlertColumn.STATUS: "acknowledged, sending",
}
LABEL_COLUMN_TEXT = "db1.example.com"
MOST_LABELS_OFFERED = 15
FOCUS_STYLE = "QTreeView:focus { border: 2px solid palette(highlight); }"


class AlertList(QTreeView):
    """The alerts of `alerts` as the person arranges them.

    Signals:
        arrangement_changed(str, list): the grouping (a `Grouping` value) or the label
            columns changed, so the window can keep them for the next start.
    """

    arrangement_changed = Signal(str, list)

    def __init__(
        self, alerts: AlertTableModel, acknowledge: SignalInstance, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.tree = AlertTree(alerts, self)
        self.setModel(self.tree)
        style_rows(self, "alerts-table")
        # Every row is one line: Qt then lays out 1,000 rows without measuring each.
        self.setUniformRowHeights(True)
        self.setAllColumnsShowFocus(True)
        self.setRootIsDecorated(False)
        self.setExpandsOnDoubleClick(True)
        self.setTabKeyNavigation(False)
        self.setStyleSheet(FOCUS_STYLE)
        # Folded groups by name, with the alerts that fired in each when it was folded.
        self._folded: dict[str, frozenset[str]] = {}
        self.ack_buttons = AckButtons(self, self.tree, acknowledge)
        self._size_columns()
        heads = self.header()
        # Unsorted until a header is clicked: the board's order, most urgent first.
        heads.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.setSortingEnabled(True)
        heads.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        heads.customContextMenuRequested.connect(self._header_menu)
        self.collapsed.connect(self._folded_by_person)
        self.expanded.connect(lambda index: self._folded.pop(self.tree.group_of(index) or "", None))
        self.tree.layoutChanged.connect(self._rearranged)
        # Once an update, not once a changed row (nor at every age tick).
        self.tree.kept_shape.connect(self._open_groups_with_new_pages)
        self.tree.columnsInserted.connect(self._size_label_columns)

    # -- what the window uses ----------------------------------------------------------------

    def set_grouping(self, grouping: Grouping) -> None:
        if grouping is not self.tree.grouping:
            grouped = grouping is not Grouping.NONE
            self.setRootIsDecorated(grouped)
            # An alert under a heading stands two steps in (the heading's fold marker, then
            # its own): the first column grows by as much, so the severity is not cut.
            indent = 2 * self.indentation() if grouped else 0
            self.header().resizeSection(0, self._severity_width + indent)
            self.tree.set_grouping(grouping)
            self._arrangement_changed()

    def arrange(self, grouping: str, label_columns: Sequence[str]) -> None:
        """As the person left it last time; a grouping this version does not know is none."""
        try:
            chosen = Grouping(grouping)
        except ValueError:
            chosen = Grouping.NONE
        self.set_grouping(chosen)
        self.set_label_columns(label_columns)

    def set_label_columns(self, names: Sequence[str]) -> None:
        if tuple(names) != self.tree.label_columns:
            self.tree.set_label_columns(names)
            self._arrangement_changed()

    def selected_alert(self) -> Alert | None:
        return self.tree.alert_of(self._selected())

    def selected_group(self) -> str | None:
        return self.tree.group_of(self._selected())

    def has_selection(self) -> bool:
        return self._selected().isValid()

    def select_alert(self, alert_id: str) -> bool:
        """Select the alert, opening its group; False when it is not shown."""
        index = self.tree.index_of(alert_id)
        if not index.isValid():
            return False
        if index.parent().isValid():
            self.expand(index.parent())
        self._select(index)
        return True

    def select_first(self) -> None:
        """The first row a person sees: the most urgent alert, or a folded group's heading."""
        first = self.tree.index(0, 0)
        if self.tree.group_of(first) is not None and self.isExpanded(first):
            first = self.tree.index(0, 0, first)
        if first.isValid():
            self._select(first)

    def toggle_selected_group(self) -> bool:
        """Fold or open the selected heading; False when an alert is selected."""
        index = self._selected()
        if self.tree.group_of(index) is None:
            return False
        self.setExpanded(index, not self.isExpanded(index))
        return True

    def selected_rect_centre(self) -> QPoint:
        return self.visualRect(self._selected()).center()

    def rearrange(self) -> None:
        """Headings span the row, new groups open, folded ones stay folded (see module)."""
        names = self.tree.group_names()
        for name in names:
            index = self.tree.index_of_group(name)
            if name not in self._folded:
                self.expand(index)
            elif self.isExpanded(index):
                self.collapse(index)
        self._open_groups_with_new_pages()
        # After the folding: a span lays the view out at once, and an expand after that
        # would lay it out again, once a group.
        for row in range(len(names)):
            self.setFirstColumnSpanned(row, QModelIndex(), True)
        self.ack_buttons.sync()

    # -- internals ---------------------------------------------------------------------------

    def _selected(self) -> QModelIndex:
        rows = self.selectionModel().selectedRows()
        return rows[0] if rows else QModelIndex()

    def _select(self, index: QModelIndex) -> None:
        self.setCurrentIndex(index)
        self.scrollTo(index)

    def _rearranged(self, *_: object) -> None:
        self.rearrange()

    def _folded_by_person(self, index: QModelIndex) -> None:
        name = self.tree.group_of(index)
        if name is not None:
            self._folded[name] = frozenset(self._firing(name))

    def _firing(self, group: str) -> set[str]:
        return {a.id for a in self.tree.group_alerts(group) if a.status is Status.FIRING}

    def _open_groups_with_new_pages(self) -> None:
        for name, firing_then in list(self._folded.items()):
            firing_now = self._firing(name)
            if firing_now - firing_then:
                del self._folded[name]
                index = self.tree.index_of_group(name)
                if index.isValid():
                    self.expand(index)
            else:
                # What stopped firing (acknowledged, resolved) is new if it fires again.
                self._folded[name] = firing_then & firing_now

    def _size_columns(self) -> None:
        # Widths from the longest text each column can hold, not from the rows: they never
        # jump as a status changes, and sorting 1,000 rows measures nothing.
        heads = self.header()
        heads.setStretchLastSection(False)
        heads.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        heads.setSectionResizeMode(AlertColumn.TITLE, QHeaderView.ResizeMode.Stretch)
        for section, widest in WIDEST_TEXT.items():
            extra = 28 + (self.iconSize().width() if section == 0 else 0)
            heads.resizeSection(section, self.fontMetrics().horizontalAdvance(widest) + extra)
        self._severity_width = heads.sectionSize(AlertColumn.SEVERITY)
        probe = QPushButton("Acknowledge")
        heads.setSectionResizeMode(AlertColumn.ACTION, QHeaderView.ResizeMode.Fixed)
        heads.resizeSection(AlertColumn.ACTION, probe.sizeHint().width() + 12)
        self.tree.row_height = probe.sizeHint().height() + 6
        probe.deleteLater()

    def _size_label_columns(self, *_: object) -> None:
        heads = self.header()
        width = self.fontMetrics().horizontalAdvance(LABEL_COLUMN_TEXT) + 16
        for section in range(FIXED_COLUMNS, self.tree.columnCount()):
            heads.resizeSection(section, width)
            # Before the Acknowledge buttons, which stay at the row's end.
            heads.moveSection(heads.visualIndex(section), heads.visualIndex(AlertColumn.ACTION))

    def _arrangement_changed(self) -> None:
        self.arrangement_changed.emit(self.tree.grouping.value, list(self.tree.label_columns))

    def _header_menu(self, pos: QPoint) -> None:
        menu = self.arrangement_menu(self.header().logicalIndexAt(pos))
        menu.exec(self.header().mapToGlobal(pos))
        menu.deleteLater()

    def arrangement_menu(self, section: int = -1) -> QMenu:
        """Grouping and label columns; on a label column's header, removing it."""
        menu = QMenu(self)
        for grouping in Grouping:
            action = menu.addAction(grouping.label)
            action.setObjectName(f"group-{grouping.value}")
            action.setCheckable(True)
            action.setChecked(grouping is self.tree.grouping)
            action.triggered.connect(lambda _=False, g=grouping: self.set_grouping(g))
        menu.addSeparator()
        shown = list(self.tree.label_columns)
        if section >= FIXED_COLUMNS:
            name = shown[section - FIXED_COLUMNS]
            remove = menu.addAction(f"Remove the column {name}")
            remove.setObjectName("remove-label-column")
            remove.triggered.connect(partial(self._toggle_label_column, name, False))
        columns = menu.addMenu("Label columns")
        for name in self._offered_labels():
            action = columns.addAction(name)
            action.setObjectName(f"label-column-{name}")
            action.setCheckable(True)
            action.setChecked(name in shown)
            action.toggled.connect(lambda on, n=name: self._toggle_label_column(n, on))
        columns.addSeparator()
        other = columns.addAction("Another label…")
        other.triggered.connect(self._ask_label_column)
        return menu

    def _offered_labels(self) -> list[str]:
        seen = self.tree.label_names()[:MOST_LABELS_OFFERED]
        return sorted(set(seen) | set(self.tree.label_columns))

    def _toggle_label_column(self, name: str, on: bool) -> None:
        shown = [n for n in self.tree.label_columns if n != name]
        self.set_label_columns([*shown, name] if on else shown)

    def _ask_label_column(self) -> None:
        name, ok = QInputDialog.getText(self, "Label column", "Show the label:")
        if ok and name.strip():
            self._toggle_label_column(name.strip(), True)


def grouping_box(alerts: AlertList, parent: QWidget) -> QComboBox:
    """The "No grouping / Group by …" choice beside the filter box."""
    box = QComboBox(parent)
    box.setObjectName("alert-grouping")
    box.setToolTip("Group the alerts under headings that fold (also on the header's menu)")
    for grouping in Grouping:
        box.addItem(grouping.short_label, grouping.value)
    # It may give up width, eliding, so the header row still fits a small screen (or a
    # large scale factor); where there is room it shows its whole text.
    box.setMinimumWidth(box.fontMetrics().horizontalAdvance(Grouping.HOST.short_label) + 36)
    box.setCurrentIndex(box.findData(alerts.tree.grouping.value))
    box.activated.connect(lambda i: alerts.set_grouping(Grouping(box.itemData(i))))
    alerts.arrangement_changed.connect(lambda value, _: box.setCurrentIndex(box.findData(value)))
    return box
