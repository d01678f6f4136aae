"""ntfy: a push feed that reads one or more topics' JSON stream; no acknowledgement at the source.

Options: declared in __init__.py (`shiftbell feed kinds ntfy` prints them).

Secret: an access token (`tk_...`, sent as `Authorization: Bearer`), or `user:password` for
basic auth, or nothing for a topic anyone may read.

Wire: `GET {url}/{topics}/json` streams one JSON event per line: `open` first, `message` for
each notification, `keepalive` while idle. Every `message` is one alert: its id is the alert's
`source_id` (a notification revised in place on ntfy 2.16+ keeps its `sequence_id`, so the
revision updates the same alert), the title (or the topic when it has none) is the alert's
title, the body its summary, `click` its link, and topic, priority and tags become labels.
A `message_delete` (ntfy 2.16+) resolves the alert; otherwise ntfy never says a problem is
over, so an alert from ntfy stays until it is acknowledged in Shiftbell.

Severity, from the message priority:
    5 (max/urgent)              critical
    4 (high)                    warning
    1-3 (min, low, default)     info; a message without a priority is 3, so info

Resuming: the feed remembers the id of the last message it saw and every reconnect asks for
`since=<that id>`, so what was published while the stream was down arrives, once, as long as
ntfy still caches it (`cache-duration`, 12 h by default). Before any message has arrived it
resumes from the server's time of the last line it read. The very first connection asks for
no backlog (see the `since` option): starting Shiftbell does not ring for yesterday's alerts.

Acknowledge: ntfy has no acknowledgement; an acknowledgement stays in Shiftbell
(`AckReceipt(local_only=True)`) and nothing is sent.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from shiftbell.core.alert import Alert, Incoming, Severity
from shiftbell.core.errors import FeedConfigError, FeedPayloadError, FeedUnreachableError
from shiftbell.sources.feed import AckReceipt, EventSink, FeedConfig
from shiftbell.sources.fields import text_member
from shiftbell.sources.http import make_client, status_error, where_to_fix
from shiftbell.sources.ntfy.auth import TOPIC, NtfyAuth
from shiftbell.sources.options import positive_seconds
from shiftbell.sources.streams import RecentIds
from shiftbell.sources.vendor_feed import VendorFeed

log = logging.getLogger(__name__)

VENDOR = "ntfy"
DEFAULT_KEEPALIVE_TIMEOUT_S = 120.0
# The stream itself has no read timeout: silence is judged by keepalive_timeout_s instead.
STREAM_TIMEOUT = httpx.Timeout(10.0, connect=5.0, read=None)
_SINCE = re.compile(r"^(all|latest|none|\d+|\d+(s|m|h|d))$")
# Events that sit in ntfy's message cache, so their id is one `since=` can resume from
# (open and keepalive ids are made up on the spot and unknown to the cache).
_CACHED_EVENTS = frozenset({"message", "message_delete", "message_clear"})
_PRIORITY_SEVERITY = {5: Severity.CRITICAL, 4: Severity.WARNING}
_DEFAULT_PRIORITY = 3


class NtfyFeed(VendorFeed):
    """One ntfy server and a set of its topics, read as a stream of events.

    Attributes:
        config: the feed's settings.
        topics: the subscribed topic names, in the order configured.
        keepalive_timeout_s: the longest silence accepted before the stream counts as broken.
    """

    _vendor = VENDOR

    def _open(
        self, config: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        self.topics = parse_topics(config)
        self.keepalive_timeout_s = positive_seconds(
            config, "keepalive_timeout_s", DEFAULT_KEEPALIVE_TIMEOUT_S
        )
        self._first_since = config.options.get("since", "").strip()
        if self._first_since and not _SINCE.match(self._first_since):
            raise FeedConfigError(
                f"ntfy option since={self._first_since!r} is not a duration (10m), a Unix time "
                f"or 'all': fix it in {where_to_fix(config)}"
            )
        auth = NtfyAuth.of(secret)
        self._credential = auth.credential
        self._base_url = config.url.rstrip("/")
        self._path = f"/{','.join(self.topics)}/json"
        self._client = make_client(self._base_url, auth.headers, transport, auth.basic)
        self._last_id: str | None = None
        self._last_server_time: int | None = None
        self._seen: RecentIds[str] = RecentIds()

    @property
    def last_id(self) -> str | None:
        """The id of the last cached event seen: where the next connection resumes."""
        return self._last_id

    # -- the stream -------------------------------------------------------------------------

    async def stream(self, sink: EventSink, connected: Callable[[], None]) -> None:
        """Read the topics' stream until it ends; see the module docstring for what is reported.

        `connected()` is called on ntfy's `open` event; the catch-up (`since=`) follows it
        on the same connection.
        """
        params = self._resume_params()
        opened = False
        try:
            async with self._client.stream(
                "GET", self._path, params=params, timeout=STREAM_TIMEOUT
            ) as response:
                opened = True
                if not 200 <= response.status_code < 300:
                    await response.aread()
                    raise status_error(response, self.config, VENDOR, self._credential)
                self._refuse_html(response)
                await self._read_events(response, sink, connected)
        except httpx.TimeoutException:
            raise FeedUnreachableError(
                f"ntfy at {self._base_url} did not answer in time ({self.config.name})"
            ) from None
        except httpx.HTTPError as exc:
            what = "the ntfy stream from" if opened else "cannot reach ntfy at"
            verb = " broke" if opened else ""
            raise FeedUnreachableError(
                f"{what} {self._base_url}{verb} ({self.config.name}): {_reason(exc)}"
            ) from None

    def _resume_params(self) -> dict[str, str]:
        if self._last_id is not None:
            return {"since": self._last_id}
        if self._last_server_time is not None:
            # Connected before but no message yet: resume from the server's own clock, so a
            # message published while the stream was down is not lost. A message from that same
            # second comes twice and the second copy is dropped as a repeat.
            return {"since": str(self._last_server_time)}
        return {"since": self._first_since} if self._first_since else {}

    async def _read_events(
        self, response: httpx.Response, sink: EventSink, connected: Callable[[], None]
    ) -> None:
        lines = response.aiter_lines()
        first = True
        while True:
            try:
                async with asyncio.timeout(self.keepalive_timeout_s):
                    line = await anext(lines)
            except StopAsyncIteration:
                return  # the server ended the stream cleanly (a restart, a shutdown)
            except TimeoutError:
                raise FeedUnreachableError(
                    f"the ntfy stream from {self._base_url} was silent for "
                    f"{self.keepalive_timeout_s:g} s, longer than its keepalive allows "
                    f"({self.config.name})"
                ) from None
            line = line.strip()
            if not line:
                continue
            event = self._decode(line, first)
            first = False
            if event is not None:
                self._handle(event, sink, connected)

    def _decode(self, line: str, first: bool) -> dict[str, Any] | None:
        """One line as an event; None (with a warning) for a line that is not one.

        The first line decides whether this is an ntfy stream at all: a page of HTML or
        something else at the URL is a wrong URL, not one bad line to skip.
        """
        try:
            event = json.loads(line)
        except ValueError:
            event = None
        if isinstance(event, dict) and isinstance(event.get("event"), str):
            return event
        if first:
            raise FeedPayloadError(
                f"{self._base_url} did not answer with an ntfy JSON stream "
                f"(it began {line[:60]!r}) ({self.config.name}): is the URL right?"
            )
        log.warning(
            "ntfy feed %s: skipped a line that is not an event: %.80r", self.config.name, line
        )
        return None

    def _handle(
        self, event: dict[str, Any], sink: EventSink, connected: Callable[[], None]
    ) -> None:
        kind = event["event"]
        server_time = event.get("time")
        if isinstance(server_time, int) and not isinstance(server_time, bool):
            self._last_server_time = server_time
        if kind == "open":
            connected()
            return
        if kind not in _CACHED_EVENTS:
            # keepalive (its arrival already counted as life), poll_request (for iOS), or
            # something newer than this code.
            return
        event_id = text_member(event, "id")
        if not event_id:
            log.warning("ntfy feed %s: skipped a %s event without an id", self.config.name, kind)
            return
        self._last_id = event_id
        if event_id in self._seen:
            return
        self._seen.add(event_id)
        if kind == "message":
            sink(incoming_from_message(event))
        elif kind == "message_delete":
            sink(_deleted(event))

    def _refuse_html(self, response: httpx.Response) -> None:
        # A login page or a proxy's error page: say so at once instead of skipping it line
        # by line. (Messages name the server, not the topics: on a public server a topic
        # name is as good as a password.)
        if "html" in response.headers.get("content-type", ""):
            raise FeedPayloadError(
                f"{self._base_url} answered with a web page, not an ntfy JSON stream "
                f"({self.config.name}): is the URL right?"
            )

    # -- the rest of the feed protocol ------------------------------------------------------

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        """ntfy has no acknowledgement: acknowledged in Shiftbell only."""
        return AckReceipt(local_only=True)

    async def test(self) -> str:
        """Read the last hour of the topics once (`poll=1`) and say how many messages there were."""
        try:
            response = await self._client.get(self._path, params={"poll": "1", "since": "1h"})
        except httpx.TimeoutException:
            raise FeedUnreachableError(
                f"ntfy at {self._base_url} did not answer in time ({self.config.name})"
            ) from None
        except httpx.HTTPError as exc:
            raise FeedUnreachableError(
                f"cannot reach ntfy at {self._base_url} ({self.config.name}): {_reason(exc)}"
            ) from None
        if not 200 <= response.status_code < 300:
            raise status_error(response, self.config, VENDOR, self._credential)
        self._refuse_html(response)
        count = 0
        for number, line in enumerate(filter(None, map(str.strip, response.text.splitlines()))):
            event = self._decode(line, first=number == 0)
            if event is not None and event["event"] == "message":
                count += 1
        topics = ", ".join(self.topics)
        noun = "topic" if len(self.topics) == 1 else "topics"
        plural = "" if count == 1 else "s"
        return f"ntfy: {noun} {topics} reachable, {count} message{plural} in the last hour"

    async def close(self) -> None:
        await self._client.aclose()


# -- reading ntfy's JSON ------------------------------------------------------------------------


def parse_topics(config: FeedConfig) -> list[str]:
    """The `topics` option as a list of valid topic names, or a FeedConfigError saying why not."""
    raw = config.options.get("topics", "")
    topics = [t.strip() for t in raw.split(",") if t.strip()]
    if not topics:
        raise FeedConfigError(
            f"ntfy feed {config.name} has no topics: set the option topics (e.g. "
            f"topics=alerts,backups) in {where_to_fix(config)}"
        )
    bad = [t for t in topics if not TOPIC.match(t)]
    if bad:
        raise FeedConfigError(
            f"ntfy topic {bad[0]!r} is not a valid name (letters, digits, - and _, at most 64): "
            f"fix the option topics in {where_to_fix(config)}"
        )
    return topics


def severity_for_priority(priority: object) -> Severity:
    """ntfy priority 5 -> critical, 4 -> warning, anything else (1-3, missing) -> info."""
    if isinstance(priority, bool) or not isinstance(priority, int):
        priority = _DEFAULT_PRIORITY
    return _PRIORITY_SEVERITY.get(priority, Severity.INFO)


def incoming_from_message(event: Mapping[str, Any]) -> Incoming:
    """One ntfy `message` event as an alert; fields of the wrong type are treated as absent."""
    topic = _text(event.get("topic"))
    priority = event.get("priority")
    if isinstance(priority, bool) or not isinstance(priority, int):
        priority = _DEFAULT_PRIORITY
    tags = event.get("tags")
    tag_text = ",".join(t for t in tags if isinstance(t, str)) if isinstance(tags, list) else ""
    labels = [("priority", str(priority)), ("topic", topic)]
    if tag_text:
        labels.append(("tags", tag_text))
    return Incoming(
        source_id=_source_id(event),
        title=_text(event.get("title")) or topic or "ntfy message",
        severity=severity_for_priority(priority),
        summary=_text(event.get("message")),
        url=_text(event.get("click")),
        labels=tuple(sorted(labels)),
        firing=True,
        started_at=_time(event.get("time")),
    )


def _deleted(event: Mapping[str, Any]) -> Incoming:
    topic = _text(event.get("topic"))
    return Incoming(
        source_id=_source_id(event),
        title=_text(event.get("title")) or topic or "ntfy message",
        firing=False,
    )


def _source_id(event: Mapping[str, Any]) -> str:
    sequence_id = _text(event.get("sequence_id"))
    return sequence_id or _text(event.get("id"))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _time(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _reason(exc: httpx.HTTPError) -> str:
    return (str(exc) or type(exc).__name__)[:200]


__all__ = [
    "DEFAULT_KEEPALIVE_TIMEOUT_S",
    "NtfyFeed",
    "incoming_from_message",
    "parse_topics",
    "severity_for_priority",
]
