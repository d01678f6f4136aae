"""PagerDuty (REST API v2): open incidents, polled; acknowledged with a PUT.

Options: declared in __init__.py (`shiftbell feed kinds pagerduty` prints them).

Fetch: GET /incidents?statuses[]=triggered&statuses[]=acknowledged&date_range=all, 100 per
page, following `more` with `offset` (PagerDuty serves at most offset + limit = 10000).
`date_range=all` matters: without it PagerDuty searches only the last month, and an incident
opened 5 weeks ago and still open would silently disappear from the snapshot (= resolved).

Severity (the first rule that applies):
    1. The incident has a priority named P1..P5 (`priority.name`, else `priority.summary`):
       P1, P2 -> critical; P3 -> warning; P4, P5 -> info.
    2. Otherwise its urgency: high -> critical; low -> warning.
    Priorities renamed to something other than P1..P5 fall back to the urgency.

Acknowledge: PUT /incidents/{id} with
`{"incident": {"type": "incident_reference", "status": "acknowledged"}}` (and `From:` as
above); confirmed when the answer's incident status is acknowledged (or resolved: nothing is
left to acknowledge). The person's comment becomes a note on the incident (POST
/incidents/{id}/notes); a silence for a chosen time is PagerDuty's snooze (POST
/incidents/{id}/snooze with the seconds left), after which PagerDuty triggers the incident
again and Shiftbell alarms. Both name the person in `From:` (from_email, or the token's
user). Resolve is the same PUT with status resolved (the comment a note first). PagerDuty
cannot un-acknowledge through its API, so `unacknowledge` raises. Rate limit: 429 with
`ratelimit-reset` (seconds), handled by sources/http.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from shiftbell.core.alert import AckInfo, Alert, Incoming, Severity, page_link
from shiftbell.core.errors import FeedConfigError, FeedError, FeedPayloadError
from shiftbell.sources.feed import AckReceipt, FeedConfig
from shiftbell.sources.fields import iso_time, member, priority_severity, text_member
from shiftbell.sources.http import VendorAccount, make_client, where_to_fix
from shiftbell.sources.vendor_feed import VendorFeed

log = logging.getLogger(__name__)
E = TypeVar("E", bound=StrEnum)

VENDOR = "PagerDuty"
CREDENTIAL = "API key"
DEFAULT_URL = "https://api.pagerduty.com"
ACCEPT = "application/vnd.pagerduty+json;version=2"
PAGE_SIZE = 100  # PagerDuty's maximum `limit`
MAX_WINDOW = 10_000  # PagerDuty refuses offset + limit beyond this
OPEN_STATUSES = ("triggered", "acknowledged")
MIN_SNOOZE_S = 60  # a silence that waited past its end (PagerDuty down) brings it back soon


class AuthScheme(StrEnum):
    TOKEN = "token"
    OAUTH = "oauth"


class Scope(StrEnum):
    AUTO = "auto"
    MINE = "mine"
    ALL = "all"


@dataclass(frozen=True)
class _Identity:
    """Who the secret belongs to; `user` is None for an account (general access) API key."""

    user: _User | None


@dataclass(frozen=True)
class _User:
    id: str
    name: str
    email: str


class PagerDutyFeed(VendorFeed):
    """Polls PagerDuty's open incidents and acknowledges them there. See the module docstring."""

    _vendor = VENDOR
    _credential = CREDENTIAL

    def _open(
        self, config: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        options = config.options
        self._auth = _option(AuthScheme, "auth", AuthScheme.TOKEN, config)
        self._scope = _option(Scope, "scope", Scope.AUTO, config)
        self._user_ids = _csv(options.get("user_id", ""))
        self._service_ids = _csv(options.get("service_ids", ""))
        self._urgencies = _csv(options.get("urgencies", "").lower())
        for urgency in self._urgencies:
            if urgency not in ("high", "low"):
                raise FeedConfigError(
                    f"PagerDuty urgency {urgency!r} is not high or low: fix `urgencies` in "
                    f"{where_to_fix(config)}"
                )
        self._from_email = options.get("from_email", "").strip()
        if not secret:
            raise FeedConfigError(f"PagerDuty needs an API key: add it in {where_to_fix(config)}")
        authorization = (
            f"Bearer {secret}" if self._auth is AuthScheme.OAUTH else f"Token token={secret}"
        )
        self._client = make_client(
            (config.url or DEFAULT_URL).rstrip("/"),
            {"Authorization": authorization, "Accept": ACCEPT},
            transport,
        )
        self.account = VendorAccount(config, VENDOR, CREDENTIAL, self._client)
        self._identity: _Identity | None = None

    # -- PollingFeed ----------------------------------------------------------------------

    async def fetch(self) -> list[Incoming]:
        params: list[tuple[str, str | int]] = [("statuses[]", s) for s in OPEN_STATUSES]
        params += [("user_ids[]", u) for u in await self._assignee_filter()]
        params += [("service_ids[]", s) for s in self._service_ids]
        params += [("urgencies[]", u) for u in self._urgencies]
        params += [("date_range", "all"), ("limit", PAGE_SIZE)]
        incidents: dict[str, Incoming] = {}
        offset = 0
        while True:
            if offset + PAGE_SIZE > MAX_WINDOW:
                # A truncated snapshot would resolve every incident past the window, so
                # refuse rather than pretend.
                raise FeedConfigError(
                    f"PagerDuty has more than {MAX_WINDOW} open incidents for {self.config.name}"
                    f": narrow the feed with scope, service_ids or urgencies in "
                    f"{where_to_fix(self.config)}"
                )
            _, body = await self._request("GET", "/incidents", params=[*params, ("offset", offset)])
            page = _field(body, "incidents", list, self.config)
            for item in page:
                incoming = self._incoming(item)
                if incoming is not None:
                    # An incident triggered while we page shifts the later pages: keep one.
                    incidents.setdefault(incoming.source_id, incoming)
            if not (isinstance(body, dict) and body.get("more") is True) or not page:
                return list(incidents.values())
            offset += len(page)

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        incident_id = alert.key.source_id
        if await self._set_status(incident_id, "acknowledged") == "resolved":
            return AckReceipt()  # nothing is left to acknowledge
        own = alert.ack_info if alert.ack_info is not None and not alert.ack_info.by else None
        if own is not None and own.until is not None:
            seconds = max(MIN_SNOOZE_S, round((own.until - self._clock.now()).total_seconds()))
            await self._on_incident(incident_id, "snooze", {"duration": seconds})
        if own is not None and own.comment:
            await self._on_incident(incident_id, "notes", {"note": {"content": own.comment}})
        return AckReceipt()

    async def resolve(self, alert: Alert) -> None:
        incident_id = alert.key.source_id
        if alert.ack_comment:
            await self._on_incident(incident_id, "notes", {"note": {"content": alert.ack_comment}})
        await self._set_status(incident_id, "resolved")

    async def _set_status(self, incident_id: str, wanted: str) -> str:
        """PUT the incident's status; its status after ("resolved" if it already was)."""
        status, body = await self._request(
            "PUT",
            f"/incidents/{quote(incident_id, safe='')}",
            ok=(400, 404),
            json={"incident": {"type": "incident_reference", "status": wanted}},
            headers=await self._from_headers(),
        )
        if status == 404:
            raise FeedError(
                f"PagerDuty has no incident {incident_id} any more (404): it may have been "
                f"deleted or merged ({self.config.name})"
            )
        if status == 400:
            self._refused(incident_id, wanted, body)
            return "resolved"  # nothing is left to do
        state = _field(body, "incident", dict, self.config).get("status")
        if state not in (wanted, "resolved"):
            verb = "acknowledge" if wanted == "acknowledged" else "resolve"
            raise FeedError(
                f"PagerDuty did not {verb} incident {incident_id}: it is still {state!r} "
                f"({self.config.name})"
            )
        return str(state)

    async def _on_incident(self, incident_id: str, action: str, body: dict[str, Any]) -> None:
        """POST /incidents/{id}/snooze or /notes, in the person's name."""
        status, answer = await self._request(
            "POST",
            f"/incidents/{quote(incident_id, safe='')}/{action}",
            ok=(400,),
            json=body,
            headers=await self._person_headers(),
        )
        if status == 400:
            message, details = _pd_error(answer)
            said = "; ".join([message, *details]) or "no reason given"
            what = "snooze" if action == "snooze" else "add the note to"
            raise FeedError(
                f"PagerDuty refused to {what} incident {incident_id} (400: {said}) "
                f"({self.config.name})"
            )

    async def unacknowledge(self, alert: Alert, receipt: AckReceipt) -> None:
        raise FeedError(
            f"PagerDuty cannot un-acknowledge an incident through its API ({self.config.name}): "
            f"it triggers again by itself when its acknowledgement times out"
        )

    async def test(self) -> str:
        identity = await self._whoami()
        incidents = await self.fetch()
        acknowledged = sum(1 for i in incidents if i.acknowledged)
        counted = f"{len(incidents)} open incident{'s' if len(incidents) != 1 else ''}"
        if acknowledged:
            counted += f" ({acknowledged} acknowledged)"
        if identity.user is not None:
            user = identity.user
            who = f"signed in as {user.name}" + (f" ({user.email})" if user.email else "")
        else:
            _, body = await self._request("GET", "/abilities")
            abilities = _field(body, "abilities", list, self.config)
            who = f"account API key works ({len(abilities)} abilities)"
        assignees = await self._assignee_filter()
        if not assignees:
            whose = "that the key can see"
        elif identity.user is not None and assignees == [identity.user.id]:
            whose = "assigned to you"
        else:
            whose = f"assigned to {', '.join(assignees)}"
        return f"PagerDuty: {who}; {counted} {whose}"

    async def close(self) -> None:
        await self._client.aclose()

    # -- who am I -------------------------------------------------------------------------

    async def _whoami(self) -> _Identity:
        """GET /users/me once: a user token answers with the user, an account key with a 400."""
        if self._identity is not None:
            return self._identity
        status, body = await self._request("GET", "/users/me", ok=(400,))
        if status == 400:
            # PagerDuty: "Because this request was made using an account-level access token,
            # we were unable to determine the user's identity."
            identity = _Identity(user=None)
        else:
            user = _field(body, "user", dict, self.config)
            user_id = text_member(user, "id")
            if not user_id:
                raise FeedPayloadError(
                    f"PagerDuty answered /users/me without a user id ({self.config.name})"
                )
            identity = _Identity(
                _User(user_id, _text(user.get("name")) or user_id, _text(user.get("email")))
            )
        self._identity = identity
        return identity

    async def _assignee_filter(self) -> list[str]:
        """The `user_ids[]` to send: [] means every incident the key can see."""
        if self._scope is Scope.ALL:
            return []
        if self._user_ids:
            return list(self._user_ids)
        identity = await self._whoami()
        if identity.user is not None:
            return [identity.user.id]
        if self._scope is Scope.MINE:
            raise FeedConfigError(
                f"PagerDuty cannot tell whose incidents are yours with an account API key "
                f"({self.config.name}): set user_id to your PagerDuty user id, or use a user "
                f"API token, in {where_to_fix(self.config)}"
            )
        return []

    async def _from_headers(self) -> dict[str, str]:
        """`From:` for an acknowledgement: from_email, or none with a user token."""
        if self._from_email:
            return {"From": self._from_email}
        identity = await self._whoami()
        if identity.user is None:
            raise FeedConfigError(
                f"PagerDuty needs to know who acknowledges when the feed uses an account API "
                f"key ({self.config.name}): set from_email to your PagerDuty login email in "
                f"{where_to_fix(self.config)}"
            )
        return {}  # a user token: PagerDuty credits the token's owner

    async def _person_headers(self) -> dict[str, str]:
        """`From:` naming the person, which a snooze and a note want even with a user token."""
        headers = await self._from_headers()
        if not headers:
            identity = await self._whoami()
            if identity.user is not None and identity.user.email:
                headers = {"From": identity.user.email}
        return headers

    # -- helpers --------------------------------------------------------------------------

    def _refused(self, incident_id: str, wanted: str, body: object) -> None:
        """A 400 to a status change: returns if the incident is resolved already."""
        message, details = _pd_error(body)
        said = "; ".join([message, *details]) or "no reason given"
        lowered = said.lower()
        if "resolved" in lowered:
            return  # nothing left to do; the next fetch resolves it
        verb = "acknowledge" if wanted == "acknowledged" else "resolve"
        if "from" in lowered and "header" in lowered:
            raise FeedConfigError(
                f"PagerDuty wants a valid From email to {verb} ({said}): set from_email "
                f"to a PagerDuty user's login email in {where_to_fix(self.config)}"
            )
        raise FeedError(
            f"PagerDuty refused to {verb} incident {incident_id} (400: {said}) ({self.config.name})"
        )

    def _incoming(self, item: object) -> Incoming | None:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            log.warning("%s: skipping an incident without an id", self.config.name)
            return None
        incident_id: str = item["id"]
        number = item.get("incident_number")
        title = _text(item.get("title")) or _text(item.get("summary")) or f"Incident {incident_id}"
        urgency = _text(item.get("urgency")).lower()
        priority = _priority_name(item.get("priority"))
        service = _summary(item.get("service"))
        labels: dict[str, str] = {"status": _text(item.get("status"))}
        if urgency:
            labels["urgency"] = urgency
        if priority:
            labels["priority"] = priority
        if service:
            labels["service"] = service
        if isinstance(number, int):
            labels["incident_number"] = str(number)
        summary_parts = [f"#{number}" if isinstance(number, int) else "", service]
        return Incoming(
            source_id=incident_id,
            title=title,
            severity=severity_for(urgency, priority),
            summary=" on ".join(p for p in summary_parts if p),
            url=_text(item.get("html_url")),
            links=page_link(f"In {VENDOR}", _text(item.get("html_url"))),
            labels=tuple(sorted((k, v) for k, v in labels.items() if v)),
            firing=True,
            acknowledged=item.get("status") == "acknowledged",
            started_at=iso_time(item.get("created_at")),
            ack_info=_ack_info(item),
        )


def _ack_info(incident: dict[str, Any]) -> AckInfo | None:
    """Who acknowledged an acknowledged incident: the last of its `acknowledgements`."""
    if incident.get("status") != "acknowledged":
        return None
    acks = incident.get("acknowledgements")
    last = acks[-1] if isinstance(acks, list) and acks else None
    return AckInfo(by=_summary(last.get("acknowledger")) if isinstance(last, dict) else "")


def severity_for(urgency: str, priority: str) -> Severity:
    """The rule in the module docstring: a P1..P5 priority wins, else the urgency."""
    by_priority = priority_severity(priority)
    if by_priority is not None:
        return by_priority
    return Severity.CRITICAL if urgency.lower() == "high" else Severity.WARNING


def _priority_name(priority: object) -> str:
    if not isinstance(priority, dict):
        return ""
    return _text(priority.get("name")) or _text(priority.get("summary"))


def _summary(reference: object) -> str:
    return _text(reference.get("summary")) if isinstance(reference, dict) else ""


def _pd_error(body: object) -> tuple[str, list[str]]:
    """PagerDuty's error shape: {"error": {"message", "code", "errors": [...]}}."""
    error = member(body, "error")
    if not isinstance(error, dict):
        return "", []
    details = error.get("errors")
    return _text(error.get("message")), [
        d for d in (details if isinstance(details, list) else []) if isinstance(d, str)
    ]


def _field(body: object, name: str, kind: type[Any], config: FeedConfig) -> Any:
    value = member(body, name)
    if not isinstance(value, kind):
        raise FeedPayloadError(
            f"PagerDuty answered without a {name!r} {kind.__name__} ({config.name}): "
            f"is the URL a PagerDuty REST API (https://api.pagerduty.com)?"
        )
    return value


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def _option(kind: type[E], name: str, default: E, config: FeedConfig) -> E:
    text = config.options.get(name, "")
    word = text.strip().lower()
    if not word:
        return default
    try:
        return kind(word)
    except ValueError:
        allowed = ", ".join(e.value for e in kind)
        raise FeedConfigError(
            f"PagerDuty option {name} = {text!r} is not one of {allowed}: fix it in "
            f"{where_to_fix(config)}"
        ) from None
