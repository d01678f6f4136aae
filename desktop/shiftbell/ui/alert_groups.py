"""How the alert list groups its rows: by source, by alert name or by host, and what a
group's heading says. No Qt here: the list's model (ui/alert_tree.py) asks for each alert.

A host is read from the labels the sources give (`host` from Zabbix, Icinga and Nagios,
`instance` from Prometheus, where "db1:9100" and "db1:9187" are one machine, so the port
is dropped). An alert without one goes to "(no host)", not away: grouping never hides an
alert.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from shiftbell.core.alert import Alert, Severity, Status

NO_HOST = "(no host)"
_NAME_LABELS = ("alertname", "service", "check")
_HOST_LABELS = ("host", "hostname", "instance", "nodename", "node", "device")
_PORT = re.compile(r":\d+$")


class Grouping(StrEnum):
    NONE = "none"
    SOURCE = "source"
    NAME = "name"
    HOST = "host"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def short_label(self) -> str:
        """For the box beside the filter, which must stay narrow."""
        return _LABELS[self].replace("Group by", "By")


_LABELS = {
    Grouping.NONE: "No grouping",
    Grouping.SOURCE: "Group by source",
    Grouping.NAME: "Group by alert name",
    Grouping.HOST: "Group by host",
}


def group_name(alert: Alert, grouping: Grouping) -> str:
    """The group `alert` belongs to ("" with no grouping)."""
    match grouping:
        case Grouping.SOURCE:
            return alert.origin
        case Grouping.NAME:
            return _label(alert, _NAME_LABELS) or " ".join(alert.title.split())
        case Grouping.HOST:
            host = _label(alert, _HOST_LABELS)
            if not host:
                return NO_HOST
            # "[::1]:9100" and "db1:9100" lose the port; a bare IPv6 address keeps its colons.
            return _PORT.sub("", host) if host.count(":") == 1 or host.startswith("[") else host
        case _:
            return ""


def _label(alert: Alert, names: Sequence[str]) -> str:
    values = dict(alert.labels)
    for name in names:
        value = values.get(name, "").strip()
        if value:
            return value
    return ""


@dataclass(frozen=True)
class Group:
    """One heading of the list and its alerts' ids, in the list's order."""

    name: str
    alert_ids: tuple[str, ...]


def arrange(alerts: Iterable[Alert], grouping: Grouping) -> list[Group]:
    """Group `alerts`, which are in the list's order: each group stands where its first
    alert stood, so the group holding the most urgent alert comes first."""
    members: dict[str, list[str]] = {}
    for alert in alerts:
        members.setdefault(group_name(alert, grouping), []).append(alert.id)
    return [Group(name, tuple(ids)) for name, ids in members.items()]


def heading(name: str, alerts: Sequence[Alert]) -> str:
    """ "db1 — 3 alerts, 2 firing": what a group's row says."""
    firing = sum(1 for a in alerts if a.status is Status.FIRING)
    count = f"{len(alerts)} alert{'s' if len(alerts) != 1 else ''}"
    shown = " ".join(name.split()) or "(none)"
    return f"{shown} — {count}, {firing} firing" if firing else f"{shown} — {count}"


def worst_firing(alerts: Iterable[Alert]) -> Severity | None:
    """The most severe firing alert's severity, for the heading's icon; None when none fires."""
    firing = [a.severity for a in alerts if a.status is Status.FIRING]
    return max(firing, key=lambda s: s.rank) if firing else None
