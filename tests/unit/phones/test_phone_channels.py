"""The phone channels over real HTTP to fakes that speak ntfy's and Pushover's documented APIs,
and to a plain webhook receiver: what the phone gets, how an answer comes back, and what a
wrong key or a dead server says."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from aiohttp import web
from tests.helpers.vendor_server import FakeVendorServer, free_port
from tests.unit.phones.fake_pushover import APP_TOKEN, USER_KEY, FakePushover
from tests.unit.sources.ntfy.fake_ntfy import FakeNtfy

from shiftbell.core.alert import Incoming, Severity
from shiftbell.core.board import AlertBoard
from shiftbell.core.errors import FeedAuthError, FeedConfigError, FeedUnreachableError
from shiftbell.phones import registry
from shiftbell.phones.channel import Page, PhoneChannel, PhoneConfig

T = TypeVar("T")
SENT_SINCE = datetime.now(UTC) - timedelta(minutes=1)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def page(key: str = "k3Y-aBcDeFgH12") -> Page:
    alert = (
        AlertBoard()
        .merge_event(
            "prod-am",
            Incoming(
                "x",
                "<b>db1</b> disk full",
                Severity.CRITICAL,
                summary="/var at 100%",
                url="https://am.example/x",
                labels=(("host", "db1"),),
            ),
            datetime.now(UTC),
            "prod-am",
        )
        .new[0]
    )
    return Page.of(alert, key)


def open_phone(kind: str, url: str, secret: str = "", **options: str) -> PhoneChannel:
    spec = registry.find(kind)
    assert spec is not None
    return spec.open(PhoneConfig("phone", kind, url, options), secret)


async def sent_and_closed(phone: PhoneChannel, what: Page) -> str:
    try:
        return await phone.send(what)
    finally:
        await phone.aclose()


def test_ntfy_urgent_with_an_acknowledge_button_whose_answer_comes_back() -> None:
    with FakeNtfy(token="tk_phone") as ntfy:
        phone = open_phone("ntfy", ntfy.url, "tk_phone", topic="oncall-alex")
        handle = run(sent_and_closed(phone, page()))
        [message] = ntfy.messages("oncall-alex")
        assert message["priority"] == 5
        assert message["title"] == "<b>db1</b> disk full"  # the phone shows text as text
        assert "/var at 100%" in message["message"] and "host: db1" in message["message"]
        assert message["click"] == "https://am.example/x"

        async def answers() -> list[str]:
            phone = open_phone("ntfy", ntfy.url, "tk_phone", topic="oncall-alex")
            try:
                return [a.handle for a in await phone.answered([handle, "other-key-1"], SENT_SINCE)]
            finally:
                await phone.aclose()

        assert run(answers()) == []
        pressed = ntfy.press(message, "Acknowledge")
        assert pressed.status_code == 200
        assert ntfy.messages("oncall-alex-ack")[0]["message"] == f"ack {handle}"
        assert run(answers()) == [handle]


def test_ntfy_wrong_token_says_what_to_check() -> None:
    with FakeNtfy(token="tk_phone") as ntfy:
        phone = open_phone("ntfy", ntfy.url, "tk_wrong", topic="oncall-alex")
        with pytest.raises(FeedAuthError, match=r"access token.*Settings > Phones > phone"):
            run(sent_and_closed(phone, page()))


def test_ntfy_refuses_a_topic_that_is_not_one() -> None:
    with pytest.raises(FeedConfigError, match="topic 'on call' is not a topic name"):
        open_phone("ntfy", "https://ntfy.sh", topic="on call")


def test_pushover_emergency_receipt_answered_on_the_phone_and_cancelled() -> None:
    with FakePushover() as pushover:
        options = {"user": USER_KEY, "retry_s": "30", "expire_s": "600"}

        async def scenario() -> tuple[str, list[Any], list[Any]]:
            phone = open_phone("pushover", pushover.url, APP_TOKEN, **options)
            try:
                receipt = await phone.send(page())
                before = await phone.answered([receipt], SENT_SINCE)
                await asyncio.to_thread(pushover.acknowledge, receipt, "pixel-7")
                after = await phone.answered([receipt], SENT_SINCE)
                await phone.cancel(receipt)
                return receipt, before, after
            finally:
                await phone.aclose()

        receipt, before, after = run(scenario())
        [sent] = pushover.emergencies
        assert (sent["priority"], sent["retry"], sent["expire"]) == ("2", "30", "600")
        assert sent["url"] == "https://am.example/x"
        assert before == []
        assert [(a.handle, a.by) for a in after] == [(receipt, "pixel-7")]
        assert after[0].at is not None
        assert pushover.cancelled(receipt)


def test_pushover_bad_user_key_is_said_in_pushovers_words() -> None:
    with FakePushover() as pushover:
        phone = open_phone("pushover", pushover.url, APP_TOKEN, user="uWRONG")
        with pytest.raises(FeedAuthError, match="user identifier is not a valid user"):
            run(sent_and_closed(phone, page()))


def test_webhook_posts_json_and_a_dead_one_is_unreachable() -> None:
    received: list[Any] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(json.loads(await request.read()))
        return web.Response(status=204)

    server = FakeVendorServer()
    server.route("POST", "/hooks/shiftbell", hook)
    with server:
        phone = open_phone("webhook", f"{server.url}/hooks/shiftbell", "s3cret")
        run(sent_and_closed(phone, page()))
        assert received[0]["event"] == "page"
        assert received[0]["alert"]["severity"] == "critical"
        assert server.requests[0].headers["Authorization"] == "Bearer s3cret"
    dead = open_phone("webhook", f"http://127.0.0.1:{free_port()}/hook")
    with pytest.raises(FeedUnreachableError, match=r"cannot reach the webhook at http://127"):
        run(sent_and_closed(dead, page()))
