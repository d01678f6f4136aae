"""Grafana OnCall (OSS) and Grafana Cloud IRM: poll open alert groups, acknowledge at the source.

`config.url` is the OnCall API URL, the one shown in OnCall > Settings (OSS) or IRM > Settings >
Admin & API (Cloud), e.g. `https://oncall-prod-eu-west-0.grafana.net/oncall`; `/api/v1/` is
appended. The secret is the token, sent as-is in `Authorization`.

Options: declared in __init__.py (`shiftbell feed kinds grafana-oncall` prints them).

Authentication. Both the OnCall API reference and Grafana's own API client (the one the
Terraform provider uses) send the token bare, also a service account token, next to
`X-Grafana-URL`; the archived OnCall server only recognises a service account token when the
header value starts with `glsa_`. So no `Bearer` is added, and one pasted with the token is
removed.

What is fetched. Alert groups in state `new` (firing), `acknowledged` and `silenced`, one query
per state because the API filters on one state per request. Silenced groups are open groups that
someone has told OnCall to keep quiet for a while, so they stay on the board as acknowledged
rather than looking resolved. The states are queried in that order so that a group acknowledged
or silenced during a fetch shows up twice rather than not at all; when it does, the later
reading wins. A group in none of the answers (resolved) leaves the board.

Requests and the rate limit. OnCall allows 300 requests per 5 minutes per token. One fetch costs one
request per state (3) when each state fits on one page of 100 groups (50 on older servers, which
ignore `perpage`); further pages cost one request each, up to `max_pages` in total. At the default
15 s interval that is 60 requests per 5 minutes for most accounts and at most 200 when every fetch
is capped, which leaves room for acknowledgements and `test()`; at other intervals the default
`max_pages` keeps to the same 200. The first page of every state is always read; the rest of the
budget goes to firing groups first. When the cap leaves groups unread (the oldest ones, as OnCall
lists newest first) a warning is logged: raise `max_pages` or narrow the feed with `team_id`,
`integration_id` or `route_id`. The unread groups are missing from the snapshot, so the board treats
them as resolved until a fetch reads them. `next` links are followed by their query only, against
the configured URL: OnCall builds them from its own idea of its address, which behind a proxy can be
an internal host, and the token must not go anywhere else.

Severity. OnCall has no severity field; an alert group is something OnCall pages people for, so
one that says nothing about its severity is `critical` (or `default_severity`). The first of
these that holds a severity Shiftbell knows wins:

1. the alert group's own label `severity` (OnCall / IRM alert group labels);
2. `labels.severity` of the last alert's payload (one Prometheus-style alert);
3. `commonLabels.severity` of the payload (an Alertmanager or Grafana Alerting notification);
4. the highest `labels.severity` among the payload's `alerts`;
5. a top-level `severity`, then `priority`, in the payload (webhooks; P1-P2 are critical, P3 a
   warning, P4-P5 info).

Words are read as in `Severity.parse` (`error`, `high`, `page` are critical; `minor`, `medium`
warnings; `low`, `none` info); anything else falls through to the next place.

Acknowledge. `POST /api/v1/alert_groups/{id}/acknowledge`. OnCall answers 400 "Can't acknowledge
an acknowledged alert group" when someone was quicker, and "Can't acknowledge a resolved alert
group" when it is over; either way nobody is paged for it any more, so both count as done. Any
other refusal (an attached or maintenance alert group) raises a FeedError with OnCall's reason.
`unacknowledge` posts to `/unacknowledge`; an alert group that is already unacknowledged counts
as done.

Silence for a chosen time. `POST /api/v1/alert_groups/{id}/silence {"delay": seconds}`: OnCall
stops paging and pages again when the delay is over (the group stays on the board as
acknowledged meanwhile). OnCall refuses it for an acknowledged or resolved group (done: nobody
is paged) and, with 403, for a service account token; the person is told to acknowledge
instead. Un-acknowledging also posts `/unsilence`, so a silenced group fires again. Resolve
posts `/resolve` (refused to service accounts the same way; already resolved is done).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from shiftbell.core.alert import Alert, Incoming, Severity, page_link
from shiftbell.core.errors import FeedConfigError, FeedError, FeedPayloadError, PayloadError
from shiftbell.sources.feed import AckReceipt, FeedConfig
from shiftbell.sources.fields import iso_time, member
from shiftbell.sources.grafana_oncall.alert_groups import (
    DEFAULT_SEVERITY,
    GroupState,
    labels_of,
    payload_of,
    permalink_of,
    severity_of,
    state_of,
    summary_of,
    title_of,
)
from shiftbell.sources.http import VendorAccount, make_client, where_to_fix
from shiftbell.sources.vendor_feed import VendorFeed

log = logging.getLogger(__name__)


VENDOR = "Grafana OnCall"


ALERT_GROUPS_PATH = "api/v1/alert_groups/"


PAGE_SIZE = 100  # OnCall's maximum for `perpage`


RATE_LIMIT_REQUESTS = 300  # per token ...


RATE_LIMIT_WINDOW_S = 300.0  # ... per 5 minutes


MOST_DEFAULT_PAGES = 20


# Query order matters: see "What is fetched" above.
POLLED_STATES = (GroupState.NEW, GroupState.ACKNOWLEDGED, GroupState.SILENCED)
# What OnCall's public API refuses a service account token (403), unlike acknowledging.
NOT_FOR_SERVICE_ACCOUNTS = ("silence", "unsilence", "resolve")
MIN_SILENCE_S = 60  # a silence that waited past its end (OnCall down) brings it back soon


FILTER_OPTIONS = ("team_id", "integration_id", "route_id")


class GrafanaOnCallFeed(VendorFeed):
    """One Grafana OnCall / IRM account (or one team, integration or route of it)."""

    _vendor = VENDOR

    def _open(
        self, config: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        self._base_url = _api_base(config)
        self._grafana_url = _grafana_url(config)
        self._filters = {k: config.options[k].strip() for k in FILTER_OPTIONS if _opt(config, k)}
        self._default_severity = _default_severity(config)
        self._max_pages = _max_pages(config)
        token = _bare_token(secret)
        if not token:
            raise FeedConfigError(
                f"{VENDOR} feed {config.name} has no API token: add it in {where_to_fix(config)}"
            )
        headers = {"Authorization": token, "Accept": "application/json"}
        if self._grafana_url:
            headers["X-Grafana-URL"] = self._grafana_url
        self._credential = "service account token" if self._grafana_url else "API token"
        self._client = make_client(self._base_url, headers, transport)
        self.account = VendorAccount(config, VENDOR, self._credential, self._client)
        self._capped_last_fetch = False

    # -- PollingFeed ----------------------------------------------------------------------

    async def fetch(self) -> list[Incoming]:
        """Every open alert group (firing, acknowledged, silenced), newest first per state."""
        by_id: dict[str, Incoming] = {}
        last_pages: list[tuple[GroupState, _Page]] = []
        for state in POLLED_STATES:
            page = await self._list({"state": state.value})
            self._collect(page, state, by_id)
            last_pages.append((state, page))
        budget = self._max_pages - len(POLLED_STATES)
        unread = 0
        for state, first in last_pages:
            page = first
            while page.next_params is not None and budget > 0:
                budget -= 1
                page = await self._list(page.next_params)
                self._collect(page, state, by_id)
            if page.next_params is not None:
                unread += max(0, page.count - page.read_so_far)
        self._report_cap(unread)
        return list(by_id.values())

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        done = ("an acknowledged alert group", "a resolved alert group")
        own = alert.ack_info if alert.ack_info is not None and not alert.ack_info.by else None
        if own is not None and own.until is not None:
            delay = max(MIN_SILENCE_S, round((own.until - self._clock.now()).total_seconds()))
            await self._act(alert, "silence", done, {"delay": delay})
        else:
            await self._act(alert, "acknowledge", done)
        return AckReceipt()

    async def resolve(self, alert: Alert) -> None:
        # OnCall's public API takes no note with it: the comment stays in Shiftbell's history.
        await self._act(alert, "resolve", ("a resolved alert group",))

    async def unacknowledge(self, alert: Alert, receipt: AckReceipt) -> None:
        await self._act(alert, "unacknowledge", ("an unacknowledged alert group",))
        # A silenced group is not acknowledged: it fires again only once unsilenced.
        done = ("unsilenced alert group", "is not silenced", "a resolved alert group")
        await self._act(alert, "unsilence", done)

    async def test(self) -> str:
        """Two one-group requests: the counts say the token, URL and filters all work."""
        counts = []
        for state in (GroupState.NEW, GroupState.ACKNOWLEDGED):
            page = await self._list({"state": state.value, "perpage": "1"}, count_only=True)
            counts.append(page.count)
        firing, acknowledged = counts
        scope = ", ".join(f"{k} {v}" for k, v in self._filters.items())
        where = f" ({scope})" if scope else ""
        groups = f"{firing} firing and {acknowledged} acknowledged alert groups"
        return f"Connected to {VENDOR}{where}: {groups}"

    async def close(self) -> None:
        await self._client.aclose()

    # -- listing --------------------------------------------------------------------------

    async def _list(
        self, params: Mapping[str, str] | Sequence[tuple[str, str]], *, count_only: bool = False
    ) -> _Page:
        query = dict(params)
        query.setdefault("perpage", str(PAGE_SIZE))
        for key, value in self._filters.items():
            query.setdefault(key, value)
        status, body = await self._request("GET", ALERT_GROUPS_PATH, ok=(400,), params=query)
        if status == 400:
            # OnCall answers a filter it does not know (a team id from another stack) with 400
            # and the offending parameter as the key.
            raise FeedConfigError(
                f"{VENDOR} refused the alert group query ({_drf_reason(body)}): check "
                f"{', '.join(FILTER_OPTIONS)} in {where_to_fix(self.config)}"
            )
        return _Page.parse(body, self.config, count_only=count_only)

    def _collect(self, page: _Page, queried: GroupState, by_id: dict[str, Incoming]) -> None:
        for raw in page.results:
            incoming = self._incoming(raw, queried)
            if incoming is None:
                continue
            # Pages are collected in the order they were read: a group in two answers changed
            # state during the fetch, and the later reading is the current one.
            by_id[incoming.source_id] = incoming

    def _incoming(self, group: Any, queried: GroupState) -> Incoming | None:
        if not isinstance(group, dict) or not isinstance(group.get("id"), str) or not group["id"]:
            log.warning(
                "%s (%s): skipped an alert group without an id: %.200r",
                VENDOR,
                self.config.name,
                group,
            )
            return None
        group_id: str = group["id"]
        state = state_of(group.get("state"), queried)
        payload = payload_of(group)
        return Incoming(
            source_id=group_id,
            title=title_of(group, payload),
            severity=severity_of(group, self._default_severity),
            summary=summary_of(payload),
            url=permalink_of(group),
            links=page_link(f"In {VENDOR}", permalink_of(group)),
            labels=labels_of(group, payload),
            firing=state is not GroupState.RESOLVED,
            acknowledged=state in (GroupState.ACKNOWLEDGED, GroupState.SILENCED),
            started_at=iso_time(group.get("created_at")),
        )

    def _report_cap(self, unread: int) -> None:
        capped = unread > 0
        if capped and not self._capped_last_fetch:
            # Once per stretch, not every 15 s: the person can only act on it once.
            log.warning(
                "%s (%s): stopped after %d requests with %d alert groups unread (the oldest); "
                "raise max_pages or narrow the feed with team_id, integration_id or route_id "
                "in %s",
                VENDOR,
                self.config.name,
                self._max_pages,
                unread,
                where_to_fix(self.config),
            )
        elif capped:
            log.debug("%s (%s): still capped, %d unread", VENDOR, self.config.name, unread)
        self._capped_last_fetch = capped

    # -- acting ---------------------------------------------------------------------------

    async def _act(
        self,
        alert: Alert,
        action: str,
        already_done: Iterable[str],
        body: Mapping[str, object] | None = None,
    ) -> None:
        group_id = alert.key.source_id
        silences = action in NOT_FOR_SERVICE_ACCOUNTS
        status, answer = await self._request(
            "POST",
            f"{ALERT_GROUPS_PATH}{quote(group_id, safe='')}/{action}",
            # OnCall's 403 here is about the action, not the token: service accounts may not.
            ok=(400, 403, 404) if silences else (400, 404),
            json=body,
        )
        if status == 403:
            raise FeedError(
                f"{VENDOR} does not let this token {action} alert groups "
                f"({_drf_reason(answer) or 'forbidden'}): acknowledge instead, or use a "
                f"user's API token ({self.config.name})"
            )
        if status == 404:
            raise FeedError(
                f"{VENDOR} has no alert group {group_id} any more ({self.config.name}): "
                f"it was deleted, or belongs to another stack"
            )
        if status == 400:
            reason = _drf_reason(answer)
            if any(phrase in reason.lower() for phrase in already_done):
                log.info("%s (%s): %s %s: %s", VENDOR, self.config.name, action, group_id, reason)
                return
            raise FeedError(
                f"{VENDOR} refused to {action} {alert.title!r} ({group_id}): "
                f"{reason or 'no reason given'} ({self.config.name})"
            )


@dataclass(frozen=True)
class _Page:
    """One page of OnCall's list answer (DRF page-number pagination).

    `count` is the total for the query, `next_params` the query of the next page (None on the
    last), `read_so_far` how many of `count` this and the earlier pages held.
    """

    results: list[Any]
    count: int
    next_params: list[tuple[str, str]] | None
    read_so_far: int

    @classmethod
    def parse(cls, body: Any, config: FeedConfig, *, count_only: bool = False) -> _Page:
        results = member(body, "results")
        count = member(body, "count")
        if not isinstance(results, list) or not isinstance(count, int):
            raise FeedPayloadError(
                f"{VENDOR} answered the alert group list without `count` and `results` "
                f"({config.name}): is the URL the OnCall API URL?"
            )
        if count_only:
            return cls([], count, None, 0)
        next_url = body.get("next")
        next_params = _next_params(next_url) if isinstance(next_url, str) and next_url else None
        page_number = body.get("current_page_number")
        page_size = body.get("page_size")
        if isinstance(page_number, int) and isinstance(page_size, int):
            read_so_far = (page_number - 1) * page_size + len(results)
        else:
            read_so_far = len(results)
        return cls(results, count, next_params, read_so_far)


def _next_params(url: str) -> list[tuple[str, str]]:
    return list(httpx.URL(url).params.multi_items())


def _drf_reason(body: Any) -> str:
    """Django REST framework's error text: `{"detail": ".."}` or `{"field": ["..", ..]}`."""
    if isinstance(body, str):
        return body[:200]
    if not isinstance(body, dict):
        return ""
    parts = []
    for key, value in body.items():
        if isinstance(value, list):
            value = " ".join(str(v) for v in value)
        text = str(value)
        parts.append(text if key == "detail" else f"{key}: {text}")
    return "; ".join(parts)[:200]


def _opt(config: FeedConfig, key: str) -> str:
    return config.options.get(key, "").strip()


def _http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _api_base(config: FeedConfig) -> str:
    url = config.url.strip().rstrip("/")
    # People paste the URL with the API path on it, from the curl examples.
    for suffix in ("/api/v1", "/api"):
        if url.endswith(suffix):
            url = url[: -len(suffix)]
            break
    if not _http_url(url):
        raise FeedConfigError(
            f"{VENDOR} URL {config.url!r} is not an http(s) URL: use the OnCall API URL from "
            f"OnCall > Settings, in {where_to_fix(config)}"
        )
    return url + "/"


def _grafana_url(config: FeedConfig) -> str:
    # OnCall matches X-Grafana-URL against the stack URL it stored, which has no trailing slash.
    value = _opt(config, "grafana_url").rstrip("/")
    if value and not _http_url(value):
        raise FeedConfigError(
            f"grafana_url {value!r} is not an http(s) URL: use the stack URL, e.g. "
            f"https://STACK.grafana.net, in {where_to_fix(config)}"
        )
    return value


def _default_severity(config: FeedConfig) -> Severity:
    value = _opt(config, "default_severity")
    if not value:
        return DEFAULT_SEVERITY
    try:
        return Severity.parse(value)
    except PayloadError as exc:
        raise FeedConfigError(f"default_severity: {exc}, in {where_to_fix(config)}") from None


def _max_pages(config: FeedConfig) -> int:
    least = len(POLLED_STATES)
    value = _opt(config, "max_pages")
    if not value:
        # Two thirds of the limit for polling; the rest is for acknowledgements and test().
        interval_s = max(config.interval_s, 1.0)
        per_fetch = int(RATE_LIMIT_REQUESTS * 2 * interval_s / (3 * RATE_LIMIT_WINDOW_S))
        return max(least, min(per_fetch, MOST_DEFAULT_PAGES))
    if not value.isdigit() or int(value) < least:
        raise FeedConfigError(
            f"max_pages {value!r} must be a whole number of at least {least} (one request per "
            f"state), in {where_to_fix(config)}"
        )
    return int(value)


def _bare_token(secret: str) -> str:
    token = secret.strip()
    if token.lower().startswith("bearer "):
        token = token[len("bearer ") :].strip()
    return token
