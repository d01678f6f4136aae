"""FakeGotify: a small real Gotify server for tests, speaking its documented client API.

- `GET /stream`: a WebSocket that sends each new message as one JSON text frame and pings
  every `ping_interval_s` (Gotify: `server.stream.pingperiodseconds`, 45 s by default).
- `GET /message?limit=&since=`: the messages newest first, `since` selecting ids below it,
  with Gotify's `paging` block (`since` is the last id returned when there is a next page).
- `GET /current/user`, `GET /version`: answers shaped like tests/data/gotify.

Everything but /version wants a client token (`X-Gotify-Key`, `?token=`, or
`Authorization: Bearer`); anything else gets Gotify's 401 body. Messages live in this object,
not in the server, so they survive a restart and can be published while it is down.

Test hooks: `publish()`, `publish(..., cut=True)` (that message's frame is cut halfway and the
connection closed, no closing handshake), `drop_streams()` (connections closed abruptly),
`send_raw_text()` (a frame that is not a message), `go_silent()` (no more pings),
`stop()` / `start()` / `restart()` (open streams are closed with 1001 "going away" first).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web
from tests.helpers.data import TEST_DATA
from tests.helpers.streaming_server import StreamingFake

DATA = TEST_DATA / "gotify"
CLIENT_TOKEN = "CXnE8jcj5nrUb.S"
APP_TOKEN = "AhTo0c4Hd_BNN2p"  # may only publish: the client API rejects it


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


@dataclass(frozen=True)
class _Cut:
    """Send half of this frame, then drop the connection."""

    text: str


@dataclass(frozen=True)
class _Drop:
    """Close the connection without a closing handshake."""


_GOING_AWAY = None  # queue item: close the WebSocket cleanly (1001)


@dataclass
class _Subscriber:
    queue: asyncio.Queue[str | _Cut | _Drop | None] = field(default_factory=asyncio.Queue)
    pings: int = 0


class FakeGotify(StreamingFake):
    """Start with `with FakeGotify() as gotify:`; `gotify.url` is the server's base URL."""

    def __init__(self, *, client_token: str = CLIENT_TOKEN, ping_interval_s: float = 45.0) -> None:
        super().__init__()
        self.server.route("GET", "/stream", self._stream)
        self.server.route("GET", "/message", self._messages)
        self.server.route("GET", "/current/user", self._current_user)
        self.server.route("GET", "/version", self._version)
        self.client_token = client_token
        self.ping_interval_s = ping_interval_s
        self.messages: list[dict[str, Any]] = []  # oldest first, ids ascending
        # Called (on the server loop) before each GET /message is answered: lets a test
        # publish at the exact moment a catch-up is being read.
        self.before_list: Callable[[], None] | None = None
        self.connections = 0  # WebSocket connections accepted
        self._subscribers: list[_Subscriber] = []
        self._silent = False
        self._next_id = 1
        self._lock = threading.Lock()

    @property
    def pings_sent(self) -> int:
        """Pings sent on the streams open right now."""
        return sum(s.pings for s in self._subscribers)

    # -- test hooks -----------------------------------------------------------------------

    def publish(
        self,
        title: str,
        message: str,
        *,
        priority: int | None = 5,
        extras: dict[str, Any] | None = None,
        appid: int = 1,
        cut: bool = False,
    ) -> dict[str, Any]:
        """Create a message like `POST /message` with an app token; returns it as stored.

        While the server is down the message is only stored, as if it had been published
        just before the restart.
        """
        if self._running:
            result: dict[str, Any] = self.server.call(
                self._publish(title, message, priority, extras, appid, cut)
            )
            return result
        return self._store(title, message, priority, extras, appid)

    def send_raw_text(self, text: str) -> None:
        """Send one text frame that is not a message to every open stream."""
        self.server.call(self._to_all(text))

    def drop_streams(self) -> None:
        """Close every open stream's connection abruptly: no close frame."""
        self.server.call(self._to_all(_Drop()))

    def go_silent(self) -> None:
        """Stop pinging: the streams stay open but nothing more arrives."""
        self._silent = True

    # -- on the server loop ---------------------------------------------------------------

    def _store(
        self,
        title: str,
        message: str,
        priority: int | None,
        extras: dict[str, Any] | None,
        appid: int,
    ) -> dict[str, Any]:
        with self._lock:
            stored: dict[str, Any] = {
                "id": self._next_id,
                "appid": appid,
                "message": message,
                "title": title,
                "priority": 0 if priority is None else priority,  # the app's default
                "date": _go_time(datetime.now(UTC)),
            }
            if extras:
                stored["extras"] = extras
            self._next_id += 1
            self.messages.append(stored)
        return stored

    def publish_on_loop(
        self,
        title: str,
        message: str,
        priority: int | None = 5,
        extras: dict[str, Any] | None = None,
        appid: int = 1,
        cut: bool = False,
    ) -> dict[str, Any]:
        """`publish()` for code already on the server loop (a `before_list` hook)."""
        stored = self._store(title, message, priority, extras, appid)
        text = json.dumps(stored)
        item = _Cut(text) if cut else text
        for sub in self._subscribers:
            sub.queue.put_nowait(item)
        return stored

    async def _publish(
        self,
        title: str,
        message: str,
        priority: int | None,
        extras: dict[str, Any] | None,
        appid: int,
        cut: bool,
    ) -> dict[str, Any]:
        return self.publish_on_loop(title, message, priority, extras, appid, cut)

    async def _end_streams(self) -> None:
        """Close every open stream with 1001 (going away)."""
        await self._to_all(_GOING_AWAY)

    async def _to_all(self, item: str | _Cut | _Drop | None) -> None:
        for sub in self._subscribers:
            sub.queue.put_nowait(item)

    def _authorized(self, request: web.Request) -> bool:
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        offered = {
            request.headers.get("X-Gotify-Key"),
            request.query.get("token"),
            bearer or None,
        }
        return self.client_token in offered

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        if not self._authorized(request):
            return web.json_response(_load("unauthorized.json"), status=401)
        ws = web.WebSocketResponse(timeout=2.0)
        await ws.prepare(request)
        sub = _Subscriber()
        self._subscribers.append(sub)
        self.connections += 1
        reader = asyncio.create_task(self._read_until_closed(ws, sub))
        try:
            await self._pump(request, ws, sub)
        except ConnectionError:
            pass  # the client went away, or the test cut the connection
        finally:
            self._subscribers.remove(sub)
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        return ws

    async def _read_until_closed(self, ws: web.WebSocketResponse, sub: _Subscriber) -> None:
        """Read what the client sends (pongs, its close), and end the pump when it goes."""
        async for frame in ws:
            if frame.type is WSMsgType.ERROR:
                break
        sub.queue.put_nowait(_Drop())

    async def _pump(
        self, request: web.Request, ws: web.WebSocketResponse, sub: _Subscriber
    ) -> None:
        while True:
            try:
                item = await asyncio.wait_for(sub.queue.get(), self.ping_interval_s)
            except TimeoutError:
                if not self._silent:
                    await ws.ping()
                    sub.pings += 1
                continue
            if item is _GOING_AWAY:
                await ws.close(code=1001, message=b"server shutting down")
                return
            transport = request.transport
            if transport is None:
                return  # the client is already gone
            if isinstance(item, _Drop):
                transport.abort()
                return
            if isinstance(item, _Cut):
                frame = _text_frame_header(len(item.text.encode())) + item.text.encode()
                transport.write(frame[: len(frame) // 2])
                transport.close()
                return
            await ws.send_str(item)

    async def _messages(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response(_load("unauthorized.json"), status=401)
        try:
            limit = int(request.query.get("limit", "100"))
            since = int(request.query.get("since", "0"))
        except ValueError:
            limit, since = 0, -1
        if self.before_list is not None:
            self.before_list()
        if not 1 <= limit <= 200 or since < 0:
            return web.json_response(
                {
                    "error": "Bad Request",
                    "errorCode": 400,
                    "errorDescription": "Field 'limit' must be between 1 and 200",
                },
                status=400,
            )
        with self._lock:
            newest_first = [m for m in reversed(self.messages) if since == 0 or m["id"] < since]
        page = newest_first[:limit]
        more = len(newest_first) > limit
        paging: dict[str, Any] = {"size": len(page), "limit": limit, "since": 0}
        if more:
            paging["since"] = page[-1]["id"]
            paging["next"] = f"{self.url}/message?limit={limit}&since={page[-1]['id']}"
        return web.json_response({"paging": paging, "messages": page})

    async def _current_user(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return web.json_response(_load("unauthorized.json"), status=401)
        return web.json_response({**_load("current-user.json"), "name": "admin", "id": 1})

    async def _version(self, request: web.Request) -> web.Response:
        return web.json_response({**_load("version.json"), "version": "2.6.1"})


def _text_frame_header(length: int) -> bytes:
    """An unmasked, final text frame's header (RFC 6455, 5.2): what a server sends."""
    if length < 126:
        return bytes([0x81, length])
    if length < 1 << 16:
        return bytes([0x81, 126]) + struct.pack("!H", length)
    return bytes([0x81, 127]) + struct.pack("!Q", length)


def _go_time(moment: datetime) -> str:
    """A date the way Go's RFC3339Nano writes it: nine fraction digits, zeros trimmed."""
    fraction = f"{moment.microsecond * 1000:09d}".rstrip("0")
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S")
    return f"{stamp}.{fraction}Z" if fraction else f"{stamp}Z"
