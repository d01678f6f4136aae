"""A logging proxy between the app and a real Alertmanager: when each poll was answered.

The benchmark needs the moment an answer carrying a new alert left for the app, on the same
wall clock as `dbus-monitor`'s timestamps, to measure poll → Notify. Forwards every request
unchanged and records (time the request arrived, time the answer was written, the body).
"""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass(frozen=True)
class Poll:
    path: str
    arrived: float  # time.time()
    answered: float  # time.time(), after the last byte was handed to the socket
    body: bytes


class PollProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.polls: list[Poll] = []
        self._client = httpx.Client(timeout=10)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle(self) -> None:
                # The app closes an idle kept-alive connection when it likes: not an error.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

            def do_GET(self) -> None:
                arrived = time.time()
                answer = proxy._client.get(proxy.upstream + self.path)
                body = answer.content
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("content-type", ""))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.wfile.flush()
                proxy.polls.append(Poll(self.path, arrived, time.time(), body))

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> PollProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    def first_poll(self, after: float = 0.0) -> Poll | None:
        return next((p for p in list(self.polls) if p.arrived >= after), None)

    def first_answer_with(self, marker: bytes, after: float = 0.0) -> Poll | None:
        return next((p for p in list(self.polls) if p.arrived >= after and marker in p.body), None)
