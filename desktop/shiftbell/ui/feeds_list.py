"""The Settings window's list of feeds: name, kind, URL and where the token is, one row per
[[feeds]] entry; a panel that says what to do when there is none."""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QFrame,
    QHeaderView,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from shiftbell.settings.model import FeedSettings
from shiftbell.sources import registry
from shiftbell.sources.spec import SecretNeed
from shiftbell.store.credentials import SecretLocation
from shiftbell.ui.form_widgets import plain_label
from shiftbell.ui.tables import style_rows

TOKEN_TEXTS = {
    SecretLocation.KEYRING: "token in keyring",
    SecretLocation.FILE: "token in file",
    SecretLocation.NONE: "no token",
}


class Column(IntEnum):
    NAME = 0
    KIND = 1
    URL = 2
    TOKEN = 3


class FeedsList(QStackedWidget):
    """The feeds table, or the empty panel.

    Attributes:
        table: one row per feed (Column); the feed's name is the NAME cell's UserRole data.
        empty_label: what the empty panel says.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._feeds: tuple[FeedSettings, ...] = ()
        self._locations: dict[str, SecretLocation | None] = {}
        table = QTableWidget(0, len(Column), self)
        table.setHorizontalHeaderLabels(["Name", "Kind", "URL", "Token"])
        style_rows(table, "feeds", Qt.TextElideMode.ElideMiddle)
        heads = table.horizontalHeader()
        heads.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        heads.setSectionResizeMode(Column.URL, QHeaderView.ResizeMode.Stretch)
        self.table = table

        self.empty_label = plain_label(
            "No feeds yet. Add one to get alerts from "
            + _either(source.name for source in registry.feed_sources())
            + ".",
            self,
        )
        self.empty_label.setObjectName("no-feeds")
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        empty = QFrame(self)
        empty.setFrameShape(QFrame.Shape.StyledPanel)
        empty.setBackgroundRole(QPalette.ColorRole.Base)
        empty.setAutoFillBackground(True)
        empty_column = QVBoxLayout(empty)
        empty_column.addWidget(self.empty_label)
        self.addWidget(empty)
        self.addWidget(table)
        self._empty_panel = empty

    def show_feeds(
        self,
        feeds: tuple[FeedSettings, ...],
        locations: dict[str, SecretLocation | None],
    ) -> None:
        """One row per feed, the selection kept; the empty panel when there are none."""
        selected = self.selected()
        self._feeds = feeds
        self._locations = locations
        table = self.table
        table.setRowCount(0)
        for feed in self._feeds:
            row = table.rowCount()
            table.insertRow(row)
            name = feed.name if feed.enabled else f"{feed.name} (off)"
            cells = {
                Column.NAME: name,
                Column.KIND: registry.source(feed.kind).label,
                Column.URL: feed.config.url,
                Column.TOKEN: self.token_text(feed.name),
            }
            for column, text in cells.items():
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if not feed.enabled:
                    item.setForeground(self.palette().color(QPalette.ColorRole.PlaceholderText))
                if column is Column.NAME:
                    item.setData(Qt.ItemDataRole.UserRole, feed.name)
                    if not feed.enabled:
                        item.setToolTip(f"{feed.name} is turned off: Edit… to run it")
                table.setItem(row, column, item)
        self.setCurrentWidget(table if self._feeds else self._empty_panel)
        if selected is not None:
            self.select(selected.name)
        elif self._feeds:
            table.selectRow(0)

    def token_text(self, name: str) -> str:
        """The token column's text for feed `name`."""
        feed = next(feed for feed in self._feeds if feed.name == name)
        location = self._locations.get(name)
        if location is None:
            return "keyring did not answer"
        text = TOKEN_TEXTS[location]
        if (
            location is SecretLocation.NONE
            and registry.source(feed.kind).secret.need is SecretNeed.REQUIRED
        ):
            text += " (needed)"
        return text

    def select(self, name: str) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, Column.NAME)
            if item is not None and item.data(Qt.ItemDataRole.UserRole) == name:
                self.table.selectRow(row)
                return

    def selected(self) -> FeedSettings | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        item = self.table.item(rows[0].row(), Column.NAME)
        name = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return next((feed for feed in self._feeds if feed.name == name), None)


def _either(names: Iterable[str]) -> str:
    listed = list(names)
    return ", ".join(listed[:-1]) + " or " + listed[-1] if len(listed) > 1 else "".join(listed)
