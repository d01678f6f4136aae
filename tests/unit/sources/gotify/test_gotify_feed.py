"""The Gotify feed against a small real Gotify server (fake_gotify.py beside it) on 127.0.0.1.

Each test runs its client side in one `asyncio.run`; the fake server has its own loop on a
thread, and the test's hooks into it (publish, cut, stop) run in a worker thread so the
feed's loop keeps reading meanwhile. a catch-up read of missed messages on every
reconnect, and a stream that goes quiet past its keepalive is broken.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, Coroutine
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, TypeVar

import pytest
from tests.helpers.data import TEST_DATA
from tests.unit.sources.gotify.fake_gotify import APP_TOKEN, CLIENT_TOKEN, FakeGotify

from shiftbell.core.alert import Incoming, Severity
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedUnreachableError,
)
from shiftbell.sources.feed import AckReceipt, FeedConfig, StreamFeed
from shiftbell.sources.gotify.feed import GotifyFeed, incoming_from_message, severity_for_priority

DATA = TEST_DATA / "gotify"
DEADLINE_S = 5.0
T = TypeVar("T")


def _config(url: str, **options: str) -> FeedConfig:
    return FeedConfig("home-gotify", "gotify", url, options)


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


async def _cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, FeedError):
        await task


async def _with_feed(feed: GotifyFeed, body: Callable[[GotifyFeed], Awaitable[T]]) -> T:
    try:
        return await body(feed)
    finally:
        await feed.close()


def _stream_task(feed: GotifyFeed, sink: Sink) -> asyncio.Task[None]:
    return asyncio.create_task(feed.stream(sink, sink.connected))


# -- reading Gotify's documented JSON, no socket ---------------------------------------------------


def test_documented_message_becomes_an_alert() -> None:
    item = incoming_from_message(json.loads((DATA / "message.json").read_text()))
    assert item.source_id == "25"
    assert item.title == "Backup"
    assert item.summary == "**Backup** was successfully finished."
    assert item.severity is Severity.INFO
    assert item.url == ""
    assert item.labels == (("appid", "5"), ("priority", "2"))
    assert item.firing
    assert item.started_at == datetime(
        2018, 2, 27, 19, 36, 10, 504504, tzinfo=timezone(timedelta(hours=1))
    )


def test_click_url_comes_from_the_notification_extras() -> None:
    item = incoming_from_message(json.loads((DATA / "message-with-click.json").read_text()))
    assert item.url == "https://grafana.example.com/d/db?orgId=1"
    assert item.severity is Severity.CRITICAL
    assert item.started_at == datetime(2024, 5, 14, 8, 2, 41, 127593, tzinfo=UTC)


@pytest.mark.parametrize(
    ("priority", "severity"),
    [
        (10, Severity.CRITICAL),
        (8, Severity.CRITICAL),
        (7, Severity.WARNING),
        (4, Severity.WARNING),
        (3, Severity.INFO),
        (0, Severity.INFO),
        (None, Severity.INFO),
        ("9", Severity.INFO),  # not a number: as if absent
        (True, Severity.INFO),
    ],
)
def test_priority_to_severity(priority: object, severity: Severity) -> None:
    assert severity_for_priority(priority) is severity


def test_message_without_title_or_date_still_reads() -> None:
    item = incoming_from_message({"id": 7, "message": "x", "date": "yesterday"})
    assert (item.title, item.started_at, item.labels) == ("Gotify message 7", None, ())


def test_bad_options_say_what_is_wrong() -> None:
    with pytest.raises(FeedConfigError, match=r"keepalive_timeout_s='-1' must be a number"):
        GotifyFeed(_config("https://gotify.example.com", keepalive_timeout_s="-1"), "")
    with pytest.raises(FeedConfigError, match=r"must start with http:// or https://.*home-gotify"):
        GotifyFeed(_config("gotify.example.com"), "")


def test_it_is_a_stream_feed_and_acknowledges_locally() -> None:
    feed = GotifyFeed(_config("https://gotify.example.com"), CLIENT_TOKEN)
    assert isinstance(feed, StreamFeed)
    receipt = _run(_with_feed(feed, lambda f: f.acknowledge(None)))  # type: ignore[arg-type]
    assert receipt == AckReceipt(local_only=True)


# -- the stream, against the fake server ----------------------------------------------------------


def test_messages_arrive_in_order_with_their_fields() -> None:
    with FakeGotify() as gotify:
        gotify.publish("Old", "published before Shiftbell started")
        feed = GotifyFeed(_config(gotify.url), CLIENT_TOKEN)
        sink = Sink()

        async def body(feed: GotifyFeed) -> list[dict[str, Any]]:
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 1)
            click = {"client::notification": {"click": {"url": "https://status.example.com"}}}
            sent = [
                await _off_loop(
                    gotify.publish,
                    "Disk full",
                    "nas1 /srv at 99%",
                    priority=9,
                    extras=click,
                    appid=3,
                ),
                await _off_loop(gotify.publish, "Backup late", "nightly not done", priority=5),
                await _off_loop(gotify.publish, "FYI", "cert renewed", priority=None),
            ]
            await sink.until(lambda: len(sink.items) == 3)
            await _cancel(task)
            return sent

        sent = _run(_with_feed(feed, body))

    assert sink.summaries == ["nas1 /srv at 99%", "nightly not done", "cert renewed"]
    first, second, third = sink.items
    assert first.source_id == str(sent[0]["id"])
    assert (first.title, first.severity) == ("Disk full", Severity.CRITICAL)
    assert first.url == "https://status.example.com"
    assert first.labels == (("appid", "3"), ("priority", "9"))
    assert first.started_at is not None and first.started_at.tzinfo is not None
    assert second.severity is Severity.WARNING
    assert third.severity is Severity.INFO  # no priority: the app default, 0
    [baseline] = gotify.server.requests_to("/message")[:1]
    assert baseline.query == {"limit": ["1"]}  # the first connection only notes the newest id
    [stream] = gotify.server.requests_to("/stream")
    assert stream.headers["X-Gotify-Key"] == CLIENT_TOKEN
    assert feed.last_id == sent[-1]["id"]


def test_cut_mid_frame_then_catch_up_reports_what_was_missed_once() -> None:
    with FakeGotify() as gotify:
        feed = GotifyFeed(_config(gotify.url), CLIENT_TOKEN)
        sink = Sink()

        async def body(feed: GotifyFeed) -> FeedError:
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 1)
            await _off_loop(gotify.publish, "one", "1")
            await sink.until(lambda: len(sink.items) == 1)
            await _off_loop(gotify.publish, "two", "2", cut=True)
            with pytest.raises(FeedUnreachableError) as broken:
                await task
            await _off_loop(gotify.publish, "three", "3")  # nobody connected
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 2)
            await _off_loop(gotify.publish, "four", "4")
            await sink.until(lambda: len(sink.items) == 4)
            await _cancel(task)
            return broken.value

        broken = _run(_with_feed(feed, body))

    assert sink.summaries == ["1", "2", "3", "4"]
    assert "the Gotify stream from" in str(broken) and "broke (home-gotify)" in str(broken)
    assert gotify.server.requests_to("/message")[-1].query == {"limit": ["200"]}


def test_connection_dropped_without_a_close_frame_is_broken() -> None:
    with FakeGotify() as gotify:
        feed = GotifyFeed(_config(gotify.url), CLIENT_TOKEN)
        sink = Sink()

        async def body(feed: GotifyFeed) -> None:
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 1)
            await _off_loop(gotify.drop_streams)
            with pytest.raises(FeedUnreachableError, match=r"broke \(home-gotify\)"):
                await task

        _run(_with_feed(feed, body))


def test_catch_up_reads_every_page_oldest_first() -> None:
    with FakeGotify() as gotify:
        feed = GotifyFeed(_config(gotify.url), CLIENT_TOKEN)
        sink = Sink()

        async def body(feed: GotifyFeed) -> None:
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 1)
            await _off_loop(gotify.publish, "first", "0")
            await sink.until(lambda: len(sink.items) == 1)
            await _off_loop(gotify.stop)
            await task  # closed with "going away": a clean return
            for n in range(1, 451):
                gotify.publish("missed", str(n))
            await _off_loop(gotify.start)
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 2)
            await _cancel(task)

        _run(_with_feed(feed, body))

    assert sink.summaries == [str(n) for n in range(451)]
    pages = [r.query for r in gotify.server.requests_to("/message")][-3:]
    assert pages == [
        {"limit": ["200"]},
        {"limit": ["200"], "since": ["252"]},
        {"limit": ["200"], "since": ["52"]},
    ]


def test_catch_up_stops_after_its_page_limit_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("shiftbell.sources.gotify.feed.MAX_CATCH_UP_PAGES", 2)
    with FakeGotify() as gotify:
        feed = GotifyFeed(_config(gotify.url), CLIENT_TOKEN)
        sink = Sink()

        async def body(feed: GotifyFeed) -> None:
            feed._last_id = 0  # connected before, when the server had no messages
            for n in range(1, 451):
                gotify.publish("storm", str(n))
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 1)
            await _cancel(task)

        with caplog.at_level(logging.WARNING, logger="shiftbell.sources.gotify.feed"):
            _run(_with_feed(feed, body))

    assert sink.summaries == [str(n) for n in range(51, 451)]
    assert "home-gotify: more than 400 messages were missed" in caplog.text


def test_server_restart_catches_up_on_what_was_published_while_it_was_down() -> None:
    with FakeGotify() as gotify:
        feed = GotifyFeed(_config(gotify.url), CLIENT_TOKEN)
        sink = Sink()

        async def body(feed: GotifyFeed) -> FeedError:
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 1)
            await _off_loop(gotify.publish, "before", "before the restart")
            await sink.until(lambda: len(sink.items) == 1)
            await _off_loop(gotify.stop)
            await task  # closed with "going away": a clean return, no error
            gotify.publish("down", "while down", priority=10)
            with pytest.raises(FeedUnreachableError) as refused:
                await feed.stream(sink, sink.connected)
            await _off_loop(gotify.start)
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 2)
            await _off_loop(gotify.publish, "after", "after the restart")
            await sink.until(lambda: len(sink.items) == 3)
            await _cancel(task)
            return refused.value

        refused = _run(_with_feed(feed, body))

    assert f"cannot reach Gotify at {gotify.url} (home-gotify)" in str(refused)
    assert sink.summaries == ["before the restart", "while down", "after the restart"]
    assert sink.items[1].severity is Severity.CRITICAL


def test_message_published_during_the_catch_up_is_reported_once() -> None:
    with FakeGotify() as gotify:
        feed = GotifyFeed(_config(gotify.url), CLIENT_TOKEN)
        sink = Sink()
        # The WebSocket is open before the catch-up read: a message published right then
        # comes both ways, live and in the list.

        def publish_during_catch_up() -> None:
            if len(gotify.server.requests_to("/message")) == 2:  # 1: the first-connect baseline
                gotify.publish_on_loop("race", "both ways")

        gotify.before_list = publish_during_catch_up

        async def body(feed: GotifyFeed) -> None:
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 1)
            await _off_loop(gotify.publish, "later", "after it")
            await sink.until(lambda: len(sink.items) == 2)
            await _cancel(task)

        _run(_with_feed(feed, body))

    assert sink.summaries == ["both ways", "after it"]


def test_stream_that_goes_quiet_past_its_keepalive_is_broken() -> None:
    with FakeGotify(ping_interval_s=0.05) as gotify:
        feed = GotifyFeed(_config(gotify.url, keepalive_timeout_s="0.5"), CLIENT_TOKEN)
        sink = Sink()

        async def body(feed: GotifyFeed) -> tuple[bool, FeedError]:
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 1)
            # Pings for longer than the timeout keep the stream alive...
            await _until(lambda: gotify.pings_sent >= 14)
            alive = not task.done()
            gotify.go_silent()
            # ...and silence breaks it.
            with pytest.raises(FeedUnreachableError) as broken:
                await task
            return alive, broken.value

        alive, broken = _run(_with_feed(feed, body))

    assert alive
    assert "silent for 0.5 s, longer than its keepalive allows (home-gotify)" in str(broken)


def test_malformed_frame_is_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with FakeGotify() as gotify:
        feed = GotifyFeed(_config(gotify.url), CLIENT_TOKEN)
        sink = Sink()

        async def body(feed: GotifyFeed) -> None:
            task = _stream_task(feed, sink)
            await sink.until(lambda: sink.connects == 1)
            await _off_loop(gotify.send_raw_text, '{"id": 99, "title": ')
            await _off_loop(gotify.send_raw_text, '{"title": "no id"}')
            await _off_loop(gotify.publish, "ok", "still here")
            await sink.until(lambda: len(sink.items) == 1)
            assert not task.done()
            await _cancel(task)

        with caplog.at_level(logging.WARNING, logger="shiftbell.sources.gotify.feed"):
            _run(_with_feed(feed, body))

    assert sink.summaries == ["still here"]
    assert gotify.connections == 1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2
    assert all("home-gotify: skipped a frame that is not a message" in w for w in warnings)


def test_a_web_page_at_the_url_is_a_payload_error() -> None:
    page = "<!DOCTYPE html><html><body>Welcome to nginx!</body></html>"
    html = {"Content-Type": "text/html"}
    with FakeGotify() as gotify:
        feed = GotifyFeed(_config(gotify.url), CLIENT_TOKEN)
        sink = Sink()

        async def body(feed: GotifyFeed) -> tuple[FeedError, FeedError]:
            gotify.server.fail_next(200, page, html, path_prefix="/message")
            with pytest.raises(FeedPayloadError) as listing:
                await feed.stream(sink, sink.connected)
            gotify.server.fail_next(200, page, html, path_prefix="/stream")
            with pytest.raises(FeedPayloadError) as upgrade:
                await feed.stream(sink, sink.connected)
            return listing.value, upgrade.value

        listing, upgrade = _run(_with_feed(feed, body))

    assert "is not JSON" in str(listing) and "(home-gotify): is the URL right?" in str(listing)
    assert "did not open a Gotify stream at /stream (HTTP 200)" in str(upgrade)
    assert sink.items == []


def test_server_error_during_catch_up_is_worth_retrying() -> None:
    with FakeGotify() as gotify:
        gotify.server.fail_next(503, {"error": "Service Unavailable"}, path_prefix="/message")
        feed = GotifyFeed(_config(gotify.url), CLIENT_TOKEN)
        with pytest.raises(FeedUnreachableError, match=r"Gotify server error 503.*\(home-gotify\)"):
            _run(_with_feed(feed, lambda f: f.stream(Sink(), lambda: None)))


@pytest.mark.parametrize("secret", ["wrong-token", APP_TOKEN])
def test_rejected_token_names_the_feed(secret: str) -> None:
    with FakeGotify() as gotify:
        feed = GotifyFeed(_config(gotify.url), secret)

        async def body(feed: GotifyFeed) -> list[FeedAuthError]:
            errors = []
            with pytest.raises(FeedAuthError) as first_connect:
                await feed.stream(Sink(), lambda: None)
            errors.append(first_connect.value)
            feed._last_id = 0  # as if connected before: the WebSocket is opened first
            with pytest.raises(FeedAuthError) as reconnect:
                await feed.stream(Sink(), lambda: None)
            errors.append(reconnect.value)
            with pytest.raises(FeedAuthError) as testing:
                await feed.test()
            errors.append(testing.value)
            return errors

        errors = _run(_with_feed(feed, body))

    expected = re.compile(
        r"Gotify rejected the client token \(401(: Unauthorized)?\): check the client token "
        r"in Settings > Feeds > home-gotify"
    )
    for error in errors:
        assert expected.search(str(error)), str(error)
        assert secret not in str(error)


def test_test_signs_in_and_reports_the_version() -> None:
    with FakeGotify() as gotify:
        feed = GotifyFeed(_config(gotify.url), CLIENT_TOKEN)
        result = _run(_with_feed(feed, lambda f: f.test()))
        [request] = gotify.server.requests_to("/current/user")
    assert result == "Gotify 2.6.1: signed in as admin"
    assert request.headers["X-Gotify-Key"] == CLIENT_TOKEN


def test_unreachable_server_names_the_feed() -> None:
    with FakeGotify() as gotify:
        url = gotify.url
    feed = GotifyFeed(_config(url), CLIENT_TOKEN)
    feed._last_id = 0  # straight to the WebSocket
    with pytest.raises(
        FeedUnreachableError, match=rf"cannot reach Gotify at {url} \(home-gotify\)"
    ):
        _run(_with_feed(feed, lambda f: f.stream(Sink(), lambda: None)))
