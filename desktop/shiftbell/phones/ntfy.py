"""ntfy as a phone channel: publish at priority 5 (urgent) with an Acknowledge button.

Shiftbell listens on 127.0.0.1, which a phone cannot reach; so the button does not call
Shiftbell: it publishes `ack KEY` to a reply topic on the same ntfy server (`reply_topic`,
by default the topic with "-ack"), which Shiftbell polls while a page is open. The key is
random per page, so an answer names exactly one page. On a server that needs signing in the
button carries the same credential: whoever can read the topic could use it, and whoever
can read the topic is the person (pick a topic only they know, as ntfy advises). A page
answered on the desktop first is left on the phone (ntfy cannot withdraw it before 2.16);
its button then does nothing.

Wire (ntfy's publish-as-JSON and poll APIs): `POST {url}/` with `{"topic", "title",
"message", "priority", "tags", "click", "actions"}`; `GET {url}/{reply}/json?poll=1&since=T`
answers one JSON event per line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import datetime

import httpx

from shiftbell.core.errors import FeedConfigError
from shiftbell.phones.channel import CHECK_TEXT, TEST_TEXT, TEST_TITLE, Answer, Page, PhoneConfig
from shiftbell.sources.http import make_client, request, where_to_fix
from shiftbell.sources.ntfy.auth import TOPIC, NtfyAuth

VENDOR = "ntfy"
_ACK = re.compile(r"^ack ([-_A-Za-z0-9]{8,64})$")


class NtfyPhone:
    acknowledges = True

    def __init__(
        self, config: PhoneConfig, secret: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.config = config
        self.topic = config.options.get("topic", "").strip()
        self.reply_topic = config.options.get("reply_topic", "").strip() or f"{self.topic}-ack"
        for option, topic in (("topic", self.topic), ("reply_topic", self.reply_topic)):
            if not TOPIC.match(topic):
                raise FeedConfigError(
                    f"ntfy {option} {topic!r} is not a topic name (1 to 64 letters, digits, "
                    f"- and _): fix it in {where_to_fix(config)}"
                )
        auth = NtfyAuth.of(secret)
        self._answer_with = auth.header
        self._credential = auth.credential
        self._base = config.url.rstrip("/")
        self._client = make_client(self._base, auth.headers, transport, auth.basic)

    async def send(self, page: Page) -> str:
        action: dict[str, object] = {
            "action": "http",
            "label": "Acknowledge",
            "url": f"{self._base}/{self.reply_topic}",
            "method": "POST",
            "body": f"ack {page.key}",
            "clear": True,
        }
        if self._answer_with:
            action["headers"] = {"Authorization": self._answer_with}
        message = {
            "topic": self.topic,
            "title": page.title,
            "message": page.text,
            "priority": 5,
            "tags": ["rotating_light"],
            "actions": [action],
        }
        if page.link:
            message["click"] = page.link
        await self._publish(message)
        return page.key

    async def answered(self, handles: Sequence[str], since: datetime) -> list[Answer]:
        wanted = set(handles)
        if not wanted:
            return []
        response = await request(
            self._client,
            "GET",
            f"/{self.reply_topic}/json",
            params={"poll": "1", "since": str(int(since.timestamp()))},
            config=self.config,
            vendor=VENDOR,
            credential=self._credential,
        )
        found: dict[str, Answer] = {}
        for line in response.text.splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line that is not JSON answers nothing; the rest still count
            if not isinstance(event, dict) or event.get("event") != "message":
                continue
            match = _ACK.match(str(event.get("message", "")).strip())
            if match is None or match.group(1) not in wanted:
                continue
            at = event.get("time")
            when = datetime.fromtimestamp(at).astimezone() if isinstance(at, int) else None
            found[match.group(1)] = Answer(match.group(1), "ntfy", when)
        return list(found.values())

    async def cancel(self, handle: str) -> None:
        return None

    async def test(self) -> None:
        await self._publish(
            {"topic": self.topic, "title": TEST_TITLE, "message": TEST_TEXT, "priority": 3}
        )

    async def check(self) -> str:
        # Priority 1 (min): listed in the app, no sound, no vibration.
        await self._publish(
            {"topic": self.topic, "title": TEST_TITLE, "message": CHECK_TEXT, "priority": 1}
        )
        return f"published to {self.topic}"

    async def _publish(self, message: dict[str, object]) -> None:
        await request(
            self._client,
            "POST",
            "/",
            json=message,
            config=self.config,
            vendor=VENDOR,
            credential=self._credential,
        )

    async def aclose(self) -> None:
        await self._client.aclose()
