"""What statusjson.cgi says, read into alerts: no I/O here, so each answer shape is tested
on its own.

statusjson.cgi (Nagios 4's JSON CGI) answers `{"result": {"type_code": 0, ...}, "data":
{...}}`; its states are bits (a service: 4 warning, 8 unknown, 16 critical; a host: 4 down,
8 unreachable), its times milliseconds since the epoch, `state_type` 1 a hard state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shiftbell.core.alert import AckInfo, Incoming, Severity, page_link
from shiftbell.core.errors import FeedError, FeedPayloadError
from shiftbell.sources.fields import member

VENDOR = "Nagios"
SERVICE_STATES = {4: "WARNING", 8: "UNKNOWN", 16: "CRITICAL"}
HOST_STATES = {4: "DOWN", 8: "UNREACHABLE"}
HARD = 1
ACKNOWLEDGEMENT = 4  # a comment's entry_type
# Nagios rewrites its status file every status_update_interval (10 s by default); one not
# rewritten for this long means a daemon that no longer runs its loop.
STALE_AFTER_S = 600


@dataclass(frozen=True)
class Reading:
    """How the feed's options read the states."""

    soft_states: bool
    unknown_severity: Severity
    link: Callable[[str, str], str]  # (host, service or "") -> the page in Nagios' web UI


def data_of(answer: object, feed: str, what: str) -> dict[str, Any]:
    """The `data[what]` table of a statusjson.cgi answer; FeedError when Nagios says no."""
    if answer is None:
        # An empty page: the CGI found no status file, which Nagios removes when it stops.
        raise FeedError(
            f"{VENDOR} answered with an empty page ({feed}): is the Nagios daemon running? "
            "(its status file is missing)"
        )
    if not isinstance(answer, dict) or not isinstance(answer.get("result"), dict):
        raise FeedPayloadError(f"{VENDOR} answered statusjson.cgi without a result ({feed})")
    result = answer["result"]
    stale_s = (_int(result.get("query_time")) - _int(result.get("last_data_update"))) / 1000
    if _int(result.get("last_data_update")) > 0 and stale_s > STALE_AFTER_S:
        # The CGIs read the status file; a hung daemon leaves it behind, looking all clear.
        raise FeedError(
            f"{VENDOR}'s status is {stale_s / 60:.0f} minutes old ({feed}): the daemon has "
            "stopped writing it; is Nagios hung?"
        )
    if result.get("type_code", 0) != 0:
        said = _text(result.get("message")) or _text(result.get("type_text")) or "no reason"
        raise FeedError(f"{VENDOR} refused the {what} query: {said} ({feed})")
    data = answer.get("data")
    table = member(data, what)
    if not isinstance(table, dict):
        raise FeedPayloadError(f"{VENDOR} answered the {what} query without its list ({feed})")
    return table


def host_problems(
    hosts: dict[str, Any], reading: Reading, acks: dict[str, AckInfo]
) -> list[Incoming]:
    found = []
    for name, details in hosts.items():
        if not isinstance(details, dict) or not _counts(details, reading):
            continue
        state = HOST_STATES.get(_int(details.get("status")))
        if state is None:
            continue
        found.append(
            Incoming(
                source_id=name,
                title=f"{name} is {state}",
                severity=Severity.CRITICAL if state == "DOWN" else Severity.WARNING,
                summary=_output(details),
                labels=(("host", name), ("state", state)),
                links=page_link(f"In Nagios: {name}", reading.link(name, "")),
                acknowledged=_handled(details),
                started_at=_time(details.get("last_state_change")),
                ack_info=acks.get(name),
            )
        )
    return found


def service_problems(
    services: dict[str, Any], reading: Reading, acks: dict[str, AckInfo]
) -> list[Incoming]:
    found = []
    for host, by_name in services.items():
        if not isinstance(by_name, dict):
            continue
        for name, details in by_name.items():
            if not isinstance(details, dict) or not _counts(details, reading):
                continue
            state = SERVICE_STATES.get(_int(details.get("status")))
            if state is None:
                continue
            severity = {"CRITICAL": Severity.CRITICAL, "WARNING": Severity.WARNING}.get(
                state, reading.unknown_severity
            )
            found.append(
                Incoming(
                    source_id=f"{host}!{name}",
                    title=f"{name} on {host} is {state}",
                    severity=severity,
                    summary=_output(details),
                    labels=(("host", host), ("service", name), ("state", state)),
                    links=page_link(f"In Nagios: {name}", reading.link(host, name)),
                    acknowledged=_handled(details),
                    started_at=_time(details.get("last_state_change")),
                    ack_info=acks.get(f"{host}!{name}"),
                )
            )
    return found


def any_handled(*tables: dict[str, Any]) -> bool:
    """Whether a problem in these lists is acknowledged (then who did it is worth a query)."""
    for table in tables:
        for entry in table.values():
            if isinstance(entry, dict) and entry.get("problem_has_been_acknowledged") is True:
                return True
            if isinstance(entry, dict) and any(
                isinstance(d, dict) and d.get("problem_has_been_acknowledged") is True
                for d in entry.values()
            ):
                return True
    return False


def acknowledgements(comments: dict[str, Any]) -> dict[str, AckInfo]:
    """Who acknowledged what (by host or host!service), from the acknowledgement comments;
    the latest comment wins where there are several."""
    latest: dict[str, tuple[int, AckInfo]] = {}
    for comment in comments.values():
        if not isinstance(comment, dict) or _int(comment.get("entry_type")) != ACKNOWLEDGEMENT:
            continue
        host, service = _text(comment.get("host_name")), _text(comment.get("service_description"))
        key = f"{host}!{service}" if service else host
        entered = _int(comment.get("entry_time"))
        if key in latest and latest[key][0] > entered:
            continue
        expires = comment.get("expires") is True
        latest[key] = (
            entered,
            AckInfo(
                by=_text(comment.get("author")),
                comment=_text(comment.get("comment_data")),
                until=_time(comment.get("expire_time")) if expires else None,
            ),
        )
    return {key: info for key, (_, info) in latest.items()}


def _counts(details: dict[str, Any], reading: Reading) -> bool:
    return reading.soft_states or _int(details.get("state_type")) == HARD


def _handled(details: dict[str, Any]) -> bool:
    downtime = _int(details.get("scheduled_downtime_depth"))
    return details.get("problem_has_been_acknowledged") is True or downtime > 0


def _output(details: dict[str, Any]) -> str:
    lines = [_text(details.get("plugin_output")), _text(details.get("long_plugin_output"))]
    return "\n".join(line.strip() for line in lines if line.strip())


def _time(value: object) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value / 1000, UTC)
    return None


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
