"""A calendar server: serves an ICS body at a secret feed path, the way PagerDuty does.

`with CalendarServer(body) as calendar:`; `calendar.link` is the http:// link (on 127.0.0.1)
with the token in its path and a query; change `calendar.body` to serve something else next.
Faults and recorded requests are the FakeVendorServer's (`calendar.server`).
"""

from __future__ import annotations

from aiohttp import web
from tests.helpers.vendor_server import FakeVendorServer

TOKEN = "u2f8Kq0Zx7secretTOKEN"
FEED_PATH = f"/private/{TOKEN}/feed/PI7DH85"


class CalendarServer:
    def __init__(self, body: bytes) -> None:
        self.body = body
        self.server = FakeVendorServer()
        self.server.route("GET", FEED_PATH, self._serve)

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=self.body, content_type="text/calendar", charset="utf-8")

    @property
    def link(self) -> str:
        return f"{self.server.url}{FEED_PATH}?format=ics"

    def __enter__(self) -> CalendarServer:
        self.server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()
