"""What problem.get and trigger.get say, read into alerts: no I/O here.

A problem is one event (`eventid`) of one trigger (`objectid`); its hosts come from the
trigger, asked for all problems in one trigger.get. Zabbix severities: 0 not classified,
1 information, 2 warning, 3 average, 4 high, 5 disaster. An acknowledge entry's `action` is a
bit mask: 1 close, 2 acknowledge, 4 message, 8 severity, 16 unacknowledge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from shiftbell.core.alert import AckInfo, Incoming, Severity, page_link

LEVEL_NAMES = ("not classified", "information", "warning", "average", "high", "disaster")
ACKNOWLEDGE, MESSAGE, UNACKNOWLEDGE = 2, 4, 16


@dataclass(frozen=True)
class Reading:
    """How the feed's options read problems."""

    critical_from: int  # the lowest Zabbix severity that is critical here
    warning_from: int
    frontend: str  # the frontend's base URL, for links


@dataclass(frozen=True)
class Trigger:
    hosts: tuple[tuple[str, str], ...]  # (technical name, visible name)
    manual_close: bool


def level(name: str) -> int:
    """The Zabbix severity number of an option's value ("not_classified" -> 0)."""
    return LEVEL_NAMES.index(name.strip().lower().replace("_", " "))


def triggers_of(answer: object) -> dict[str, Trigger]:
    found: dict[str, Trigger] = {}
    for trigger in answer if isinstance(answer, list) else []:
        if not isinstance(trigger, dict):
            continue
        hosts = tuple(
            (_text(h.get("host")), _text(h.get("name")) or _text(h.get("host")))
            for h in trigger.get("hosts") or []
            if isinstance(h, dict)
        )
        manual = str(trigger.get("manual_close", "0")) == "1"
        found[_text(trigger.get("triggerid"))] = Trigger(hosts, manual)
    return found


def problem_alerts(
    problems: list[Any],
    triggers: Mapping[str, Trigger],
    reading: Reading,
    people: Mapping[str, str] | None = None,
) -> list[Incoming]:
    """`people` names the users who acknowledged, by user id (from `people_of`)."""
    found = []
    for problem in problems:
        if not isinstance(problem, dict) or not _text(problem.get("eventid")):
            continue
        trigger = triggers.get(_text(problem.get("objectid")))
        found.append(_alert(problem, trigger, reading, people or {}))
    return found


def acknowledgers(problems: list[Any]) -> list[str]:
    """The ids of the users who acknowledged a current problem (6.0 gives only ids)."""
    ids = {
        _text(entry.get("userid"))
        for problem in problems
        if isinstance(problem, dict) and str(problem.get("acknowledged")) == "1"
        for entry in problem.get("acknowledges") or []
        if isinstance(entry, dict)
    }
    return sorted(i for i in ids if i)


def people_of(answer: object) -> dict[str, str]:
    """User id -> "Name Surname (login)", from a user.get answer."""
    users = answer if isinstance(answer, list) else []
    return {_text(u.get("userid")): _who(u) for u in users if isinstance(u, dict)}


def trigger_ids(problems: list[Any]) -> list[str]:
    ids = {_text(p.get("objectid")) for p in problems if isinstance(p, dict)}
    return sorted(i for i in ids if i)


def _alert(
    problem: dict[str, Any], trigger: Trigger | None, reading: Reading, people: Mapping[str, str]
) -> Incoming:
    eventid = _text(problem["eventid"])
    number = _int(problem.get("severity"))
    if number >= reading.critical_from:
        severity = Severity.CRITICAL
    elif number >= reading.warning_from:
        severity = Severity.WARNING
    else:
        severity = Severity.INFO
    hosts = trigger.hosts if trigger is not None else ()
    labels = [("host", hosts[0][0])] if hosts else []
    labels.append(("severity", LEVEL_NAMES[number] if 0 <= number < 6 else str(number)))
    for tag in problem.get("tags") or []:
        if isinstance(tag, dict) and _text(tag.get("tag")):
            labels.append((_text(tag["tag"]), _text(tag.get("value"))))
    shown = ", ".join(name for _, name in hosts)
    summary = "\n".join(
        line
        for line in (f"Host: {shown}" if shown else "", _text(problem.get("opdata")).strip())
        if line
    )
    query = urlencode({"triggerid": _text(problem.get("objectid")), "eventid": eventid})
    acknowledged = str(problem.get("acknowledged", "0")) == "1"
    suppressed = str(problem.get("suppressed", "0")) == "1"
    return Incoming(
        source_id=eventid,
        title=_text(problem.get("name")) or f"Zabbix problem {eventid}",
        severity=severity,
        summary=summary,
        labels=tuple(labels),
        links=page_link("In Zabbix: the event", f"{reading.frontend}/tr_events.php?{query}"),
        acknowledged=acknowledged or suppressed,
        started_at=_time(problem.get("clock")),
        ack_info=_ack_info(problem.get("acknowledges"), people) if acknowledged else None,
    )


def _ack_info(entries: object, people: Mapping[str, str]) -> AckInfo | None:
    """The latest acknowledgement's author, and its message (or the latest message)."""
    if not isinstance(entries, list):
        return None
    ordered = sorted(
        (e for e in entries if isinstance(e, dict)), key=lambda e: _int(e.get("clock"))
    )
    acks = [e for e in ordered if _int(e.get("action")) & ACKNOWLEDGE]
    if not acks:
        return None
    last = acks[-1]
    messages = [e for e in ordered if _int(e.get("action")) & MESSAGE and _text(e.get("message"))]
    message = _text(last.get("message")) or (_text(messages[-1]["message"]) if messages else "")
    return AckInfo(by=people.get(_text(last.get("userid"))) or _who(last), comment=message)


def _who(entry: dict[str, Any]) -> str:
    full = " ".join(p for p in (_text(entry.get("name")), _text(entry.get("surname"))) if p)
    login = _text(entry.get("username")) or _text(entry.get("alias"))
    if full and login:
        return f"{full} ({login})"
    return full or login or f"user {_text(entry.get('userid'))}"


def _time(value: object) -> datetime | None:
    seconds = _int(value)
    return datetime.fromtimestamp(seconds, UTC) if seconds > 0 else None


def _int(value: object) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return 0


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
