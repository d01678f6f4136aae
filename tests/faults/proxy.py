"""An HTTP proxy of the tests' own in front of a real server, misbehaving on demand.

Modes: pass (forward), status (answer a status of ours), garbage (200 with a body that
is not JSON), hang (never answer), reset (close the connection unanswered), and
lose-answer (forward the request, then close the connection before the answer).
A rule picks requests by method and path prefix and may apply a limited number of times.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass

import httpx
from aiohttp import web


@dataclass
class Rule:
    mode: str
    method: str = ""  # "" = any
    path: str = ""  # a prefix; "" = any
    times: int | None = None  # None = for as long as the rule stands
    status: int = 500
    headers: dict[str, str] | None = None

    def matches(self, request: web.Request) -> bool:
        return (not self.method or request.method == self.method) and request.path.startswith(
            self.path
        )


class FaultProxy:
    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.rules: list[Rule] = []
        self.seen: list[tuple[str, str, str]] = []  # (method, path, what the proxy did)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None
        self._client: httpx.AsyncClient | None = None
        self._released: asyncio.Event | None = None  # set when stopping: hangs end
        self.port = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def __exit__(self, *exc_info: object) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def set(self, *rules: Rule) -> None:
        with self._lock:
            self.rules = list(rules)

    def did(self, method: str, path: str, what: str) -> int:
        with self._lock:
            return sum(1 for seen in self.seen if seen == (method, path, what))

    async def _start(self) -> None:
        self._released = asyncio.Event()
        self._client = httpx.AsyncClient(base_url=self.target, timeout=30)
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _stop(self) -> None:
        if self._released is not None:
            self._released.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._client is not None:
            await self._client.aclose()

    def _rule_for(self, request: web.Request) -> Rule | None:
        with self._lock:
            for rule in self.rules:
                if rule.matches(request):
                    if rule.times is not None:
                        rule.times -= 1
                        if rule.times <= 0:
                            self.rules.remove(rule)
                    return rule
        return None

    def _note(self, request: web.Request, what: str) -> None:
        with self._lock:
            self.seen.append((request.method, request.path, what))

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        rule = self._rule_for(request)
        mode = rule.mode if rule is not None else "pass"
        self._note(request, mode)
        if rule is not None and mode == "status":
            return web.Response(
                status=rule.status, text='{"error": "injected"}', headers=rule.headers or {}
            )
        if mode == "garbage":
            return web.Response(status=200, text="<html>not json", content_type="text/html")
        if mode == "hang":
            assert self._released is not None
            await self._released.wait()  # until the proxy stops
            return self._reset(request)
        if mode == "reset":
            return self._reset(request)
        answer = await self._forward(request)
        if mode == "lose-answer":
            return self._reset(request)
        return answer

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._client is not None
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in ("host", "content-length")
        }
        upstream = await self._client.request(
            request.method,
            request.path_qs,
            content=await request.read(),
            headers=headers,
        )
        passed = {
            k: v
            for k, v in upstream.headers.items()
            if k.lower() in ("content-type", "date", "retry-after")
        }
        return web.Response(status=upstream.status_code, body=upstream.content, headers=passed)

    @staticmethod
    def _reset(request: web.Request) -> web.Response:
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise ConnectionResetError("reset by the fault proxy")
