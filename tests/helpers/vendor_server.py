"""FakeVendorServer: a real aiohttp server on 127.0.0.1, in a thread, for one test.

Each vendor's fake (tests/unit/sources/<vendor>/fake_<vendor>.py) adds routes that answer with the
vendor's documented JSON (payloads under tests/data/<vendor>/). Faults are
scripted on top: `fail_next(401)`, `fail_next(429, headers={"Retry-After": "2"})`,
`fail_next(500)`, `malformed_next()`, a dropped connection, or a restart on the
same port; every request is recorded so tests can assert on what was sent.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Self

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any  # parsed JSON, raw text, or None


@dataclass
class Fault:
    status: int
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    path_prefix: str = ""  # only requests under this path; "" = any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeVendorServer:
    """Start with `with FakeVendorServer() as server:`; `server.url` is its base URL."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.requests: list[RecordedRequest] = []
        self._routes: list[tuple[str, str, Handler]] = []
        self._faults: deque[Fault] = deque()
        self._drops = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- configuration --------------------------------------------------------------------

    def route(self, method: str, path: str, handler: Handler) -> None:
        """Add a route (aiohttp path syntax, e.g. /incidents/{id}); before or after start."""
        self._routes.append((method, path, handler))
        if self._runner is not None:
            raise RuntimeError("add routes before start()")

    def fail_next(
        self,
        status: int,
        body: str | dict[str, Any] = "",
        headers: dict[str, str] | None = None,
        times: int = 1,
        path_prefix: str = "",
    ) -> None:
        text = json.dumps(body) if isinstance(body, dict) else body
        with self._lock:
            for _ in range(times):
                self._faults.append(Fault(status, text, dict(headers or {}), path_prefix))

    def malformed_next(self, times: int = 1, path_prefix: str = "") -> None:
        """The next answer(s) are 200 with a body that is not JSON."""
        self.fail_next(
            200,
            '{"incidents": [ {"id": "P1", ',
            {"Content-Type": "application/json"},
            times,
            path_prefix,
        )

    def drop_next(self, times: int = 1) -> None:
        """The next request(s) get their connection closed without an answer.

        A scripted `fail_next` answer still comes first: faults are taken in order.
        """
        with self._lock:
            self._drops += times

    def requests_to(self, path_prefix: str, method: str | None = None) -> list[RecordedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path.startswith(path_prefix) and (method is None or r.method == method)
            ]

    # -- lifecycle ------------------------------------------------------------------------

    def __enter__(self) -> FakeVendorServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        ready = threading.Event()
        errors: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._start_site())
            except BaseException as exc:  # surfaced to the caller of start()
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._stop_site())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-vendor", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("fake vendor server did not start")
        if errors:
            raise errors[0]

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None
        self._thread = None
        self._runner = None

    def restart(self) -> None:
        """Stop and start again on the same port (a server that restarts)."""
        self.stop()
        self.start()

    def call(self, coro: Awaitable[Any]) -> Any:
        """Run a coroutine on the server's loop (e.g. to push to open streams)."""
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)  # type: ignore[arg-type]

    # -- internals ------------------------------------------------------------------------

    async def _start_site(self) -> None:
        app = web.Application(middlewares=[self._record_and_fault])
        for method, path, handler in self._routes:
            app.router.add_route(method, path, handler)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()

    async def _stop_site(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    @web.middleware
    async def _record_and_fault(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = await request.read() if request.can_read_body else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode(errors="replace")
        with self._lock:
            self.requests.append(
                RecordedRequest(
                    request.method,
                    request.path,
                    {k: request.query.getall(k) for k in set(request.query)},
                    dict(request.headers),
                    body,
                )
            )
            fault = next((f for f in self._faults if request.path.startswith(f.path_prefix)), None)
            if fault is not None:
                self._faults.remove(fault)
            drop = fault is None and self._drops > 0
            if drop:
                self._drops -= 1
        if fault is not None:
            return web.Response(status=fault.status, text=fault.body, headers=fault.headers)
        if drop:
            assert request.transport is not None
            request.transport.abort()
            return web.Response()  # never reaches the client
        return await handler(request)


class VendorFake:
    """What every vendor fake shares: its server, `with Fake() as fake:`, and `fake.url`."""

    def __init__(self) -> None:
        self.server = FakeVendorServer()

    @property
    def url(self) -> str:
        return self.server.url

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.server.start()

    def stop(self) -> None:
        self.server.stop()
