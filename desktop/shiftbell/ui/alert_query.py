"""The alert list's filter box: words and `name=value` terms, every one of which must match.

A word matches anywhere in the title, description, source, status, severity, labels and
id, case-insensitively ("db1" finds "Postgres on db1"). `name=value` matches a label of
that name whose value contains the value (`instance=db1`, `team=sre`); `severity`,
`status` and `source` work the same way on those fields. `name!=value` excludes. No Qt
here: the window's proxy model asks `matches` for each row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shiftbell.core.alert import Alert

_TERM = re.compile(
    r'(?P<name>[\w.-]+)(?P<op>!?=)(?P<value>"[^"]*"|\S*)|"(?P<quoted>[^"]*)"|(?P<word>\S+)'
)
_FIELDS = ("severity", "status", "source")


@dataclass(frozen=True)
class AlertQuery:
    words: tuple[str, ...] = ()
    # (name, value, wanted): wanted False for `name!=value`.
    fields: tuple[tuple[str, str, bool], ...] = ()

    @classmethod
    def parse(cls, text: str) -> AlertQuery:
        words: list[str] = []
        fields: list[tuple[str, str, bool]] = []
        for found in _TERM.finditer(text):
            if found["name"] is not None:
                value = found["value"].strip('"').casefold()
                fields.append((found["name"].casefold(), value, found["op"] == "="))
            else:
                words.append((found["quoted"] or found["word"] or "").casefold())
        return cls(tuple(w for w in words if w), tuple(fields))

    def __bool__(self) -> bool:
        return bool(self.words or self.fields)

    def matches(self, alert: Alert) -> bool:
        if not self:
            return True
        values = _named_values(alert)
        for name, value, wanted in self.fields:
            found = any(value in v for v in values.get(name, ()))
            if found != wanted:
                return False
        if self.words:
            text = _searchable(alert)
            return all(word in text for word in self.words)
        return True


def _named_values(alert: Alert) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in alert.labels:
        values.setdefault(name.casefold(), []).append(value.casefold())
    own = (alert.severity.value, alert.status.value, alert.origin)
    for name, value in zip(_FIELDS, own, strict=True):
        values.setdefault(name, []).append(value.casefold())
    return values


def _searchable(alert: Alert) -> str:
    parts = [
        alert.title,
        alert.summary,
        alert.source,
        alert.key.feed_id,
        alert.severity.value,
        alert.status.value,
        alert.id,
        *(f"{name}={value}" for name, value in alert.labels),
    ]
    return "\n".join(parts).casefold()
