"""Pushover as a phone channel: emergency priority, which rings until acknowledged.

Wire (Pushover's documented API): `POST {url}/1/messages.json` with `token` (the
application's API token, the secret), `user` (the person's user key), `title`, `message`,
`priority=2`, `retry` (seconds between rings, at least 30) and `expire` (how long it rings,
at most 10800 s); the answer carries a `receipt`. `GET /1/receipts/RECEIPT.json?token=...`
says `acknowledged`, `acknowledged_at` and `acknowledged_by_device`; Shiftbell asks at most
every 5 s, as Pushover asks. `POST /1/receipts/RECEIPT/cancel.json` stops the ringing when
the alert was answered on the desktop. Pushover answers an error with `"status": 0` and an
`errors` list, often with HTTP 4xx.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from shiftbell.core.errors import FeedAuthError, FeedConfigError, FeedError, FeedPayloadError
from shiftbell.phones.channel import TEST_TEXT, TEST_TITLE, Answer, Page, PhoneConfig
from shiftbell.phones.registry import PUSHOVER
from shiftbell.sources.http import make_client, request_json, where_to_fix
from shiftbell.sources.spec import option_values

VENDOR = "Pushover"
_TITLE_MAX = 250
_MESSAGE_MAX = 1024


class PushoverPhone:
    acknowledges = True

    def __init__(
        self, config: PhoneConfig, secret: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self._token = secret
        try:
            # Read as declared (phones/registry.py), defaults included.
            values = option_values(PUSHOVER.options, config.options)
        except ValueError as exc:
            raise FeedConfigError(f"Pushover {exc}: fix it in {where_to_fix(config)}") from None
        self._user = values["user"] or ""
        if not secret or not self._user:
            raise FeedConfigError(
                f"a Pushover phone needs the application's API token and your user key: "
                f"set them in {where_to_fix(config)}"
            )
        self._device = values["device"] or ""
        self._retry: int = values["retry_s"]
        self._expire: int = values["expire_s"]
        self._client = make_client(config.url.rstrip("/"), transport=transport)

    async def send(self, page: Page) -> str:
        form = self._message(page.title, page.text)
        form |= {"priority": "2", "retry": str(self._retry), "expire": str(self._expire)}
        if page.link:
            form["url"] = page.link
        answer = await self._call("POST", "/1/messages.json", data=form)
        receipt = answer.get("receipt")
        if not isinstance(receipt, str) or not receipt:
            raise FeedPayloadError(f"Pushover sent no receipt for the page ({self.config.name})")
        return receipt

    async def answered(self, handles: Sequence[str], since: datetime) -> list[Answer]:
        found = []
        for receipt in handles:
            answer = await self._call(
                "GET", f"/1/receipts/{receipt}.json", params={"token": self._token}
            )
            if answer.get("acknowledged") == 1:
                at = answer.get("acknowledged_at")
                when = datetime.fromtimestamp(at, UTC) if isinstance(at, int) and at else None
                by = answer.get("acknowledged_by_device")
                found.append(Answer(receipt, by if isinstance(by, str) else "", when))
        return found

    async def cancel(self, handle: str) -> None:
        await self._call("POST", f"/1/receipts/{handle}/cancel.json", data={"token": self._token})

    async def test(self) -> None:
        await self._call("POST", "/1/messages.json", data=self._message(TEST_TITLE, TEST_TEXT))

    async def check(self) -> str:
        """Pushover's user validation: the token and user key are good, the device exists;
        nothing reaches the phone."""
        form = {"token": self._token, "user": self._user}
        if self._device:
            form["device"] = self._device
        answer = await self._call("POST", "/1/users/validate.json", data=form)
        devices = answer.get("devices")
        count = len(devices) if isinstance(devices, list) else 0
        return f"user key valid, {count} device{'s' if count != 1 else ''}"

    def _message(self, title: str, text: str) -> dict[str, str]:
        form = {
            "token": self._token,
            "user": self._user,
            "title": title[:_TITLE_MAX],
            "message": text[:_MESSAGE_MAX] or title[:_MESSAGE_MAX],
        }
        if self._device:
            form["device"] = self._device
        return form

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        status, answer = await request_json(
            self._client,
            method,
            path,
            ok=(400, 404),
            config=self.config,
            vendor=VENDOR,
            credential="API token",
            **kwargs,
        )
        if not isinstance(answer, dict):
            raise FeedPayloadError(
                f"Pushover answered {path} with no JSON object ({self.config.name})"
            )
        if answer.get("status") == 1 and 200 <= status < 300:
            return answer
        errors = answer.get("errors")
        said = (
            "; ".join(e for e in errors if isinstance(e, str)) if isinstance(errors, list) else ""
        )
        said = said or f"HTTP {status}"
        if "token" in said or "user" in said:
            raise FeedAuthError(f"Pushover said: {said}: check {where_to_fix(self.config)}")
        raise FeedError(f"Pushover refused the request: {said} ({self.config.name})")

    async def aclose(self) -> None:
        await self._client.aclose()
