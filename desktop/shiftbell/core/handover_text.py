"""The hand-over report as Markdown (to paste into the team chat), HTML (to save or mail) and
JSON (for scripts). Alert text is the sources' and is never trusted: escaped for each format.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, tzinfo
from typing import Any

from shiftbell.core.handover import Handover, ShiftAlert

# What Markdown (and chat apps' flavours of it) would read as formatting, a link or a table.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def _when(at: datetime | None, tz: tzinfo, report: Handover) -> str:
    if at is None:
        return "-"
    local = at.astimezone(tz)
    same_day = local.date() == report.since.astimezone(tz).date()
    return local.strftime("%H:%M" if same_day else "%a %d %b %H:%M")


def _span(report: Handover, tz: tzinfo) -> str:
    start = report.since.astimezone(tz)
    end = report.until.astimezone(tz)
    end_text = end.strftime("%H:%M" if end.date() == start.date() else "%a %d %b %H:%M")
    return f"{start.strftime('%a %d %b %H:%M')} to {end_text} ({start.strftime('%Z') or tz})"


def headline(report: Handover) -> str:
    fired = len(report.fired)
    acked = len(report.ack_times_s)
    parts = [
        f"{fired} alert{'s' if fired != 1 else ''} fired",
        f"{acked} acknowledged",
        f"{len(report.still_open)} still open",
    ]
    if report.ack_times_s:
        parts.append(
            f"time to acknowledge: median {duration_text(report.median_ack_s)}, "
            f"worst {duration_text(report.worst_ack_s)}"
        )
    return " · ".join(parts)


def _status(item: ShiftAlert, report: Handover) -> str:
    if not item.open_at(report.until):
        return "resolved"
    return "acknowledged" if item.alert.acknowledged_at is not None else "OPEN"


def _md(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def to_markdown(report: Handover, tz: tzinfo) -> str:
    label = f" ({_md(report.shift_label)})" if report.shift_label else ""
    lines = [f"## Hand-over: {_span(report, tz)}{label}", "", f"**{headline(report)}**", ""]
    if report.alerts:
        lines += [
            "| Fired | Severity | Alert | Acknowledged | Time to ack | Now |",
            "|---|---|---|---|---|---|",
        ]
        for item in report.alerts:
            alert = item.alert
            by = _md(item.acknowledged_by) or "-"
            lines.append(
                f"| {_when(alert.started_at, tz, report)} | {alert.severity.value} "
                f"| {_md(alert.title)} ({_md(alert.origin)}) | {by} "
                f"| {duration_text(item.time_to_ack_s)} | {_status(item, report)} |"
            )
        lines.append("")
    else:
        lines += ["Nothing fired.", ""]
    still = report.still_open
    if still:
        lines.append("### Still open")
        lines += [f"- {_md(a.alert.title)} — {_status(a, report).lower()}" for a in still]
        lines.append("")
    silences = report.silences_into_next
    if silences:
        lines.append("### Silences into the next shift")
        for item in silences:
            info = item.alert.ack_info
            until = _when(item.silenced_past(report.until), tz, report)
            said = f": {_md(info.comment)}" if info is not None and info.comment else ""
            lines.append(f"- {_md(item.alert.title)} — until {until}{said}")
        lines.append("")
    noted = [a for a in report.alerts if a.note.strip()]
    if report.note.strip() or noted:
        lines.append("### Notes")
        if report.note.strip():
            lines += [_md(line) for line in report.note.strip().splitlines()]
            lines.append("")
        lines += [f"- {_md(a.alert.title)}: {_md(a.note)}" for a in noted]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_html(report: Handover, tz: tzinfo) -> str:
    esc = html.escape
    label = f" ({esc(report.shift_label)})" if report.shift_label else ""
    rows = "".join(
        "<tr>"
        f"<td>{esc(_when(item.alert.started_at, tz, report))}</td>"
        f"<td>{esc(item.alert.severity.value)}</td>"
        f"<td>{esc(item.alert.title)}<br><small>{esc(item.alert.origin)}"
        "</small></td>"
        f"<td>{esc(item.acknowledged_by) or '-'}</td>"
        f"<td>{esc(duration_text(item.time_to_ack_s))}</td>"
        f"<td>{esc(_status(item, report))}</td>"
        f"<td>{esc(item.note)}</td>"
        "</tr>"
        for item in report.alerts
    )
    table = (
        "<table border='1' cellspacing='0' cellpadding='4'><tr><th>Fired</th><th>Severity</th>"
        "<th>Alert</th><th>Acknowledged</th><th>Time to ack</th><th>Now</th><th>Note</th></tr>"
        f"{rows}</table>"
        if report.alerts
        else "<p>Nothing fired.</p>"
    )
    silences = "".join(
        f"<li>{esc(item.alert.title)} — until "
        f"{esc(_when(item.silenced_past(report.until), tz, report))}</li>"
        for item in report.silences_into_next
    )
    parts = [
        "<!DOCTYPE html><html><head><meta charset='utf-8'>",
        f"<title>Hand-over {esc(_span(report, tz))}</title></head><body>",
        f"<h2>Hand-over: {esc(_span(report, tz))}{label}</h2>",
        f"<p><b>{esc(headline(report))}</b></p>",
        table,
    ]
    if silences:
        parts.append(f"<h3>Silences into the next shift</h3><ul>{silences}</ul>")
    if report.note.strip():
        note = "<br>".join(esc(line) for line in report.note.strip().splitlines())
        parts.append(f"<h3>Notes</h3><p>{note}</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def to_json(report: Handover) -> dict[str, Any]:
    def alert(item: ShiftAlert) -> dict[str, Any]:
        a = item.alert
        silenced = item.silenced_past(report.until)
        return {
            "id": a.id,
            "title": a.title,
            "severity": a.severity.value,
            "source": a.origin,
            "fired_at": a.started_at.isoformat(),
            "acknowledged_at": a.acknowledged_at.isoformat() if a.acknowledged_at else None,
            "acknowledged_by": item.acknowledged_by,
            "time_to_ack_s": item.time_to_ack_s,
            "resolved_at": a.resolved_at.isoformat() if a.resolved_at else None,
            "open_at_end": item.open_at(report.until),
            "silenced_until": silenced.isoformat() if silenced else None,
            "note": item.note,
        }

    return {
        "since": report.since.isoformat(),
        "until": report.until.isoformat(),
        "made_at": report.made_at.isoformat(),
        "shift": report.shift_label,
        "fired": len(report.fired),
        "acknowledged": len(report.ack_times_s),
        "still_open": len(report.still_open),
        "median_time_to_ack_s": report.median_ack_s,
        "worst_time_to_ack_s": report.worst_ack_s,
        "note": report.note,
        "alerts": [alert(item) for item in report.alerts],
    }
