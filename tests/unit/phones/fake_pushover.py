"""FakePushover: a small real Pushover API for tests (messages, receipts, cancel, validate),
speaking the documented form-encoded requests and JSON answers.

Test hooks: `acknowledge(receipt, device)` is the person pressing Acknowledge in the
Pushover app; `messages` and `cancelled` record what Shiftbell sent.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from tests.helpers.vendor_server import VendorFake

APP_TOKEN = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
USER_KEY = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"


@dataclass
class Receipt:
    message: dict[str, str]
    acknowledged_at: int = 0
    acknowledged_by_device: str = ""
    cancelled: bool = False
    polls: int = 0


class FakePushover(VendorFake):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, str]] = []
        self.receipts: dict[str, Receipt] = {}
        self.validations = 0
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        route = self.server.route
        route("POST", "/1/messages.json", self._message)
        route("GET", "/1/receipts/{receipt}.json", self._receipt)
        route("POST", "/1/receipts/{receipt}/cancel.json", self._cancel)
        route("POST", "/1/users/validate.json", self._validate)

    @property
    def emergencies(self) -> list[dict[str, str]]:
        with self._lock:
            return [m for m in self.messages if m.get("priority") == "2"]

    def acknowledge(self, receipt: str, device: str = "pixel") -> None:
        with self._lock:
            self.receipts[receipt].acknowledged_at = int(time.time())
            self.receipts[receipt].acknowledged_by_device = device

    def polls(self, receipt: str) -> int:
        with self._lock:
            return self.receipts[receipt].polls

    def cancelled(self, receipt: str) -> bool:
        with self._lock:
            return self.receipts[receipt].cancelled

    # -- the API ------------------------------------------------------------------------------

    async def _message(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        refusal = _refused(form)
        if refusal is not None:
            return refusal
        if not form.get("message"):
            return _error(400, "message cannot be blank")
        answer: dict[str, Any] = {"status": 1, "request": f"req{next(self._ids)}"}
        if form.get("priority") == "2":
            retry, expire = int(form.get("retry", "0")), int(form.get("expire", "0"))
            if retry < 30:
                return _error(400, "retry is invalid")
            if not 0 < expire <= 10800:
                return _error(400, "expire is invalid")
            receipt = f"r{next(self._ids):04d}KzFqAaPbT3d1"
            answer["receipt"] = receipt
            with self._lock:
                self.receipts[receipt] = Receipt(form)
        form["received_at"] = str(time.time())  # not Pushover's: when this fake got it
        with self._lock:
            self.messages.append(form)
        return web.json_response(answer)

    async def _receipt(self, request: web.Request) -> web.Response:
        if request.query.get("token") != APP_TOKEN:
            return _error(400, "application token is invalid")
        with self._lock:
            found = self.receipts.get(request.match_info["receipt"])
            if found is None:
                return _error(404, "receipt not found; may be invalid or expired")
            found.polls += 1
            acked = found.acknowledged_at
            return web.json_response(
                {
                    "status": 1,
                    "acknowledged": 1 if acked else 0,
                    "acknowledged_at": acked,
                    "acknowledged_by": USER_KEY if acked else "",
                    "acknowledged_by_device": found.acknowledged_by_device,
                    "last_delivered_at": int(time.time()),
                    "expired": 0,
                    "called_back": 0,
                    "request": "req-receipt",
                }
            )

    async def _cancel(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("token") != APP_TOKEN:
            return _error(400, "application token is invalid")
        with self._lock:
            found = self.receipts.get(request.match_info["receipt"])
            if found is None:
                return _error(404, "receipt not found")
            found.cancelled = True
        return web.json_response({"status": 1, "request": "req-cancel"})

    async def _validate(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        refusal = _refused(form)
        self.validations += 1
        return refusal or web.json_response({"status": 1, "devices": ["pixel"]})


def _refused(form: dict[str, str]) -> web.Response | None:
    if form.get("token") != APP_TOKEN:
        return _error(400, "application token is invalid")
    if form.get("user") != USER_KEY:
        return _error(400, "user identifier is not a valid user, group, or subscribed user key")
    return None


def _error(status: int, text: str) -> web.Response:
    return web.json_response({"status": 0, "errors": [text], "request": "req-error"}, status=status)
