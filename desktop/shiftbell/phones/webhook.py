"""A webhook as a phone channel: a JSON POST to any URL (a chat bot, an SMS gateway, a script).

Body: `{"event": "page" | "answered" | "test" | "check", "alert": {...}, "title", "text"}`;
`answered` is sent when the alert was acknowledged or resolved after its page, so a receiver
can clear what it shows. A secret, when given, goes as `Authorization: Bearer`. Any 2xx
counts as sent. A webhook cannot tell Shiftbell that the phone acknowledged: acknowledge on
the desktop.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from shiftbell.phones.channel import CHECK_TEXT, TEST_TEXT, TEST_TITLE, Answer, Page, PhoneConfig
from shiftbell.sources.http import make_client, request

VENDOR = "the webhook"


class WebhookPhone:
    acknowledges = False

    def __init__(
        self, config: PhoneConfig, secret: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        self._url = config.url
        self._client = make_client("", headers, transport)

    async def send(self, page: Page) -> str:
        alert = {
            "id": page.alert_id,
            "title": page.title,
            "severity": page.severity,
            "link": page.link,
        }
        await self._post({"event": "page", "alert": alert, "title": page.title, "text": page.text})
        return page.alert_id

    async def answered(self, handles: Sequence[str], since: datetime) -> list[Answer]:
        return []

    async def cancel(self, handle: str) -> None:
        await self._post({"event": "answered", "alert": {"id": handle}})

    async def test(self) -> None:
        await self._post({"event": "test", "title": TEST_TITLE, "text": TEST_TEXT})

    async def check(self) -> str:
        await self._post({"event": "check", "title": TEST_TITLE, "text": CHECK_TEXT})
        return "accepted"

    async def _post(self, body: dict[str, Any]) -> None:
        await request(
            self._client,
            "POST",
            self._url,
            json=body,
            config=self.config,
            vendor=VENDOR,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
