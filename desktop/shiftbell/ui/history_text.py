"""The history as words and tables: who acknowledged an alert and how, how long that took,
and the rows exported to CSV or Markdown. No Qt here."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, tzinfo

from shiftbell.core.alert import Alert
from shiftbell.ui.durations import duration_words

# How the person acknowledged it, by the event's `via`; anything else is a feed's name.
_HOW = {
    "window": "you, in the window",
    "tray": "you, from the tray",
    "notification": "you, from a notification",
    "cli": "you, with shiftbell ack",
    "api": "a script, through the API",
    "journal": "you (saved at the next start)",
}
HEADERS = (
    "Severity",
    "Title",
    "Source",
    "Started",
    "Acknowledged",
    "By",
    "Time to acknowledge",
    "Resolved",
    "Id",
)


def acknowledged_how(alert: Alert, via: str) -> str:
    """ "alex, at the source", "you, in the window"; "" when it was never acknowledged."""
    if alert.acknowledged_at is None and not via:
        return ""
    info = alert.ack_info
    if info is not None and info.by:
        return f"{info.by}, at the source"
    if via in _HOW:
        return _HOW[via]
    return f"at the source ({via})" if via else "acknowledged"


def time_to_acknowledge(alert: Alert) -> timedelta | None:
    if alert.acknowledged_at is None:
        return None
    return max(alert.acknowledged_at - alert.started_at, timedelta(0))


def history_rows(
    alerts: Sequence[Alert], vias: Mapping[str, str], tz: tzinfo | None = None
) -> list[list[str]]:
    """One row an alert, in HEADERS order, times in `tz` (None: local)."""

    def when(at: datetime | None) -> str:
        return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S") if at is not None else ""

    return [
        [
            alert.severity.value,
            alert.title,
            alert.origin,
            when(alert.started_at),
            when(alert.acknowledged_at),
            acknowledged_how(alert, vias.get(alert.id, "")),
            duration_words(time_to_acknowledge(alert)),
            when(alert.resolved_at),
            alert.id,
        ]
        for alert in alerts
    ]


def to_csv(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    # A cell starting with = + - @ is a formula to a spreadsheet: alert text comes from
    # outside, so it is kept as text.
    writer.writerows([_inert(cell) for cell in row] for row in rows)
    return out.getvalue()


def to_markdown(rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(HEADERS) + " |", "|" + "---|" * len(HEADERS)]
    lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _inert(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def _md_cell(cell: str) -> str:
    """One line, pipes escaped, and no markup: the text shows as it was sent."""
    flat = " ".join(cell.split())
    for special in ("\\", "|", "*", "_", "`", "[", "]", "<", ">", "#"):
        flat = flat.replace(special, "\\" + special)
    return flat
