"""HTTP for the polling feeds: one place that turns httpx and status codes into FeedErrors.

Every adapter calls `request_json`, so every source reports a dead server, a
wrong token, a rate limit or a garbled answer in the same words, naming the feed
and what to do about it.
"""

from __future__ import annotations

import email.utils
import functools
import json
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from shiftbell.core.errors import (
    FeedAuthError,
    FeedError,
    FeedPayloadError,
    FeedRateLimitedError,
    FeedUnreachableError,
)
from shiftbell.sources.feed import FeedConfig

DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
USER_AGENT = "shiftbell"
# Connections kept open between polls (httpx's default is 5 s, so a feed polling every 5 s
# or more connected anew each time: a third of an idle poll's CPU).
KEEP_ALIVE_S = 60.0


def make_client(
    base_url: str,
    headers: Mapping[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    auth: httpx.Auth | tuple[str, str] | None = None,
    verify: ssl.SSLContext | bool = True,
) -> httpx.AsyncClient:
    """An httpx client for one feed. `transport` lets tests swap the network out; `verify`
    is a context for a server with a CA of its own (never False)."""
    if verify is True:
        verify = system_trust()
    return httpx.AsyncClient(
        base_url=base_url,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        timeout=DEFAULT_TIMEOUT,
        transport=transport,
        auth=auth,
        follow_redirects=True,
        verify=verify,
        limits=httpx.Limits(keepalive_expiry=KEEP_ALIVE_S),
    )


@functools.cache
def system_trust() -> ssl.SSLContext:
    """The system's CAs, read once for every client: httpx reads them anew for each one
    (tens of milliseconds and a megabyte each, for every feed, phone and schedule)."""
    return httpx.create_ssl_context()


class Configured(Protocol):
    """What the helpers name in their messages: a feed, or a phone channel (phones/)."""

    @property
    def name(self) -> str: ...

    @property
    def settings_page(self) -> str: ...


def where_to_fix(config: Configured) -> str:
    return f"Settings > {config.settings_page} > {config.name}"


async def request_json(
    client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> tuple[int, Any]:
    """`request`, with the answer's JSON: (status, parsed JSON or None for an empty body)."""
    response = await request(client, method, url, **kwargs)
    return response.status_code, _json(response, kwargs["config"], kwargs["vendor"])


async def request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    config: Configured,
    vendor: str,
    credential: str = "token",
    ok: tuple[int, ...] = (),
    **kwargs: Any,
) -> httpx.Response:
    """Send a request; return the response (the body may be JSON or an HTML page).

    Statuses in `ok` are returned as they are, even 4xx (e.g. Grafana's 400 for
    "already acknowledged"); any other non-2xx becomes the matching FeedError.
    """
    try:
        try:
            response = await client.request(method, url, **kwargs)
        except (httpx.RemoteProtocolError, httpx.ReadError):
            if method != "GET":
                raise
            # A kept-alive connection (KEEP_ALIVE_S) the server closed just as it was used
            # again: a GET is safe to send once more, on a new connection.
            response = await client.request(method, url, **kwargs)
    except httpx.TimeoutException:
        raise FeedUnreachableError(
            f"{vendor} at {str(client.base_url) or url} did not answer in time ({config.name})"
        ) from None
    except httpx.HTTPError as exc:
        raise FeedUnreachableError(
            f"cannot reach {vendor} at {str(client.base_url) or url} ({config.name}): "
            f"{_reason(exc)}"
        ) from None
    status = response.status_code
    if status in ok or 200 <= status < 300:
        return response
    raise status_error(response, config, vendor, credential)


def status_error(
    response: httpx.Response, config: Configured, vendor: str, credential: str = "token"
) -> FeedError:
    return error_for_status(
        response.status_code,
        config,
        vendor,
        credential,
        path=response.request.url.path,
        detail=_detail(response),
        retry_after_s=retry_after_seconds(response.headers),
    )


def error_for_status(
    status: int,
    config: Configured,
    vendor: str,
    credential: str = "token",
    *,
    path: str,
    detail: str = "",
    retry_after_s: float | None = None,
) -> FeedError:
    """The FeedError for an HTTP error status (a 2xx is the caller's to have handled)."""
    if status in (401, 403):
        what = "rejected the" if status == 401 else "refused access with the"
        return FeedAuthError(
            f"{vendor} {what} {credential} ({status}{detail}): check the {credential} in "
            f"{where_to_fix(config)}"
        )
    if status == 429:
        retry = retry_after_s
        wait = f"; retrying in {retry:.0f} s" if retry is not None else ""
        return FeedRateLimitedError(f"{vendor} rate limit reached ({config.name}){wait}", retry)
    if status == 404:
        return FeedError(f"{vendor} has no {path} (404): check the URL in {where_to_fix(config)}")
    if status >= 500:
        return FeedUnreachableError(f"{vendor} server error {status}{detail} ({config.name})")
    return FeedError(f"{vendor} refused the request ({status}{detail}) ({config.name})")


def retry_after_seconds(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """How long a 429 asked us to wait: Retry-After (seconds or HTTP date) or a reset header."""
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.replace(".", "", 1).isdigit():
            return float(value)
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        if parsed is not None:
            return max(0.0, parsed.timestamp() - (now if now is not None else time.time()))
    # PagerDuty: ratelimit-reset (seconds until reset); Opsgenie: X-RateLimit-Reset (check).
    for name in ("ratelimit-reset", "x-ratelimit-reset"):
        value = headers.get(name)
        if value and value.strip().replace(".", "", 1).isdigit():
            seconds = float(value)
            # Some send an epoch time instead of a delay.
            if seconds > 10**9:
                seconds = max(0.0, seconds - (now if now is not None else time.time()))
            return seconds
    return None


def _json(response: httpx.Response, config: Configured, vendor: str) -> Any:
    if not response.content.strip():
        return None
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FeedPayloadError(
            f"{vendor} answered {response.request.url.path} with something that is not JSON "
            f"({exc}) ({config.name}): is the URL right?"
        ) from None


def _detail(response: httpx.Response) -> str:
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return ""
    message = ""
    if isinstance(body, dict):
        for key in ("message", "error", "detail", "errorMessage"):
            value = body.get(key)
            if isinstance(value, str):
                message = value
                break
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                message = value["message"]
                break
    return f": {message[:200]}" if message else ""


def _reason(exc: httpx.HTTPError) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]


@dataclass
class VendorAccount:
    """An authenticated session with one vendor account: the client its feed and its schedule share.

    Requests go through `request_json`, so a dead server, a rejected key or a rate limit reads
    the same for the schedule as for the feed, and points at the feed's settings, where the key
    lives.
    """

    feed: FeedConfig
    vendor: str  # the vendor's name in messages ("PagerDuty", "JSM Ops")
    credential: str  # what the secret is called in messages ("API key")
    client: httpx.AsyncClient

    async def get(
        self,
        path: str,
        *,
        params: Mapping[str, str | int] | Sequence[tuple[str, str | int]] | None = None,
        ok: tuple[int, ...] = (),
    ) -> tuple[int, Any]:
        return await request_json(
            self.client,
            "GET",
            path,
            config=self.feed,
            vendor=self.vendor,
            credential=self.credential,
            ok=ok,
            params=params,
        )

    async def close(self) -> None:
        await self.client.aclose()
