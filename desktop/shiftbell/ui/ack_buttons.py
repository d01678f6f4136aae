"""The Acknowledge buttons in the alert table's rows: one per firing alert, none on
acknowledged ones, kept on persistent indexes so a button follows its row through moves."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, SignalInstance
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QPushButton, QSizePolicy, QWidget

from shiftbell.core.alert import Status
from shiftbell.ui.alert_model import AlertColumn
from shiftbell.ui.alert_tree import AlertTree

# One widget per row costs too much in a storm; past this many the rest are acknowledged
# with "Acknowledge all", the tray or `shiftbell ack`.
MAX_ROW_BUTTONS = 200


class AckButtons:
    """The buttons of `table` over `model` (the rows as shown: filtered, sorted and grouped);
    a press emits `acknowledge` with the alert id. A row the filter hides has none."""

    def __init__(
        self, table: QAbstractItemView, model: AlertTree, acknowledge: SignalInstance
    ) -> None:
        self._table = table
        self._model = model
        self._acknowledge = acknowledge
        self._buttons: dict[str, QPushButton] = {}

    def get(self, alert_id: str) -> QPushButton | None:
        return self._buttons.get(alert_id)

    def sync(self) -> None:
        """One Acknowledge button per firing row, none on acknowledged rows.

        The view keeps index widgets on persistent indexes, so a button follows its
        row through moves; only rows that changed firing state gain or lose one.
        """
        wanted: dict[str, QModelIndex] = {}
        for alert in self._model.shown():
            if alert.status is Status.FIRING:
                wanted[alert.id] = self._model.index_of(alert.id, AlertColumn.ACTION)
                if len(wanted) >= MAX_ROW_BUTTONS:
                    # One widget per row costs too much in a storm; the rest are there
                    # for "Acknowledge all", the tray and `shiftbell ack`.
                    break
        for alert_id in list(self._buttons):
            if alert_id not in wanted:
                button = self._buttons.pop(alert_id)
                # The view deletes the widget later; make it unfindable now.
                button.setObjectName("")
                button.setEnabled(False)
                still_shown = self._model.index_of(alert_id, AlertColumn.ACTION)
                if still_shown.isValid():
                    # Qt takes a null widget to mean "remove"; the stubs do not say so.
                    self._table.setIndexWidget(still_shown, None)  # type: ignore[arg-type]
        for alert_id, index in wanted.items():
            existing = self._buttons.get(alert_id)
            if existing is not None and self._button_in(index) is existing:
                continue
            self._buttons[alert_id] = self._make(alert_id, index)

    def _make(self, alert_id: str, index: QModelIndex) -> QPushButton:
        cell = QWidget()
        row = QHBoxLayout(cell)
        row.setContentsMargins(4, 2, 4, 2)
        button = QPushButton("Acknowledge", cell)
        button.setObjectName(f"ack-{alert_id}")
        button.setAutoDefault(False)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        button.setToolTip("Acknowledge this alert and silence its alarm")
        button.clicked.connect(lambda: self._acknowledge.emit(alert_id))
        row.addWidget(button)
        self._table.setIndexWidget(index, cell)
        return button

    def _button_in(self, index: QModelIndex) -> QPushButton | None:
        cell = self._table.indexWidget(index)
        return cell.findChild(QPushButton) if cell is not None else None
