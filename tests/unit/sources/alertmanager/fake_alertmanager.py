"""Alertmanager's API v2 status and alert list as a real HTTP server on 127.0.0.1, answering
from the recorded payloads in tests/data/alertmanager_api/ (the real Alertmanager process is
tests/alertmanager_process.py)."""

from __future__ import annotations

import json

from aiohttp import web
from tests.helpers.data import TEST_DATA
from tests.helpers.vendor_server import FakeVendorServer


def recorded_alertmanager() -> FakeVendorServer:
    """A server for GET /api/v2/status and /api/v2/alerts; start it with `with`."""
    data = TEST_DATA / "alertmanager_api"
    status = json.loads((data / "status.json").read_text())
    alerts = json.loads((data / "alerts.json").read_text())

    async def get_status(_: web.Request) -> web.StreamResponse:
        return web.json_response(status)

    async def get_alerts(_: web.Request) -> web.StreamResponse:
        return web.json_response(alerts)

    server = FakeVendorServer()
    server.route("GET", "/api/v2/status", get_status)
    server.route("GET", "/api/v2/alerts", get_alerts)
    return server
