"""The options table of the feed form: one row per option the source declares (its help in
the tooltip and the note below), then any other the person typed, which is refused, naming
the options the source has."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shiftbell.settings import feed_rules
from shiftbell.sources import registry
from shiftbell.sources.build import missing_options
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.spec import SourceSpec
from shiftbell.ui.form_widgets import ERROR_STYLE, NOTE_STYLE, message_label, plain_label

HINT = "Leave a value empty to use its default. Select an option to see what it does."


class OptionsEditor(QWidget):
    """The options of one source's feed.

    Signals:
        edited(): a row was added, removed or changed.

    Attributes:
        table, add_button, remove_button, note (what the selected option does), error.
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._source = registry.feed_sources()[0]
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        table = QTableWidget(0, 2, self)
        table.setObjectName("options")
        table.setHorizontalHeaderLabels(["Option", "Value"])
        table.verticalHeader().hide()
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.SelectedClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setDefaultAlignment(
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
        )
        rows = table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 10)
        table.setMinimumHeight(rows.defaultSectionSize() * 7 + 6)
        table.setMaximumHeight(rows.defaultSectionSize() * 10 + 6)
        table.itemChanged.connect(lambda _: self.edited.emit())
        table.currentCellChanged.connect(lambda *_: self.show_option_text())
        self.table = table
        column.addWidget(table)

        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add option", self)
        self.add_button.setObjectName("add-option")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self._add_custom)
        self.remove_button = QPushButton("Remove option", self)
        self.remove_button.setObjectName("remove-option")
        self.remove_button.setAutoDefault(False)
        self.remove_button.clicked.connect(self._remove)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.note = plain_label(HINT, self)
        self.note.setObjectName("options-note")
        self.note.setStyleSheet(NOTE_STYLE)
        column.addWidget(self.note)
        self.error = message_label(ERROR_STYLE, "options-error", self)
        column.addWidget(self.error)

    def fill(self, source: SourceSpec, values: dict[str, str]) -> None:
        """One row per declared option of `source`, then any other option that has a value."""
        self._source = source
        table = self.table
        table.blockSignals(True)
        try:
            table.setRowCount(0)
            known = [option.name for option in source.feed_options]
            for name in known:
                self._append(name, values.get(name, ""), known=True)
            for name, value in values.items():
                if name not in known and value:
                    self._append(name, value, known=False)
        finally:
            table.blockSignals(False)
        self.show_option_text()

    def rows(self) -> list[tuple[str, str]]:
        """(name, value) of every row, stripped, in table order."""
        found = []
        for row in range(self.table.rowCount()):
            key = self.table.item(row, 0)
            value = self.table.item(row, 1)
            found.append(
                (
                    key.text().strip() if key is not None else "",
                    value.text().strip() if value is not None else "",
                )
            )
        return found

    def problem(self, config: FeedConfig) -> str | None:
        """The first thing wrong with the rows, as a sentence; None when they are fine."""
        seen: set[str] = set()
        for key, value in self.rows():
            if not key:
                if value:
                    return f'the value "{value}" has no option name: fill in the name or remove it'
                continue
            why = feed_rules.option_problem(key, value)
            if why is not None:
                return why
            if key in seen and value:
                return f"option {key} is given twice: keep one"
            if value:
                seen.add(key)
        source = registry.source(config.kind)
        declared = feed_rules.declared_option_problems(source, config.options)
        if declared:
            return declared[0]
        missing = missing_options(config)
        if missing:
            listed = ", ".join(missing)
            plural = "s" if len(missing) > 1 else ""
            return f"a {source.name} feed needs the option{plural} {listed}"
        return None

    def show_option_text(self) -> None:
        """What the selected option does; the general hint when none (or an unknown one) is."""
        row = self.table.currentRow()
        key = self.table.item(row, 0) if row >= 0 else None
        option = self._source.feed_option(key.text()) if key is not None else None
        if option is not None:
            choices = f" One of: {', '.join(option.choices)}." if option.choices else ""
            self.note.setText(f"{option.name}: {option.describe()}{choices}")
            return
        if not self._source.feed_options:
            self.note.setText("This kind of feed has no options.")
            return
        required = ", ".join(o.name for o in self._source.feed_options if o.required)
        self.note.setText(HINT + (f" Required: {required}." if required else ""))

    def _append(self, name: str, value: str, *, known: bool) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        key = QTableWidgetItem(name)
        if known:
            # Declared names are fixed: a typo there is exactly what the table prevents.
            key.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
            option = self._source.feed_option(name)
            key.setToolTip(option.describe() if option is not None else "")
            if option is not None and option.required:
                font = QFont(key.font())
                font.setBold(True)
                key.setFont(font)
        key.setData(Qt.ItemDataRole.UserRole, known)
        self.table.setItem(row, 0, key)
        self.table.setItem(row, 1, QTableWidgetItem(value))
        return row

    def _add_custom(self) -> None:
        row = self._append("", "", known=False)
        self.table.setCurrentCell(row, 0)
        key = self.table.item(row, 0)
        if key is not None:
            self.table.editItem(key)

    def _remove(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            return
        key = self.table.item(row, 0)
        if key is not None and key.data(Qt.ItemDataRole.UserRole):
            value = self.table.item(row, 1)
            if value is not None:
                value.setText("")  # a declared option stays listed, back at its default
        else:
            self.table.removeRow(row)
            self.edited.emit()
