"""Opsgenie, and its successor JSM Ops (Jira Service Management operations): open alerts,
polled; acknowledged with a POST whose outcome is confirmed asynchronously.

Options: declared in __init__.py (`shiftbell feed kinds opsgenie` prints them).

Fetch: GET /v2/alerts?query=status:open&limit=100&offset=..&sort=createdAt&order=desc (JSM: GET
/v1/alerts with `size` instead of `limit`), following `paging.next` (JSM: `links.next`) until
there is none. Acknowledged alerts stay in the query on purpose: leaving them out would make
the snapshot resolve every alert the moment somebody acknowledged it.

Severity, from the alert's priority (Opsgenie's default is P3):
    P1, P2 -> critical; P3 -> warning; P4, P5 -> info.
`acknowledged` is the alert's own `acknowledged`, or `snoozed` (Opsgenie is not notifying
anybody about a snoozed alert, so neither does Shiftbell).

Acknowledge: POST /v2/alerts/{id}/acknowledge?identifierType=id (JSM: POST
/v1/alerts/{id}/acknowledge) with {"user", "source": "Shiftbell", "note"}; Opsgenie answers 202
with a requestId and does the work later, so Shiftbell polls GET /v2/alerts/requests/{requestId}
for a few seconds: it answers 404 until the request is processed, then `isSuccess` true or
false with the reason in `status`. Not processed within the deadline ->
FeedUnreachableError, so the acknowledgement queue tries again. Un-acknowledge is the same
with /unacknowledge. A silence for a chosen time is the same with /snooze and {"endTime"}:
a snooze rather than an acknowledgement, so the alert pages again when it ends. Resolve is
/close (an alert closed already counts as done).

Rate limits: a 429 is a FeedRateLimitedError; Opsgenie documents `X-RateLimit-State` /
`X-RateLimit-Period-In-Sec` but no Retry-After, so unless one is sent the runner's backoff
decides the wait.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from shiftbell.core.alert import Alert, Incoming, Severity, page_link
from shiftbell.core.errors import (
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedUnreachableError,
)
from shiftbell.sources.feed import AckReceipt, FeedConfig
from shiftbell.sources.fields import iso_time, member, priority_severity, text_member
from shiftbell.sources.http import VendorAccount, make_client, request_json, where_to_fix

log = logging.getLogger(__name__)

DEFAULT_OPSGENIE_URL = "https://api.opsgenie.com"
DEFAULT_JSM_URL = "https://api.atlassian.com"
PAGE_SIZE = 100  # the maximum both APIs allow
MAX_WINDOW = 20_000  # JSM: "Sum of offset and size should be lower than 20K"
ACK_SOURCE = "Shiftbell"
ACK_NOTE = "Acknowledged in Shiftbell"
UNACK_NOTE = "Acknowledgement withdrawn in Shiftbell"
SNOOZE_NOTE = "Silenced in Shiftbell"
CLOSE_NOTE = "Resolved in Shiftbell"
# Opsgenie usually processes a request within a second; these waits (about 4 s in all) are
# the confirmation protocol, not a retry policy: the queue retries a request still pending.
CONFIRM_DELAYS_S: tuple[float, ...] = (0.2, 0.3, 0.5, 1.0, 2.0)
CONFIRM_DEADLINE_S = 6.0


class Api(StrEnum):
    OPSGENIE = "opsgenie"
    JSM = "jsm"


@dataclass(frozen=True)
class _Dialect:
    """Where Opsgenie and JSM Ops differ; everything else (alert fields, query syntax) is shared."""

    vendor: str
    credential: str
    alerts_path: str  # relative to the API base
    page_size_param: str
    items_key: str
    next_link: tuple[str, str]  # (envelope key, link key)
    ack_params: tuple[tuple[str, str], ...]
    status_envelope: str  # "" when the request status is the body itself


_OPSGENIE = _Dialect(
    vendor="Opsgenie",
    credential="API key",
    alerts_path="/v2/alerts",
    page_size_param="limit",
    items_key="data",
    next_link=("paging", "next"),
    ack_params=(("identifierType", "id"),),
    status_envelope="data",
)
_JSM = _Dialect(
    vendor="JSM Ops",
    credential="API token",
    alerts_path="/alerts",
    page_size_param="size",
    items_key="values",
    next_link=("links", "next"),
    ack_params=(),
    status_envelope="",
)


class _Action(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    UNACKNOWLEDGE = "unacknowledge"
    SNOOZE = "snooze"
    CLOSE = "close"


class OpsgenieFeed:
    """Polls Opsgenie's (or JSM Ops') open alerts and acknowledges them there.

    `confirm_delays_s` / `confirm_deadline_s` set how long `acknowledge` waits for Opsgenie
    to process the request; tests shorten them.
    """

    def __init__(
        self,
        config: FeedConfig,
        secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        confirm_delays_s: Sequence[float] = CONFIRM_DELAYS_S,
        confirm_deadline_s: float = CONFIRM_DEADLINE_S,
    ) -> None:
        self.config = config
        options = config.options
        api_text = options.get("api", "").strip().lower() or Api.OPSGENIE.value
        try:
            self._api = Api(api_text)
        except ValueError:
            raise FeedConfigError(
                f"Opsgenie option api = {options.get('api')!r} is not opsgenie or jsm: fix it "
                f"in {where_to_fix(config)}"
            ) from None
        self._dialect = _JSM if self._api is Api.JSM else _OPSGENIE
        self._user = options.get("user", "").strip()
        self._web_url = options.get("web_url", "").strip()
        extra = options.get("query", "").strip()
        self._query = f"status:open AND ({extra})" if extra else "status:open"
        self._confirm_delays_s = tuple(confirm_delays_s)
        self._confirm_deadline_s = confirm_deadline_s
        if not secret:
            raise FeedConfigError(
                f"{self._dialect.vendor} needs an {self._dialect.credential}: add it in "
                f"{where_to_fix(config)}"
            )
        if self._api is Api.JSM:
            self._client = make_client(
                _jsm_base(config),
                {"Accept": "application/json"},
                transport,
                _jsm_auth(config, secret),
            )
        else:
            self._client = make_client(
                (config.url.strip() or DEFAULT_OPSGENIE_URL).rstrip("/"),
                {"Authorization": f"GenieKey {secret}", "Accept": "application/json"},
                transport,
            )
        self.account = VendorAccount(
            config, self._dialect.vendor, self._dialect.credential, self._client
        )
        self.is_jsm = self._api is Api.JSM  # JSM Ops's API base already ends in /v1

    # -- PollingFeed ----------------------------------------------------------------------

    async def fetch(self) -> list[Incoming]:
        dialect = self._dialect
        found: dict[str, Incoming] = {}
        offset = 0
        while True:
            params: dict[str, str | int] = {
                "query": self._query,
                dialect.page_size_param: PAGE_SIZE,
                "offset": offset,
                "sort": "createdAt",
                "order": "desc",
            }
            _, body = await self._request("GET", dialect.alerts_path, params=params)
            page = member(body, dialect.items_key)
            if not isinstance(page, list):
                raise FeedPayloadError(
                    f"{dialect.vendor} answered without a {dialect.items_key!r} list of alerts "
                    f"({self.config.name}): is the URL right?"
                )
            for item in page:
                incoming = self._incoming(item)
                if incoming is not None:
                    # Alerts created while we page shift later pages: keep one of each.
                    found.setdefault(incoming.source_id, incoming)
            next_offset = _next_offset(body, dialect.next_link)
            if not page or next_offset is None or next_offset <= offset:
                return list(found.values())
            if next_offset + PAGE_SIZE > MAX_WINDOW:
                # A truncated snapshot would resolve everything past the window.
                raise FeedConfigError(
                    f"{dialect.vendor} has more than {MAX_WINDOW} open alerts for "
                    f"{self.config.name}: narrow the feed with `query` in "
                    f"{where_to_fix(self.config)}"
                )
            offset = next_offset

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        own = alert.ack_info if alert.ack_info is not None and not alert.ack_info.by else None
        if own is not None and own.until is not None:
            # Silenced for a chosen time: Opsgenie's snooze, not an acknowledgement, so that
            # when it ends Opsgenie pages again and Shiftbell alarms (an acknowledgement would
            # outlast it).
            until = own.until.astimezone(UTC).isoformat().replace("+00:00", "Z")
            note = alert.ack_comment or SNOOZE_NOTE
            await self._act(_Action.SNOOZE, alert, note, {"endTime": until})
        else:
            await self._act(_Action.ACKNOWLEDGE, alert, alert.ack_comment or ACK_NOTE)
        return AckReceipt()

    async def resolve(self, alert: Alert) -> None:
        await self._act(_Action.CLOSE, alert, alert.ack_comment or CLOSE_NOTE)

    async def unacknowledge(self, alert: Alert, receipt: AckReceipt) -> None:
        await self._act(_Action.UNACKNOWLEDGE, alert, UNACK_NOTE)

    async def test(self) -> str:
        alerts = await self.fetch()
        acknowledged = sum(1 for a in alerts if a.acknowledged)
        text = f"{self._dialect.vendor}: {len(alerts)} open alert{'s' if len(alerts) != 1 else ''}"
        return f"{text} ({acknowledged} acknowledged)" if acknowledged else text

    async def close(self) -> None:
        await self._client.aclose()

    # -- acknowledge, asynchronously ------------------------------------------------------

    async def _act(
        self, action: _Action, alert: Alert, note: str, extra: dict[str, str] | None = None
    ) -> None:
        dialect = self._dialect
        alert_id = alert.key.source_id
        body: dict[str, str] = {"source": ACK_SOURCE, "note": note, **(extra or {})}
        if self._user:
            body["user"] = self._user
        status, answer = await self._request(
            "POST",
            f"{dialect.alerts_path}/{quote(alert_id, safe='')}/{action.value}",
            ok=(404,),
            params=dict(dialect.ack_params),
            json=body,
        )
        if status == 404:
            raise FeedError(
                f"{dialect.vendor} has no alert {alert_id} (404): it may have been deleted "
                f"({self.config.name})"
            )
        request_id = text_member(answer, "requestId")
        if not request_id:
            raise FeedPayloadError(
                f"{dialect.vendor} accepted the {action.value} of alert {alert_id} without a "
                f"requestId to confirm it with ({self.config.name})"
            )
        await self._confirm(action, alert, request_id)

    async def _confirm(self, action: _Action, alert: Alert, request_id: str) -> None:
        """Poll the request status until Opsgenie has processed it, within the deadline."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._confirm_deadline_s
        path = f"{self._dialect.alerts_path}/requests/{quote(request_id, safe='')}"
        for delay in self._confirm_delays_s:
            if loop.time() + delay > deadline:
                break
            await asyncio.sleep(delay)
            status, answer = await self._request("GET", path, ok=(404,))
            if status == 404:
                continue  # "Request not found. It might not be processed, yet."
            outcome = self._request_outcome(answer)
            success = outcome.get("isSuccess")
            reason = _text(outcome.get("status"))
            if success is True:
                return
            if success is False:
                if _already_done(action, reason):
                    return
                raise FeedError(
                    f"{self._dialect.vendor} did not {action.value} alert "
                    f"{_alert_name(alert)}: {reason or 'no reason given'} ({self.config.name})"
                )
            raise FeedPayloadError(
                f"{self._dialect.vendor} answered the request status without isSuccess "
                f"({self.config.name})"
            )
        raise FeedUnreachableError(
            f"{self._dialect.vendor} has not confirmed the {action.value} of alert "
            f"{_alert_name(alert)} yet ({self.config.name}); trying again"
        )

    def _request_outcome(self, answer: object) -> dict[str, Any]:
        envelope = self._dialect.status_envelope
        outcome = answer.get(envelope) if envelope and isinstance(answer, dict) else answer
        if not isinstance(outcome, dict):
            raise FeedPayloadError(
                f"{self._dialect.vendor} answered the request status with something unexpected "
                f"({self.config.name})"
            )
        return outcome

    # -- helpers --------------------------------------------------------------------------

    async def _request(
        self, method: str, url: str, *, ok: tuple[int, ...] = (), **kwargs: Any
    ) -> tuple[int, Any]:
        return await request_json(
            self._client,
            method,
            url,
            config=self.config,
            vendor=self._dialect.vendor,
            credential=self._dialect.credential,
            ok=ok,
            **kwargs,
        )

    def _incoming(self, item: object) -> Incoming | None:
        if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
            log.warning("%s: skipping an alert without an id", self.config.name)
            return None
        alert_id: str = item["id"]
        tiny_id = _text(item.get("tinyId"))
        priority = _text(item.get("priority")).upper() or "P3"
        source = _text(item.get("source"))
        entity = _text(item.get("entity"))
        owner = _text(item.get("owner"))
        raw_tags = item.get("tags")
        tags = [t for t in raw_tags if isinstance(t, str)] if isinstance(raw_tags, list) else []
        integration = item.get("integration")
        integration_name = _text(integration.get("name")) if isinstance(integration, dict) else ""
        labels = {
            "priority": priority,
            "tinyId": tiny_id,
            "source": source,
            "entity": entity,
            "owner": owner,
            "integration": integration_name,
            "tags": ", ".join(tags),
        }
        summary = [
            f"#{tiny_id}" if tiny_id else "",
            f"from {source}" if source else "",
            f"on {entity}" if entity else "",
            f"tags: {', '.join(tags)}" if tags else "",
        ]
        return Incoming(
            source_id=alert_id,
            title=_text(item.get("message")) or f"Alert {tiny_id or alert_id}",
            severity=severity_for(priority),
            summary=" · ".join(s for s in summary if s),
            url=self._link(alert_id, tiny_id),
            links=page_link(f"In {self._dialect.vendor}", self._link(alert_id, tiny_id)),
            labels=tuple(sorted((k, v) for k, v in labels.items() if v)),
            firing=_text(item.get("status")).lower() != "closed",
            acknowledged=item.get("acknowledged") is True or item.get("snoozed") is True,
            started_at=iso_time(item.get("createdAt")),
        )

    def _link(self, alert_id: str, tiny_id: str) -> str:
        if not self._web_url:
            return ""
        if "{id}" in self._web_url or "{tinyId}" in self._web_url:
            return self._web_url.replace("{id}", alert_id).replace("{tinyId}", tiny_id)
        return f"{self._web_url.rstrip('/')}/alert/detail/{alert_id}/details"


def severity_for(priority: str) -> Severity:
    """P1, P2 critical; P3 warning; P4, P5 info; anything else is Opsgenie's default, P3."""
    return priority_severity(priority) or Severity.WARNING


def _jsm_base(config: FeedConfig) -> str:
    root = (config.url.strip() or DEFAULT_JSM_URL).rstrip("/")
    if "/jsm/ops/api/" in root:
        return root  # the person pasted the whole API base
    cloud_id = config.options.get("cloud_id", "").strip()
    if not cloud_id:
        raise FeedConfigError(
            f"JSM Ops needs the site's cloud id: set cloud_id in {where_to_fix(config)} "
            f"(https://YOUR-SITE.atlassian.net/_edge/tenant_info shows it)"
        )
    return f"{root}/jsm/ops/api/{cloud_id}/v1"


def _jsm_auth(config: FeedConfig, secret: str) -> tuple[str, str]:
    email = config.options.get("email", "").strip()
    if email:
        return email, secret
    user, colon, token = secret.partition(":")
    if not colon or not user or not token:
        raise FeedConfigError(
            f"JSM Ops signs in with an Atlassian account: store the secret as "
            f"'email:api-token', or set email and store only the token, in {where_to_fix(config)}"
        )
    return user, token


def _next_offset(body: dict[str, Any], link: tuple[str, str]) -> int | None:
    """The offset of the next page, read from the vendor's next-page link.

    Only the offset is taken from the link; the request goes to the configured base URL, so
    the key never follows a link to another host and a proxy in between keeps working.
    """
    envelope = body.get(link[0])
    url = text_member(envelope, link[1])
    if not url:
        return None
    values = parse_qs(urlsplit(url).query).get("offset")
    if not values or not values[0].isdigit():
        return None
    return int(values[0])


def _already_done(action: _Action, reason: str) -> bool:
    """A refusal that still leaves the alert where we wanted it (or with nothing to do)."""
    lowered = reason.lower()
    if "closed" in lowered:
        return True
    if action is _Action.ACKNOWLEDGE:
        return "already acknowledged" in lowered
    if action is _Action.SNOOZE:
        return False  # a snooze sets a new end: "already snoozed" may end at another time
    return "not acknowledged" in lowered or "already unacknowledged" in lowered


def _alert_name(alert: Alert) -> str:
    tiny = dict(alert.labels).get("tinyId")
    return f"#{tiny}" if tiny else alert.key.source_id


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
