"""Sample alerts for the widget and tray tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from shiftbell.core.alert import Alert, AlertKey, Severity, Status

NOW = datetime(2026, 3, 4, 3, 12, tzinfo=UTC)

AlertFactory = Callable[..., Alert]


def build_alert(
    n: int,
    title: str = "Disk full on db1",
    severity: Severity = Severity.CRITICAL,
    status: Status = Status.FIRING,
    age: timedelta = timedelta(minutes=2),
    now: datetime = NOW,
    **fields: Any,
) -> Alert:
    """An alert with id "a<n>" that started `age` before `now`."""
    started = now - age
    values: dict[str, Any] = {
        "id": f"a{n}",
        "key": AlertKey("test", f"s{n}"),
        "title": title,
        "severity": severity,
        "status": status,
        "started_at": started,
        "alarm_since": started,
        "updated_at": started,
        "source": "Alertmanager prod",
    }
    if status is Status.ACKNOWLEDGED:
        values["acknowledged_at"] = started + timedelta(seconds=30)
    if status is Status.RESOLVED:
        values["resolved_at"] = started + timedelta(minutes=1)
    values.update(fields)
    return Alert(**values)
