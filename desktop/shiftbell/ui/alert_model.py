"""Table models over plain `Alert` lists: the active alerts and the history.

Rows are keyed by alert id and updated with row-level insert/move/remove and
dataChanged rather than a model reset, so a selection, the scroll position and
the per-row Acknowledge buttons survive the updates that arrive every few seconds.

Alert text comes from outside (any webhook sender), so it is only ever shown as
plain text: DisplayRole is used by the default delegate as plain text, and the
rich-text tooltips escape every piece of alert data.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QGuiApplication, QPalette

from shiftbell.core.alert import AckDelivery, Alert, Severity, Status
from shiftbell.ui.durations import duration_words, format_age
from shiftbell.ui.history_text import acknowledged_how, time_to_acknowledge
from shiftbell.ui.icons import SEVERITY_COLOURS, severity_icon

ModelIndex = QModelIndex | QPersistentModelIndex

# The id of the row's alert, for views and tests that want it without alert_at().
ALERT_ID_ROLE = Qt.ItemDataRole.UserRole + 1

_NO_TIME = "—"
_MAX_TOOLTIP_LABELS = 12
_MAX_TOOLTIP_TEXT = 2000


class AlertColumn(IntEnum):
    SEVERITY = 0
    TITLE = 1
    SOURCE = 2
    AGE = 3
    STATUS = 4
    # Empty in the model; the window puts the row's Acknowledge button here.
    ACTION = 5


class HistoryColumn(IntEnum):
    SEVERITY = 0
    TITLE = 1
    SOURCE = 2
    STARTED = 3
    ACKNOWLEDGED = 4
    BY = 5
    TIME_TO_ACK = 6
    RESOLVED = 7


_ALERT_HEADERS = {
    AlertColumn.SEVERITY: "Severity",
    AlertColumn.TITLE: "Title",
    AlertColumn.SOURCE: "Source",
    AlertColumn.AGE: "Age",
    AlertColumn.STATUS: "Status",
    AlertColumn.ACTION: "",
}
_HISTORY_HEADERS = {
    HistoryColumn.SEVERITY: "Severity",
    HistoryColumn.TITLE: "Title",
    HistoryColumn.SOURCE: "Source",
    HistoryColumn.STARTED: "Started",
    HistoryColumn.ACKNOWLEDGED: "Acknowledged",
    HistoryColumn.BY: "By",
    HistoryColumn.TIME_TO_ACK: "To ack",
    HistoryColumn.RESOLVED: "Resolved",
}


def format_timestamp(when: datetime | None, tz: tzinfo | None = None) -> str:
    """A date and time in `tz` (None: the local zone), or a dash for "never"."""
    if when is None:
        return _NO_TIME
    return when.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def display_text(text: str) -> str:
    """One line for a table cell: a title with newlines would break the row height."""
    return " ".join(text.split())


def source_text(alert: Alert) -> str:
    return alert.origin


def status_text(alert: Alert) -> str:
    """The status as a person needs it: for an acknowledgement, whether the source knows yet."""
    if alert.status is not Status.ACKNOWLEDGED:
        return alert.status.value
    match alert.ack_delivery:
        case AckDelivery.SENDING:
            return "acknowledged, sending"
        case AckDelivery.CONFIRMED:
            return "acknowledged at source"
        case AckDelivery.FAILED:
            return "acknowledged here only: source refused"
        case _:
            return "acknowledged"


def alert_tooltip(alert: Alert, tz: tzinfo | None = None) -> str:
    """The details of an alert as rich text in which every piece of alert data is escaped.

    Qt shows a tooltip as rich text whenever it looks like HTML, so a title such as
    "<img src=...>" would be rendered, not shown; escaping it all and wrapping it
    in our own markup makes the rendering deliberate and the alert text literal.
    """

    def esc(text: str) -> str:
        if len(text) > _MAX_TOOLTIP_TEXT:
            text = text[: _MAX_TOOLTIP_TEXT - 1] + "…"
        return html.escape(text, quote=False)

    parts = [f"<p><b>{esc(alert.title)}</b></p>"]
    if alert.summary.strip():
        parts.append(f'<p style="white-space:pre-wrap">{esc(alert.summary.strip())}</p>')
    facts = [
        f"{alert.severity.value}, {esc(status_text(alert))}",
        f"source: {esc(source_text(alert))}",
        f"started: {format_timestamp(alert.started_at, tz)}",
    ]
    if alert.acknowledged_at is not None:
        facts.append(f"acknowledged: {format_timestamp(alert.acknowledged_at, tz)}")
    if alert.resolved_at is not None:
        facts.append(f"resolved: {format_timestamp(alert.resolved_at, tz)}")
    if alert.ack_error:
        facts.append(f"source said: {esc(alert.ack_error)}")
    labels = [f"{esc(k)}={esc(v)}" for k, v in alert.labels[:_MAX_TOOLTIP_LABELS]]
    if len(alert.labels) > _MAX_TOOLTIP_LABELS:
        labels.append(f"… {len(alert.labels) - _MAX_TOOLTIP_LABELS} more")
    if labels:
        facts.append("labels: " + ", ".join(labels))
    if alert.url:
        facts.append(f"link: {esc(alert.url)}")
    facts.append(f"id: {esc(alert.id)}")
    parts.append("<p>" + "<br>".join(facts) + "</p>")
    return "".join(parts)


# More rows coming or going than this in one update: reset the model instead.
RESET_AFTER_CHANGES = 200


class AlertRows(QAbstractTableModel):
    """A list of alerts as table rows, updated in place by alert id."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._alerts: list[Alert] = []
        # Counts changes to a whole column (ages, snoozes): views rebuilt from these rows
        # repaint every row when it moves, and only the changed rows otherwise.
        self.column_revision = 0

    # -- Qt model interface ------------------------------------------------------------------

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._alerts)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- ours --------------------------------------------------------------------------------

    def _column_changed(self, column: int) -> None:
        self.column_revision += 1
        if self._alerts:
            self.dataChanged.emit(
                self.index(0, column),
                self.index(len(self._alerts) - 1, column),
                [Qt.ItemDataRole.DisplayRole],
            )

    def alert_at(self, row: int) -> Alert:
        """The alert shown in `row`; IndexError if there is no such row."""
        if not 0 <= row < len(self._alerts):
            raise IndexError(f"no row {row}: the table has {len(self._alerts)} rows")
        return self._alerts[row]

    def row_of(self, alert_id: str) -> int | None:
        return next((i for i, a in enumerate(self._alerts) if a.id == alert_id), None)

    def alerts(self) -> list[Alert]:
        return list(self._alerts)

    def _replace_rows(self, wanted: Sequence[Alert]) -> None:
        """Make the rows equal `wanted` with the fewest structural changes, keyed by id.

        Rows that stay keep their QPersistentModelIndex (selection, index widgets)
        even when they move, because a move is reported as a move.
        """
        target: list[Alert] = []
        seen: set[str] = set()
        for alert in wanted:
            if alert.id not in seen:  # the same id twice would make rows ambiguous
                seen.add(alert.id)
                target.append(alert)
        shown = {a.id for a in self._alerts}
        if len(seen ^ shown) > RESET_AFTER_CHANGES:
            # A storm: row by row would be quadratic in Qt's bookkeeping; start afresh.
            self.beginResetModel()
            self._alerts = target
            self.endResetModel()
            return

        # 1. Remove rows that are gone, bottom up, in contiguous runs.
        row = len(self._alerts) - 1
        while row >= 0:
            if self._alerts[row].id in seen:
                row -= 1
                continue
            last = row
            while row - 1 >= 0 and self._alerts[row - 1].id not in seen:
                row -= 1
            self.beginRemoveRows(QModelIndex(), row, last)
            del self._alerts[row : last + 1]
            self.endRemoveRows()
            row -= 1

        # 2. Walk the target order: keep, move up, or insert; update changed rows.
        last_column = self.columnCount() - 1
        for position, alert in enumerate(target):
            in_place = position < len(self._alerts) and self._alerts[position].id == alert.id
            found = position if in_place else self.row_of(alert.id)
            if found is None:
                self.beginInsertRows(QModelIndex(), position, position)
                self._alerts.insert(position, alert)
                self.endInsertRows()
                continue
            if found != position:
                # found > position: every row above `position` already matches.
                self.beginMoveRows(QModelIndex(), found, found, QModelIndex(), position)
                self._alerts.insert(position, self._alerts.pop(found))
                self.endMoveRows()
            if self._alerts[position] != alert:
                self._alerts[position] = alert
                self.dataChanged.emit(
                    self.index(position, 0), self.index(position, last_column), []
                )


class AlertTableModel(AlertRows):
    """The active alerts: Severity, Title, Source, Age, Status (and an empty action column).

    The order is the caller's (the board's: firing first, most severe first). `changed` is
    emitted once `set_alerts` has made every change, for the list that is rebuilt from it.
    """

    changed = Signal()

    def __init__(self, parent: QObject | None = None, tz: tzinfo | None = None) -> None:
        super().__init__(parent)
        self._now: datetime | None = None
        self._tz = tz
        self._snoozed: Mapping[str, datetime] = {}
        # True inside `set_alerts`: its row signals are followed by `changed`.
        self.updating = False

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(AlertColumn)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation is Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return _ALERT_HEADERS[AlertColumn(section)] if 0 <= section < len(AlertColumn) else None
        return None

    def set_alerts(
        self, alerts: Sequence[Alert], now: datetime, snoozed: Mapping[str, datetime] | None = None
    ) -> None:
        """Show these alerts, in this order; ages are counted to `now`; `snoozed` says until
        when an alert's own snooze holds it back, by id."""
        self.updating = True
        try:
            self._replace_rows(alerts)
            snoozed = dict(snoozed or {})
            if snoozed != self._snoozed:
                self._snoozed = snoozed
                self._column_changed(AlertColumn.STATUS)
            self.refresh_ages(now)
        finally:
            self.updating = False
        self.changed.emit()

    def snoozed_until(self, alert_id: str) -> datetime | None:
        return self._snoozed.get(alert_id)

    def refresh_ages(self, now: datetime) -> None:
        """Recount the Age column to `now` (the rest of the row cannot have changed)."""
        if now == self._now:
            return
        self._now = now
        self._column_changed(AlertColumn.AGE)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._alerts):
            return None
        return self.cell(self._alerts[index.row()], AlertColumn(index.column()), role)

    def cell(self, alert: Alert, column: AlertColumn, role: int) -> Any:
        """What `alert` shows in `column` for `role` (the list's view asks through this)."""
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(alert, column)
        if role == Qt.ItemDataRole.DecorationRole and column is AlertColumn.SEVERITY:
            return severity_icon(alert.severity)
        if role == Qt.ItemDataRole.ToolTipRole and column is not AlertColumn.ACTION:
            return alert_tooltip(alert, self._tz)
        if (
            role == Qt.ItemDataRole.ForegroundRole
            and column is AlertColumn.STATUS
            and alert.ack_delivery is AckDelivery.FAILED
        ):
            # The source does not know: the person must act there, so it must not look done.
            return QColor(SEVERITY_COLOURS[Severity.CRITICAL])
        if role == Qt.ItemDataRole.ForegroundRole and alert.status is not Status.FIRING:
            # Dimmed: somebody has it; the eye should land on what still fires.
            return QGuiApplication.palette().color(QPalette.ColorRole.PlaceholderText)
        if (
            role == Qt.ItemDataRole.FontRole
            and column is AlertColumn.TITLE
            and alert.status is Status.FIRING
        ):
            font = QFont()
            font.setBold(True)
            return font
        if role == ALERT_ID_ROLE:
            return alert.id
        return None

    def _display(self, alert: Alert, column: AlertColumn) -> str | None:
        match column:
            case AlertColumn.SEVERITY:
                return alert.severity.value.capitalize()
            case AlertColumn.TITLE:
                return display_text(alert.title)
            case AlertColumn.SOURCE:
                return display_text(source_text(alert))
            case AlertColumn.AGE:
                return format_age(self._now - alert.started_at) if self._now else ""
            case AlertColumn.STATUS:
                until = self._snoozed.get(alert.id) if alert.status is Status.FIRING else None
                if until is not None:
                    return f"snoozed until {until.astimezone(self._tz).strftime('%H:%M')}"
                return status_text(alert)
            case AlertColumn.ACTION:
                return None


class HistoryTableModel(AlertRows):
    """Acknowledged and resolved alerts, newest first.

    "Newest" is by the latest thing that happened to the alert (resolved,
    acknowledged or started), so what just changed is at the top.
    """

    def __init__(self, parent: QObject | None = None, tz: tzinfo | None = None) -> None:
        super().__init__(parent)
        self._tz = tz
        self._vias: Mapping[str, str] = {}

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HistoryColumn)

    def via(self, alert_id: str) -> str:
        """How the alert was acknowledged (the event's `via`), "" if not known."""
        return self._vias.get(alert_id, "")

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HistoryColumn)
        ):
            return _HISTORY_HEADERS[HistoryColumn(section)]
        return None

    def set_history(self, alerts: Sequence[Alert], vias: Mapping[str, str] | None = None) -> None:
        """Show the alerts that are not firing, newest first, whatever order they come in;
        `vias` says how each was acknowledged (history_text.acknowledged_how)."""
        vias = dict(vias or {})
        if vias != self._vias:
            self._vias = vias
            self._column_changed(HistoryColumn.BY)
        done = [a for a in alerts if a.status is not Status.FIRING]
        done.sort(key=lambda a: (_last_event(a), a.id), reverse=True)
        self._replace_rows(done)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._alerts):
            return None
        alert = self._alerts[index.row()]
        column = HistoryColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            match column:
                case HistoryColumn.SEVERITY:
                    return alert.severity.value.capitalize()
                case HistoryColumn.TITLE:
                    return display_text(alert.title)
                case HistoryColumn.SOURCE:
                    return display_text(source_text(alert))
                case HistoryColumn.STARTED:
                    return format_timestamp(alert.started_at, self._tz)
                case HistoryColumn.ACKNOWLEDGED:
                    return format_timestamp(alert.acknowledged_at, self._tz)
                case HistoryColumn.BY:
                    return acknowledged_how(alert, self.via(alert.id))
                case HistoryColumn.TIME_TO_ACK:
                    return duration_words(time_to_acknowledge(alert))
                case HistoryColumn.RESOLVED:
                    return format_timestamp(alert.resolved_at, self._tz)
        if role == Qt.ItemDataRole.DecorationRole and column is HistoryColumn.SEVERITY:
            return severity_icon(alert.severity)
        if role == Qt.ItemDataRole.ToolTipRole:
            return alert_tooltip(alert, self._tz)
        if role == ALERT_ID_ROLE:
            return alert.id
        return None


def _last_event(alert: Alert) -> datetime:
    return max(t for t in (alert.started_at, alert.acknowledged_at, alert.resolved_at) if t)
