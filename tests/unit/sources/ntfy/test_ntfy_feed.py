"""The ntfy feed against a small real ntfy server (fake_ntfy.py beside it) on 127.0.0.1.

Each test runs its client side in one `asyncio.run`; the fake server has its own loop on a
thread, and the test's hooks into it (publish, cut, stop) run in a worker thread so the
feed's loop keeps reading meanwhile. push sources resume with `since=<last id>`,
and a stream that goes quiet past its keepalive is broken.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
import pytest
from tests.helpers.data import TEST_DATA
from tests.unit.sources.ntfy.fake_ntfy import FakeNtfy

from shiftbell.core.alert import Incoming, Severity
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedUnreachableError,
)
from shiftbell.sources.feed import AckReceipt, FeedConfig, StreamFeed
from shiftbell.sources.ntfy.feed import NtfyFeed, incoming_from_message, severity_for_priority

DATA = TEST_DATA / "ntfy"
TOKEN = "tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2"
DEADLINE_S = 5.0
T = TypeVar("T")


def _config(url: str, **options: str) -> FeedConfig:
    return FeedConfig("phone-alerts", "ntfy", url, {"topics": "alerts", **options})


def _run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(asyncio.wait_for(coro, 20))


async def _off_loop(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call a blocking server hook without stopping the feed's loop."""
    return await asyncio.to_thread(call, *args, **kwargs)


class Sink:
    """Collects what the feed reports; tests wait on it with a deadline."""

    def __init__(self) -> None:
        self.items: list[Incoming] = []
        self.connects = 0
        self._changed = asyncio.Event()

    def __call__(self, item: Incoming) -> None:
        self.items.append(item)
        self._changed.set()

    def connected(self) -> None:
        self.connects += 1
        self._changed.set()

    async def until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(DEADLINE_S):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    @property
    def summaries(self) -> list[str]:
        return [i.summary for i in self.items]


async def _until(condition: Callable[[], bool]) -> None:
    """For conditions on the server side, which cannot wake this loop: check every 10 ms."""
    async with asyncio.timeout(DEADLINE_S):
        while not condition():
            await asyncio.sleep(0.01)


async def _reconnecting(feed: NtfyFeed, sink: Sink, errors: list[FeedError]) -> None:
    """The feed runner reduced to its core: connect again whenever the stream ends."""
    while True:
        try:
            await feed.stream(sink, sink.connected)
        except FeedUnreachableError as exc:
            errors.append(exc)
        await asyncio.sleep(0.02)  # the runner's backoff, kept tiny


async def _cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, FeedError):
        await task


async def _with_feed(feed: NtfyFeed, body: Callable[[NtfyFeed], Awaitable[T]]) -> T:
    try:
        return await body(feed)
    finally:
        await feed.close()


# -- reading ntfy's documented JSON, no socket ---------------------------------------------------


def test_documented_message_becomes_an_alert() -> None:
    item = incoming_from_message(json.loads((DATA / "message.json").read_text()))
    assert item.source_id == "wze9zgqK41"
    assert item.title == "Unauthorized access detected"
    assert item.summary == "Remote access to phils-laptop detected. Act right away."
    assert item.severity is Severity.CRITICAL
    assert item.url == "https://home.nest.com/"
    assert item.labels == (("priority", "5"), ("tags", "warning,skull"), ("topic", "phil_alerts"))
    assert item.firing
    assert item.started_at == datetime(2021, 12, 3, 14, 35, 10, tzinfo=UTC)


def test_minimal_message_is_titled_by_its_topic_and_is_info() -> None:
    item = incoming_from_message(json.loads((DATA / "message-minimal.json").read_text()))
    assert item.title == "phil_alerts"
    assert item.severity is Severity.INFO
    assert item.url == ""
    assert ("priority", "3") in item.labels


@pytest.mark.parametrize(
    ("priority", "severity"),
    [
        (5, Severity.CRITICAL),
        (4, Severity.WARNING),
        (3, Severity.INFO),
        (2, Severity.INFO),
        (1, Severity.INFO),
        (None, Severity.INFO),
        ("5", Severity.INFO),  # not a number: treated as missing, i.e. the default 3
        (True, Severity.INFO),
    ],
)
def test_priority_to_severity(priority: object, severity: Severity) -> None:
    assert severity_for_priority(priority) is severity


def test_revised_notification_keeps_its_sequence_id() -> None:
    item = incoming_from_message(
        {"id": "rev2", "sequence_id": "orig1", "event": "message", "topic": "t", "message": "x"}
    )
    assert item.source_id == "orig1"


def test_recorded_stream_through_a_mock_transport() -> None:
    body = (DATA / "stream.ndjson").read_bytes()
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200, content=body, headers={"Content-Type": "application/x-ndjson; charset=utf-8"}
        )

    feed = NtfyFeed(
        _config("https://ntfy.example.com", topics="mytopic"),
        TOKEN,
        transport=httpx.MockTransport(answer),
    )
    sink = Sink()

    async def body_(feed: NtfyFeed) -> None:
        await feed.stream(sink, sink.connected)  # returns: the recorded stream ends

    _run(_with_feed(feed, body_))
    assert sink.connects == 1
    assert [(i.source_id, i.summary) for i in sink.items] == [("hwQ2YpKdmg", "Disk full")]
    assert feed.last_id == "hwQ2YpKdmg"
    [request] = seen
    assert request.url.path == "/mytopic/json"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert "since" not in request.url.params  # the first connection asks for no backlog


# -- configuration -----------------------------------------------------------------------------


def test_topics_are_required() -> None:
    config = FeedConfig("phone-alerts", "ntfy", "https://ntfy.sh", {})
    with pytest.raises(FeedConfigError, match=r"no topics.*Settings > Feeds > phone-alerts"):
        NtfyFeed(config, "")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"topics": "alerts,bad topic"}, r"'bad topic' is not a valid name"),
        ({"keepalive_timeout_s": "soon"}, r"keepalive_timeout_s='soon' must be a number"),
        ({"keepalive_timeout_s": "0"}, r"must be a number of seconds above 0"),
        ({"since": "yesterday"}, r"since='yesterday' is not a duration"),
    ],
)
def test_bad_options_say_what_is_wrong(options: dict[str, str], message: str) -> None:
    with pytest.raises(FeedConfigError, match=message):
        NtfyFeed(_config("https://ntfy.sh", **options), "")


def test_it_is_a_stream_feed_and_acknowledges_locally() -> None:
    feed = NtfyFeed(_config("https://ntfy.sh"), "")
    assert isinstance(feed, StreamFeed)
    receipt = _run(_with_feed(feed, lambda f: f.acknowledge(None)))  # type: ignore[arg-type]
    assert receipt == AckReceipt(local_only=True)


# -- the stream, against the fake server ----------------------------------------------------------


def test_messages_arrive_in_order_with_their_fields() -> None:
    with FakeNtfy(token=TOKEN) as ntfy:
        ntfy.publish("alerts", "old news")  # before we connect: not replayed
        feed = NtfyFeed(_config(ntfy.url, topics="alerts,backups"), TOKEN)
        sink = Sink()

        async def body(feed: NtfyFeed) -> list[dict[str, Any]]:
            task = asyncio.create_task(feed.stream(sink, sink.connected))
            await sink.until(lambda: sink.connects == 1)
            sent = [
                await _off_loop(
                    ntfy.publish,
                    "alerts",
                    "db1 is down",
                    title="Database down",
                    priority=5,
                    tags=["rotating_light"],
                    click="https://grafana.example.com/d/db",
                ),
                await _off_loop(ntfy.publish, "backups", "backup late", priority=4),
                await _off_loop(ntfy.publish, "elsewhere", "not subscribed"),
                await _off_loop(ntfy.publish, "alerts", "fyi"),
            ]
            await sink.until(lambda: len(sink.items) == 3)
            await _cancel(task)
            return sent

        sent = _run(_with_feed(feed, body))

    assert sink.summaries == ["db1 is down", "backup late", "fyi"]
    first, second, third = sink.items
    assert first.source_id == sent[0]["id"]
    assert first.title == "Database down"
    assert first.severity is Severity.CRITICAL
    assert first.url == "https://grafana.example.com/d/db"
    assert ("tags", "rotating_light") in first.labels
    assert first.started_at == datetime.fromtimestamp(sent[0]["time"], UTC)
    assert (second.title, second.severity) == ("backups", Severity.WARNING)
    assert third.severity is Severity.INFO
    [request] = ntfy.server.requests_to("/")
    assert request.path == "/alerts,backups/json"
    assert "since" not in request.query
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_cut_mid_line_resumes_from_the_last_id_losing_and_repeating_nothing() -> None:
    with FakeNtfy() as ntfy:
        feed = NtfyFeed(_config(ntfy.url), "")
        sink = Sink()
        errors: list[FeedError] = []

        async def body(feed: NtfyFeed) -> list[dict[str, Any]]:
            task = asyncio.create_task(_reconnecting(feed, sink, errors))
            await sink.until(lambda: sink.connects == 1)
            one = await _off_loop(ntfy.publish, "alerts", "one")
            await sink.until(lambda: len(sink.items) == 1)
            two = await _off_loop(ntfy.publish, "alerts", "two", cut=True)
            three = await _off_loop(ntfy.publish, "alerts", "three")
            await sink.until(lambda: sink.connects == 2 and len(sink.items) >= 3)
            four = await _off_loop(ntfy.publish, "alerts", "four")
            await sink.until(lambda: len(sink.items) >= 4)
            await _cancel(task)
            return [one, two, three, four]

        sent = _run(_with_feed(feed, body))

    assert sink.summaries == ["one", "two", "three", "four"]
    assert [i.source_id for i in sink.items] == [m["id"] for m in sent]
    [cut] = errors
    assert "broke (phone-alerts)" in str(cut)
    first, second = ntfy.server.requests_to("/alerts/json")
    assert "since" not in first.query
    assert second.query["since"] == [sent[0]["id"]]


def test_server_restart_catches_up_on_what_was_published_while_it_was_down() -> None:
    with FakeNtfy() as ntfy:
        feed = NtfyFeed(_config(ntfy.url), "")
        sink = Sink()

        async def body(feed: NtfyFeed) -> tuple[FeedError, list[dict[str, Any]]]:
            task = asyncio.create_task(feed.stream(sink, sink.connected))
            await sink.until(lambda: sink.connects == 1)
            one = await _off_loop(ntfy.publish, "alerts", "before the restart")
            await sink.until(lambda: len(sink.items) == 1)
            await _off_loop(ntfy.stop)
            await task  # a server that ends the stream: a clean return, no error
            two = await _off_loop(ntfy.publish, "alerts", "while down", priority=5)
            three = await _off_loop(ntfy.publish, "alerts", "also while down")
            with pytest.raises(FeedUnreachableError) as refused:
                await feed.stream(sink, sink.connected)
            await _off_loop(ntfy.start)
            task = asyncio.create_task(feed.stream(sink, sink.connected))
            await sink.until(lambda: len(sink.items) == 3)
            await _cancel(task)
            return refused.value, [one, two, three]

        refused, sent = _run(_with_feed(feed, body))

    assert f"cannot reach ntfy at {ntfy.url} (phone-alerts)" in str(refused)
    assert sink.summaries == ["before the restart", "while down", "also while down"]
    assert sink.items[1].severity is Severity.CRITICAL
    assert ntfy.server.requests_to("/alerts/json")[-1].query["since"] == [sent[0]["id"]]


def test_reconnect_before_any_message_resumes_from_the_server_time() -> None:
    with FakeNtfy() as ntfy:
        feed = NtfyFeed(_config(ntfy.url), "")
        sink = Sink()

        async def body(feed: NtfyFeed) -> None:
            task = asyncio.create_task(feed.stream(sink, sink.connected))
            await sink.until(lambda: sink.connects == 1)
            await _off_loop(ntfy.restart)
            await task
            await _off_loop(ntfy.publish, "alerts", "between connections")
            task = asyncio.create_task(feed.stream(sink, sink.connected))
            await sink.until(lambda: len(sink.items) == 1)
            await _cancel(task)

        _run(_with_feed(feed, body))

    assert sink.summaries == ["between connections"]
    since = ntfy.server.requests_to("/alerts/json")[-1].query["since"][0]
    assert since.isdigit()  # the `time` of the last event the server sent


def test_since_option_replays_the_backlog_on_the_first_connection() -> None:
    with FakeNtfy() as ntfy:
        ntfy.publish("alerts", "from before")
        feed = NtfyFeed(_config(ntfy.url, since="all"), "")
        sink = Sink()

        async def body(feed: NtfyFeed) -> None:
            task = asyncio.create_task(feed.stream(sink, sink.connected))
            await sink.until(lambda: len(sink.items) == 1)
            await _cancel(task)

        _run(_with_feed(feed, body))

    assert sink.summaries == ["from before"]
    assert ntfy.server.requests_to("/alerts/json")[0].query["since"] == ["all"]


def test_a_repeat_of_a_message_already_reported_is_dropped() -> None:
    with FakeNtfy() as ntfy:
        feed = NtfyFeed(_config(ntfy.url), "")
        sink = Sink()

        async def body(feed: NtfyFeed) -> None:
            task = asyncio.create_task(feed.stream(sink, sink.connected))
            await sink.until(lambda: sink.connects == 1)
            await _off_loop(ntfy.publish, "alerts", "once")
            await sink.until(lambda: len(sink.items) == 1)
            await _off_loop(ntfy.stop)
            await task
            # A since= id the cache no longer knows makes ntfy replay everything it has.
            feed._last_id = "expired-id"
            await _off_loop(ntfy.start)
            task = asyncio.create_task(feed.stream(sink, sink.connected))
            await sink.until(lambda: sink.connects == 2)
            await _off_loop(ntfy.publish, "alerts", "twice?")
            await sink.until(lambda: len(sink.items) == 2)
            await _cancel(task)

        _run(_with_feed(feed, body))

    assert sink.summaries == ["once", "twice?"]


def test_deleted_notification_resolves_its_alert() -> None:
    with FakeNtfy() as ntfy:
        feed = NtfyFeed(_config(ntfy.url), "")
        sink = Sink()

        async def body(feed: NtfyFeed) -> None:
            task = asyncio.create_task(feed.stream(sink, sink.connected))
            await sink.until(lambda: sink.connects == 1)
            sent = await _off_loop(ntfy.publish, "alerts", "disk full", sequence_id="disk-1")
            await _off_loop(
                ntfy.publish, "alerts", "", event="message_delete", sequence_id=sent["sequence_id"]
            )
            await sink.until(lambda: len(sink.items) == 2)
            await _cancel(task)

        _run(_with_feed(feed, body))

    raised, deleted = sink.items
    assert (raised.source_id, raised.firing) == ("disk-1", True)
    assert (deleted.source_id, deleted.firing) == ("disk-1", False)


def test_stream_that_goes_quiet_past_its_keepalive_is_broken() -> None:
    with FakeNtfy(keepalive_interval_s=0.05) as ntfy:
        feed = NtfyFeed(_config(ntfy.url, keepalive_timeout_s="0.5"), "")
        sink = Sink()

        async def body(feed: NtfyFeed) -> tuple[bool, FeedError]:
            task = asyncio.create_task(feed.stream(sink, sink.connected))
            await sink.until(lambda: sink.connects == 1)
            # Keepalives for longer than the timeout keep the stream alive...
            await _until(lambda: ntfy.keepalives_sent >= 14)
            alive = not task.done()
            ntfy.go_silent()
            # ...and silence breaks it.
            with pytest.raises(FeedUnreachableError) as broken:
                await task
            return alive, broken.value

        alive, broken = _run(_with_feed(feed, body))

    assert alive
    assert "silent for 0.5 s, longer than its keepalive allows (phone-alerts)" in str(broken)


def test_malformed_line_is_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with FakeNtfy() as ntfy:
        feed = NtfyFeed(_config(ntfy.url), "")
        sink = Sink()

        async def body(feed: NtfyFeed) -> None:
            task = asyncio.create_task(feed.stream(sink, sink.connected))
            await sink.until(lambda: sink.connects == 1)
            await _off_loop(ntfy.send_raw_line, '{"id":"half", "event": ')
            await _off_loop(ntfy.send_raw_line, '["a list"]')
            await _off_loop(ntfy.publish, "alerts", "still here")
            await sink.until(lambda: len(sink.items) == 1)
            assert not task.done()
            await _cancel(task)

        with caplog.at_level(logging.WARNING, logger="shiftbell.sources.ntfy.feed"):
            _run(_with_feed(feed, body))

    assert sink.summaries == ["still here"]
    assert ntfy.connections == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("phone-alerts: skipped a line that is not an event" in w for w in warnings)


def test_a_web_page_at_the_url_is_a_payload_error() -> None:
    with FakeNtfy() as ntfy:
        ntfy.server.fail_next(
            200, "<!DOCTYPE html><html>Sign in</html>", {"Content-Type": "text/html"}
        )
        ntfy.server.fail_next(200, "Sign in first\n<form>", {"Content-Type": "text/plain"})
        feed = NtfyFeed(_config(ntfy.url), "")
        sink = Sink()

        async def body(feed: NtfyFeed) -> list[FeedPayloadError]:
            errors = []
            for _ in range(2):
                with pytest.raises(FeedPayloadError) as raised:
                    await feed.stream(sink, sink.connected)
                errors.append(raised.value)
            return errors

        html, text = _run(_with_feed(feed, body))

    assert "answered with a web page, not an ntfy JSON stream (phone-alerts)" in str(html)
    assert "did not answer with an ntfy JSON stream (it began 'Sign in first')" in str(text)
    assert "is the URL right?" in str(text)
    assert sink.items == []


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        (
            "tk_wrong",
            r"ntfy rejected the access token \(401: unauthorized\): check the access "
            r"token in Settings > Feeds > phone-alerts",
        ),
        ("phil:wrong", r"ntfy rejected the username and password \(401"),
        ("", r"ntfy rejected the access token \(401"),
    ],
)
def test_rejected_credentials_name_the_feed(secret: str, message: str) -> None:
    with FakeNtfy(token=TOKEN, users={"phil": "s3cret"}) as ntfy:
        feed = NtfyFeed(_config(ntfy.url), secret)

        async def body(feed: NtfyFeed) -> tuple[FeedAuthError, FeedAuthError]:
            with pytest.raises(FeedAuthError) as streaming:
                await feed.stream(Sink(), lambda: None)
            with pytest.raises(FeedAuthError) as testing:
                await feed.test()
            return streaming.value, testing.value

        streaming, testing = _run(_with_feed(feed, body))

    for error in (streaming, testing):
        assert re.search(message, str(error)), str(error)
        if secret:
            assert secret.split(":")[-1] not in str(error)


def test_basic_auth_with_user_and_password() -> None:
    with FakeNtfy(users={"phil": "s3cret"}) as ntfy:
        feed = NtfyFeed(_config(ntfy.url), "phil:s3cret")
        result = _run(_with_feed(feed, lambda f: f.test()))
        [request] = ntfy.server.requests_to("/alerts/json")
    assert result.startswith("ntfy: topic alerts reachable")
    assert request.headers["Authorization"].startswith("Basic ")


def test_forbidden_topic_is_an_auth_error() -> None:
    with FakeNtfy(token=TOKEN, forbidden_topics=frozenset({"alerts"})) as ntfy:
        feed = NtfyFeed(_config(ntfy.url), TOKEN)
        with pytest.raises(FeedAuthError, match=r"refused access with the access token \(403"):
            _run(_with_feed(feed, lambda f: f.test()))


def test_test_counts_the_last_hours_messages() -> None:
    with FakeNtfy() as ntfy:
        ntfy.publish("alerts", "one")
        ntfy.publish("backups", "two")
        ntfy.publish("elsewhere", "not ours")
        feed = NtfyFeed(_config(ntfy.url, topics="alerts,backups"), "")
        result = _run(_with_feed(feed, lambda f: f.test()))
        [request] = ntfy.server.requests_to("/alerts,backups/json")
    assert result == "ntfy: topics alerts, backups reachable, 2 messages in the last hour"
    assert request.query == {"poll": ["1"], "since": ["1h"]}


def test_unreachable_server_names_the_feed() -> None:
    with FakeNtfy() as ntfy:
        url = ntfy.url
    feed = NtfyFeed(_config(url), "")
    with pytest.raises(FeedUnreachableError, match=rf"cannot reach ntfy at {url} \(phone-alerts\)"):
        _run(_with_feed(feed, lambda f: f.stream(Sink(), lambda: None)))


def test_server_error_is_worth_retrying() -> None:
    with FakeNtfy() as ntfy:
        ntfy.server.fail_next(502, "bad gateway")
        feed = NtfyFeed(_config(ntfy.url), "")
        with pytest.raises(FeedUnreachableError, match=r"ntfy server error 502 \(phone-alerts\)"):
            _run(_with_feed(feed, lambda f: f.stream(Sink(), lambda: None)))
