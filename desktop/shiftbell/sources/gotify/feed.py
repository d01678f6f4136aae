"""Gotify: a push feed over Gotify's WebSocket stream; no acknowledgement at the source.

Options: declared in __init__.py (`shiftbell feed kinds gotify` prints them).

Secret: a Gotify *client* token (Clients tab of the Gotify web UI), sent as `X-Gotify-Key`.
An application token only sends messages and is rejected here.

Wire: a WebSocket at `{url}/stream` delivers each new message as one JSON frame (`id`,
`appid`, `title`, `message`, `priority`, `extras`, `date`). Every message is one alert: its id
is the alert's `source_id`, title and body become title and summary, the link is
`extras["client::notification"]["click"]["url"]` when the sender set one, and the
application id and priority become labels. Gotify never says a problem is over, so an alert
from Gotify stays until it is acknowledged in Shiftbell.

Severity, from the message priority, following the Gotify Android app's levels (0: no
notification, 1-3: icon only, 4-7: with sound, 8-10: with sound and vibration):
    8 and above     critical
    4-7             warning
    0-3             info; a message without a priority gets its application's default

Catching up: the WebSocket only carries what happens while it is open, so the feed remembers
the highest message id it has seen and, every time it connects, reads `GET /message`
(newest first, paged with `since=<id>`) back to that id and reports what is newer, oldest
first, before the live messages. The WebSocket is opened before that read and repeats are
dropped, so a message published during the catch-up is reported exactly once. The very first
connection only notes the newest id: starting Shiftbell does not ring for old messages.

Acknowledge: Gotify has no acknowledgement; an acknowledgement stays in Shiftbell
(`AckReceipt(local_only=True)`) and nothing is sent (the message is not deleted either).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import aiohttp
import httpx

from shiftbell.core.alert import Alert, Incoming, Severity
from shiftbell.core.errors import (
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedUnreachableError,
)
from shiftbell.sources.feed import AckReceipt, EventSink, FeedConfig
from shiftbell.sources.fields import iso_time, member
from shiftbell.sources.http import USER_AGENT, error_for_status, make_client, where_to_fix
from shiftbell.sources.options import positive_seconds
from shiftbell.sources.streams import RecentIds
from shiftbell.sources.vendor_feed import VendorFeed

log = logging.getLogger(__name__)

VENDOR = "Gotify"
CREDENTIAL = "client token"
DEFAULT_KEEPALIVE_TIMEOUT_S = 120.0
CONNECT_TIMEOUT_S = 15.0
# Gotify's own maximum page size.
PAGE_LIMIT = 200
# A catch-up longer than this is a storm; the newest messages matter most, so stop there.
MAX_CATCH_UP_PAGES = 10
_CLOSE_TIMEOUT = aiohttp.ClientWSTimeout(ws_receive=None, ws_close=5.0)


class GotifyFeed(VendorFeed):
    """One Gotify server, read through its WebSocket stream with a catch-up on every connect.

    Attributes:
        config: the feed's settings.
        keepalive_timeout_s: the longest silence accepted before the stream counts as broken.
    """

    _vendor = VENDOR
    _credential = CREDENTIAL

    def _open(
        self, config: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        self.keepalive_timeout_s = positive_seconds(
            config, "keepalive_timeout_s", DEFAULT_KEEPALIVE_TIMEOUT_S
        )
        self._base_url = config.url.rstrip("/")
        if not self._base_url.startswith(("http://", "https://")):
            raise FeedConfigError(
                f"Gotify URL {config.url!r} must start with http:// or https://: fix it in "
                f"{where_to_fix(config)}"
            )
        self._headers = {"X-Gotify-Key": secret} if secret else {}
        self._stream_url = "ws" + self._base_url.removeprefix("http") + "/stream"
        self._client = make_client(self._base_url, self._headers, transport)
        self._last_id: int | None = None
        self._seen: RecentIds[int] = RecentIds()

    @property
    def last_id(self) -> int | None:
        """The highest message id seen: the next catch-up reads back to here."""
        return self._last_id

    # -- the stream -------------------------------------------------------------------------

    async def stream(self, sink: EventSink, connected: Callable[[], None]) -> None:
        """Connect, catch up on what was missed, then report messages until the stream ends."""
        if self._last_id is None:
            # First connection: everything up to now is old news. Noted before the WebSocket
            # opens, so the catch-up below covers a message published in between.
            self._last_id = await self._newest_id()
        async with aiohttp.ClientSession(
            headers={"User-Agent": USER_AGENT},
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=5.0),
        ) as session:
            ws = await self._connect(session)
            clean = False
            try:
                for message in await self._catch_up():
                    self._report(message, sink)
                connected()
                clean = await self._read_frames(ws, sink)
            finally:
                if clean and not ws.closed:
                    await ws.close()
                # Otherwise the connection is dead or we are cancelled: closing the session
                # drops it without waiting for a closing handshake that will not come.

    async def _connect(self, session: aiohttp.ClientSession) -> aiohttp.ClientWebSocketResponse:
        try:
            async with asyncio.timeout(CONNECT_TIMEOUT_S):
                return await session.ws_connect(
                    self._stream_url,
                    headers=self._headers,
                    autoping=False,  # pings are read here: they are the keepalive
                    timeout=_CLOSE_TIMEOUT,
                )
        except aiohttp.WSServerHandshakeError as exc:
            raise self._handshake_error(exc.status) from None
        except TimeoutError:
            raise FeedUnreachableError(
                f"Gotify at {self._base_url} did not answer in time ({self.config.name})"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise FeedUnreachableError(
                f"cannot reach Gotify at {self._base_url} ({self.config.name}): {_reason(exc)}"
            ) from None

    def _handshake_error(self, status: int) -> FeedError:
        if status in (401, 403, 404, 429) or status >= 500:
            return error_for_status(status, self.config, VENDOR, CREDENTIAL, path="/stream")
        return FeedPayloadError(
            f"{self._base_url} did not open a Gotify stream at /stream (HTTP {status}) "
            f"({self.config.name}): is the URL right?"
        )

    async def _read_frames(self, ws: aiohttp.ClientWebSocketResponse, sink: EventSink) -> bool:
        """Report each message frame; True when the server closed the stream cleanly."""
        while True:
            try:
                async with asyncio.timeout(self.keepalive_timeout_s):
                    frame = await ws.receive()
            except TimeoutError:
                raise FeedUnreachableError(
                    f"the Gotify stream from {self._base_url} was silent for "
                    f"{self.keepalive_timeout_s:g} s, longer than its keepalive allows "
                    f"({self.config.name})"
                ) from None
            except (aiohttp.ClientError, OSError) as exc:
                raise self._broken(exc) from None
            if frame.type is aiohttp.WSMsgType.PING:
                try:
                    await ws.pong(frame.data)
                except (aiohttp.ClientError, OSError) as exc:
                    raise self._broken(exc) from None
            elif frame.type is aiohttp.WSMsgType.TEXT:
                message = self._decode(frame.data)
                if message is not None:
                    self._report(message, sink)
            elif frame.type is aiohttp.WSMsgType.BINARY:
                log.warning("Gotify feed %s: skipped a binary frame", self.config.name)
            elif frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING):
                return True
            elif frame.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                raise self._broken(ws.exception())
            # PONG: an answer to nobody's ping, but still a sign of life.

    def _broken(self, exc: BaseException | None) -> FeedUnreachableError:
        reason = _reason(exc) if exc is not None else "the connection closed without a goodbye"
        return FeedUnreachableError(
            f"the Gotify stream from {self._base_url} broke ({self.config.name}): {reason}"
        )

    def _decode(self, text: str) -> Mapping[str, Any] | None:
        try:
            message = json.loads(text)
        except ValueError:
            message = None
        if isinstance(message, dict) and _message_id(message) is not None:
            return message
        log.warning(
            "Gotify feed %s: skipped a frame that is not a message: %.80r", self.config.name, text
        )
        return None

    def _report(self, message: Mapping[str, Any], sink: EventSink) -> None:
        message_id = _message_id(message)
        if message_id is None or message_id in self._seen:
            return
        self._seen.add(message_id)
        self._last_id = max(self._last_id or 0, message_id)
        sink(incoming_from_message(message))

    # -- the message list -------------------------------------------------------------------

    async def _newest_id(self) -> int:
        messages, _ = await self._page({"limit": "1"})
        ids = [i for i in map(_message_id, messages) if i is not None]
        return max(ids, default=0)

    async def _catch_up(self) -> list[Mapping[str, Any]]:
        """Every message newer than the last one seen, oldest first."""
        since_id = self._last_id or 0
        newer: list[Mapping[str, Any]] = []
        params = {"limit": str(PAGE_LIMIT)}
        for _ in range(MAX_CATCH_UP_PAGES):
            messages, next_since = await self._page(params)
            for message in messages:  # newest first
                message_id = _message_id(message)
                if message_id is None:
                    log.warning("Gotify feed %s: skipped a message without an id", self.config.name)
                    continue
                if message_id <= since_id:
                    return newer[::-1]
                newer.append(message)
            if not next_since:
                return newer[::-1]
            params = {"limit": str(PAGE_LIMIT), "since": str(next_since)}
        log.warning(
            "Gotify feed %s: more than %d messages were missed; reporting the newest of them",
            self.config.name,
            len(newer),
        )
        return newer[::-1]

    async def _page(self, params: Mapping[str, str]) -> tuple[list[Mapping[str, Any]], int]:
        """One page of GET /message: its messages (newest first) and the `since` of the next."""
        _, body = await self._request("GET", "/message", params=params)
        messages = member(body, "messages")
        paging = member(body, "paging")
        if not isinstance(messages, list) or not isinstance(paging, dict):
            raise FeedPayloadError(
                f"Gotify's /message answer has no messages and paging ({self.config.name}): "
                f"is the URL right?"
            )
        next_since = paging.get("since")
        if isinstance(next_since, bool) or not isinstance(next_since, int):
            next_since = 0
        return [m for m in messages if isinstance(m, dict)], next_since

    # -- the rest of the feed protocol ------------------------------------------------------

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        """Gotify has no acknowledgement: acknowledged in Shiftbell only."""
        return AckReceipt(local_only=True)

    async def test(self) -> str:
        """Sign in with the client token and report the server's version."""
        _, user = await self._request("GET", "/current/user")
        _, version = await self._request("GET", "/version")
        name = member(user, "name")
        number = member(version, "version")
        if not isinstance(name, str) or not isinstance(number, str):
            raise FeedPayloadError(
                f"{self._base_url} does not answer like Gotify ({self.config.name}): "
                f"is the URL right?"
            )
        return f"Gotify {number}: signed in as {name}"

    async def close(self) -> None:
        await self._client.aclose()


# -- reading Gotify's JSON --------------------------------------------------------------------


def severity_for_priority(priority: object) -> Severity:
    """Gotify priority 8+ -> critical, 4-7 -> warning, 0-3 (or none) -> info."""
    if isinstance(priority, bool) or not isinstance(priority, int):
        return Severity.INFO
    if priority >= 8:
        return Severity.CRITICAL
    if priority >= 4:
        return Severity.WARNING
    return Severity.INFO


def incoming_from_message(message: Mapping[str, Any]) -> Incoming:
    """One Gotify message as an alert; fields of the wrong type are treated as absent."""
    message_id = _message_id(message)
    priority = message.get("priority")
    labels: list[tuple[str, str]] = []
    appid = message.get("appid")
    if isinstance(appid, int) and not isinstance(appid, bool):
        labels.append(("appid", str(appid)))
    if isinstance(priority, int) and not isinstance(priority, bool):
        labels.append(("priority", str(priority)))
    return Incoming(
        source_id=str(message_id if message_id is not None else ""),
        title=_text(message.get("title")) or f"Gotify message {message_id}",
        severity=severity_for_priority(priority),
        summary=_text(message.get("message")),
        url=_click_url(message.get("extras")),
        labels=tuple(sorted(labels)),
        firing=True,
        started_at=iso_time(message.get("date")),
    )


def _message_id(message: Mapping[str, Any]) -> int | None:
    value = message.get("id")
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def _click_url(extras: object) -> str:
    if not isinstance(extras, dict):
        return ""
    notification = extras.get("client::notification")
    click = member(notification, "click")
    url = member(click, "url")
    return url if isinstance(url, str) else ""


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _reason(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:200]
