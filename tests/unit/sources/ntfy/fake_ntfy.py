"""FakeNtfy: a small real ntfy server for tests, speaking the documented subscribe API.

`GET /{topics}/json` streams newline-delimited JSON events the way ntfy does: an `open`
event, then the cached messages `since=` asks for (a message id, a duration, a Unix time or
`all`; an id the cache does not know replays everything, as ntfy's SQL does), then each new
message as it is published, with a `keepalive` whenever nothing else was sent for
`keepalive_interval_s`. `poll=1` sends the cached messages and ends the response.

The message cache (`log`) lives in this object, not in the server, so it survives a restart
and messages published while the server is down are there for the next `since=`.

Test hooks: `publish()`, `publish(..., cut=True)` (the stream is cut halfway through that
message's line: half a line is sent, then the connection is closed without ending the
response), `send_raw_line()` (a line that is not JSON), `go_silent()` (no more keepalives),
`stop()` / `start()` / `restart()` (open streams are ended first, as a shutting-down server
does).
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from aiohttp import web
from tests.helpers.streaming_server import StreamingFake

UNAUTHORIZED = {
    "code": 40101,
    "http": 401,
    "error": "unauthorized",
    "link": "https://ntfy.sh/docs/publish/#authentication",
}
FORBIDDEN = {
    "code": 40301,
    "http": 403,
    "error": "forbidden",
    "link": "https://ntfy.sh/docs/publish/#authentication",
}
_DURATION = re.compile(r"^(\d+)([smhd])$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class _Cut:
    """Send half of this line, then drop the connection."""

    line: bytes


_END = None  # queue item: end the response cleanly


@dataclass
class _Subscriber:
    topics: frozenset[str]
    queue: asyncio.Queue[bytes | _Cut | None] = field(default_factory=asyncio.Queue)
    keepalives: int = 0


class FakeNtfy(StreamingFake):
    """Start with `with FakeNtfy() as ntfy:`; `ntfy.url` is the server's base URL.

    `token` (an access token) and `users` (name -> password) make the server demand
    credentials; `forbidden_topics` answer 403 even with good ones.
    """

    def __init__(
        self,
        *,
        token: str = "",
        users: dict[str, str] | None = None,
        forbidden_topics: frozenset[str] = frozenset(),
        keepalive_interval_s: float = 45.0,
    ) -> None:
        super().__init__()
        self.server.route("GET", "/{topics}/json", self._subscribe)
        self.server.route("POST", "/", self._publish_json)
        self.server.route("POST", "/{topic}", self._publish_text)
        self.token = token
        self.users = dict(users or {})
        self.forbidden_topics = forbidden_topics
        self.keepalive_interval_s = keepalive_interval_s
        self.log: list[dict[str, Any]] = []  # ntfy's message cache, oldest first
        self.connections = 0  # stream (not poll) connections accepted
        self._subscribers: list[_Subscriber] = []
        self._silent = False
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def keepalives_sent(self) -> int:
        """Keepalives sent on the streams open right now."""
        return sum(s.keepalives for s in self._subscribers)

    # -- test hooks -----------------------------------------------------------------------

    def publish(
        self,
        topic: str,
        message: str,
        *,
        cut: bool = False,
        **fields: Any,
    ) -> dict[str, Any]:
        """Publish like `POST /{topic}`; returns the message as ntfy stores and sends it.

        `fields` are the optional message fields (title, priority, tags, click, sequence_id,
        event="message_delete", ...). Works while the server is down too: the message goes
        into the cache only.
        """
        event = self._message(topic, message, fields)
        if self._running:
            self.server.call(self._publish(event, cut))
        else:
            with self._lock:
                self.log.append(event)
        return event

    def messages(self, topic: str) -> list[dict[str, Any]]:
        with self._lock:
            return [e for e in self.log if e["topic"] == topic and e["event"] == "message"]

    def press(self, message: dict[str, Any], label: str) -> httpx.Response:
        """Tap a message's http action button, as the ntfy app does: its method, URL, headers
        and body, nothing more."""
        action = next(a for a in message.get("actions", []) if a["label"] == label)
        assert action["action"] == "http"
        return httpx.request(
            action.get("method", "POST"),
            action["url"],
            headers=action.get("headers", {}),
            content=action.get("body", "").encode(),
            timeout=10,
        )

    def send_raw_line(self, text: str) -> None:
        """Send one line that is not an event to every open stream (not cached)."""
        self.server.call(self._broadcast(text.encode() + b"\n"))

    def go_silent(self) -> None:
        """Stop sending keepalives: the streams stay open but nothing more arrives."""
        self._silent = True

    # -- on the server loop ---------------------------------------------------------------

    async def _publish(self, event: dict[str, Any], cut: bool) -> None:
        # No await between caching and queueing, so a stream that connects concurrently gets
        # the message exactly once: from its replay or from its queue, never both.
        with self._lock:
            self.log.append(event)
        line = _line(event)
        for sub in self._subscribers:
            if event["topic"] in sub.topics:
                sub.queue.put_nowait(_Cut(line) if cut else line)

    async def _publish_json(self, request: web.Request) -> web.Response:
        """`POST /` with a JSON message, as ntfy's publish-as-JSON."""
        refusal = self._refuse(request)
        if refusal is not None:
            return refusal
        try:
            body = json.loads(await request.read())
        except json.JSONDecodeError:
            return web.json_response({"code": 40024, "http": 400, "error": "invalid"}, status=400)
        topic = body.pop("topic", "")
        if not isinstance(topic, str) or not re.match(r"^[-_A-Za-z0-9]{1,64}$", topic):
            return web.json_response({"code": 40009, "http": 400, "error": "topic"}, status=400)
        event = self._message(topic, str(body.pop("message", "")), body)
        await self._publish(event, cut=False)
        return web.json_response(event)

    async def _publish_text(self, request: web.Request) -> web.Response:
        """`POST /{topic}` with the message as the body (the phone's action buttons do this)."""
        refusal = self._refuse(request)
        if refusal is not None:
            return refusal
        text = (await request.read()).decode("utf-8", "replace")
        event = self._message(request.match_info["topic"], text, {})
        await self._publish(event, cut=False)
        return web.json_response(event)

    def _message(self, topic: str, message: str, fields: dict[str, Any]) -> dict[str, Any]:
        """A message event as ntfy stores and sends it."""
        return {
            "id": f"m{next(self._ids):03d}xK9q",
            "time": int(time.time()),
            "event": "message",
            "topic": topic,
            "message": message,
            **fields,
        }

    async def _broadcast(self, line: bytes) -> None:
        for sub in self._subscribers:
            sub.queue.put_nowait(line)

    async def _end_streams(self) -> None:
        for sub in self._subscribers:
            sub.queue.put_nowait(_END)

    async def _subscribe(self, request: web.Request) -> web.StreamResponse:
        refusal = self._refuse(request)
        if refusal is not None:
            return refusal
        topics = frozenset(request.match_info["topics"].split(","))
        if topics & self.forbidden_topics:
            return web.json_response(FORBIDDEN, status=403)
        poll = request.query.get("poll", "") in ("1", "yes", "true")
        since = request.query.get("since", "all" if poll else "")
        with self._lock:
            replay = self._cached(topics, since)
        sub = _Subscriber(topics)
        if not poll:
            for event in replay:
                sub.queue.put_nowait(_line(event))
            self._subscribers.append(sub)
            self.connections += 1
        response = web.StreamResponse(
            headers={"Content-Type": "application/x-ndjson; charset=utf-8"}
        )
        try:
            await response.prepare(request)
            if poll:
                for event in replay:
                    await response.write(_line(event))
                return response
            await response.write(_line(self._control("open", topics)))
            return await self._pump(request, response, sub)
        except ConnectionError:
            return response  # the client went away
        finally:
            if sub in self._subscribers:
                self._subscribers.remove(sub)

    async def _pump(
        self, request: web.Request, response: web.StreamResponse, sub: _Subscriber
    ) -> web.StreamResponse:
        while True:
            try:
                item = await asyncio.wait_for(sub.queue.get(), self.keepalive_interval_s)
            except TimeoutError:
                if not self._silent:
                    await response.write(_line(self._control("keepalive", sub.topics)))
                    sub.keepalives += 1
                continue
            if item is _END:
                return response
            if isinstance(item, _Cut):
                await response.write(item.line[: len(item.line) // 2])
                assert request.transport is not None
                request.transport.close()
                # A dropped connection, so aiohttp must not try to finish the response.
                raise ConnectionResetError("cut mid-line by the test")
            await response.write(item)

    def _refuse(self, request: web.Request) -> web.Response | None:
        if not self.token and not self.users:
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and self.token and value == self.token:
            return None
        if scheme.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value).decode().partition(":")
            except ValueError:
                user, password = "", ""
            if user in self.users and self.users[user] == password:
                return None
        return web.json_response(UNAUTHORIZED, status=401)

    def _cached(self, topics: frozenset[str], since: str) -> list[dict[str, Any]]:
        """What `since=` selects from the cache, like ntfy's message cache queries."""
        mine = [e for e in self.log if e["topic"] in topics]
        if not since or since == "none":
            return []
        if since == "all":
            return mine
        match = _DURATION.match(since)
        if match:
            cutoff = time.time() - int(match[1]) * _SECONDS[match[2]]
            return [e for e in mine if e["time"] >= cutoff]
        if since.isdigit():
            return [e for e in mine if e["time"] >= int(since)]
        ids = [e["id"] for e in self.log]
        if since not in ids:
            return mine  # ntfy: COALESCE(unknown id, 0) -> everything cached
        position = ids.index(since)
        return [e for e in self.log[position + 1 :] if e["topic"] in topics]

    def _control(self, kind: str, topics: frozenset[str]) -> dict[str, Any]:
        return {
            "id": f"c{next(self._ids):03d}Zp2w",
            "time": int(time.time()),
            "event": kind,
            "topic": ",".join(sorted(topics)),
        }


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode() + b"\n"
