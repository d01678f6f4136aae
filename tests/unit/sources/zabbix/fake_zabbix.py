"""A Zabbix 7.2 API of our own (real HTTP on 127.0.0.1), strict about sign-in as 7.2 is: the
token only as `Authorization: Bearer`, the `auth` field refused, apiinfo.version only without
a token. Its answers are tests/data/zabbix/ (written from Zabbix's documentation)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp import web
from tests.helpers.vendor_server import FakeVendorServer

DATA = Path(__file__).parents[3] / "data" / "zabbix"
TOKEN = "b2f2c9d0c1e8a4b7e6f5a3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2"
VERSION = "7.2.3"
API_PATH = "/zabbix/api_jsonrpc.php"


class FakeZabbix(FakeVendorServer):
    def __init__(self) -> None:
        super().__init__()
        self.acknowledged: list[dict[str, Any]] = []
        self.route("POST", API_PATH, self._rpc)

    @property
    def frontend(self) -> str:
        return f"{self.url}/zabbix"

    async def _rpc(self, request: web.Request) -> web.Response:
        body = await request.json()
        method, call_id = body.get("method"), body.get("id")
        header = request.headers.get("Authorization", "")
        if "auth" in body:
            return _error(call_id, -32602, 'Invalid parameter "/": unexpected parameter "auth".')
        if method == "apiinfo.version":
            if header:
                return _error(
                    call_id,
                    -32602,
                    "The apiinfo.version method must be called without authorization header.",
                )
            return _result(call_id, VERSION)
        if header != f"Bearer {TOKEN}":
            return _error(call_id, -32602, "Not authorized.")
        if method == "event.acknowledge":
            self.acknowledged.append(body["params"])
            return _result(call_id, {"eventids": body["params"]["eventids"]})
        return _result(call_id, json.loads((DATA / f"{method}.json").read_text()))


def _result(call_id: object, result: object) -> web.Response:
    return web.json_response({"jsonrpc": "2.0", "result": result, "id": call_id})


def _error(call_id: object, code: int, data: str) -> web.Response:
    error = {"code": code, "message": "Invalid params.", "data": data}
    return web.json_response({"jsonrpc": "2.0", "error": error, "id": call_id})
