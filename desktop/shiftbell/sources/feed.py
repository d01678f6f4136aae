"""What every alert source looks like to the rest of Shiftbell.

A feed is configured by a `FeedConfig` (name, kind, URL, options; the secret
comes separately from the keyring) and is one of two shapes:

- `PollingFeed` (Alertmanager, PagerDuty, Opsgenie, Grafana OnCall): `fetch()`
  returns the complete list of the source's current alerts; the feed runner
  calls it every interval and merges it as a snapshot, so an alert missing from
  it is resolved.
- `StreamFeed` (ntfy, Gotify): `stream(sink)` connects and reports each event
  as it arrives, resuming after a reconnect from the last event it saw, so
  nothing sent in between is lost; it returns or raises when the connection
  ends, and the runner reconnects with backoff.

Both acknowledge at the source with `acknowledge(alert)`, returning an
`AckReceipt` once the source has confirmed it. Adapters raise only Shiftbell's
own `FeedError` subclasses (core/errors.py), each with a message a person can
act on, naming the feed: "PagerDuty rejected the API key (401): check the key in
Settings > Feeds > work-pd". Third-party exceptions (httpx, aiohttp, json) never
leave an adapter. Adapters do no Qt and no sleeping of their own beyond what a
protocol needs; retry, backoff and rate-limit waits belong to the runner, which
reads `FeedRateLimitedError.retry_after_s`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from shiftbell.core.alert import Alert, Incoming
from shiftbell.core.errors import FeedConfigError

# Feed ids Shiftbell uses for its own alerts: the local receiver, Alertmanager's webhook
# into it, and the feed-down alerts. A configured feed may not take one of these names.
RESERVED_FEED_NAMES = frozenset({"local", "alertmanager-webhook", "shiftbell"})


@dataclass(frozen=True)
class FeedConfig:
    """One configured feed. `name` is the person's name for it and the feed id in alert keys.

    `options` holds the kind-specific settings as strings (e.g. PagerDuty's
    `from_email`, ntfy's `topics`), declared by each source (`SourceSpec.feed_options`).
    The secret (token, API key) is never here: it lives in the OS keyring.
    """

    name: str
    kind: str  # a source id from sources/registry.py
    url: str
    options: Mapping[str, str] = field(default_factory=dict)
    interval_s: float = 15.0
    stale_after_s: float = 120.0

    @property
    def settings_page(self) -> str:
        """Where the person fixes it (in messages)."""
        return "Feeds"


@dataclass(frozen=True)
class AckReceipt:
    """The source confirmed an acknowledgement.

    `reference` is what undoing it needs (Alertmanager's silence id), or "".
    `local_only` is True for sources with no acknowledgement of their own
    (ntfy, Gotify): acknowledged in Shiftbell only, nothing was sent.
    """

    reference: str = ""
    local_only: bool = False


EventSink = Callable[[Incoming], None]


@runtime_checkable
class PollingFeed(Protocol):
    config: FeedConfig

    async def fetch(self) -> list[Incoming]:
        """All of the source's current alerts (every page read)."""
        ...

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        """Acknowledge at the source; return only once the source confirmed it."""
        ...

    async def unacknowledge(self, alert: Alert, receipt: AckReceipt) -> None:
        """Undo an acknowledgement (Alertmanager: delete the silence). Others may raise."""
        ...

    async def test(self) -> str:
        """Check URL and credentials; a one-line result for the person ("3 active alerts")."""
        ...

    async def close(self) -> None: ...


@runtime_checkable
class StreamFeed(Protocol):
    config: FeedConfig

    async def stream(self, sink: EventSink, connected: Callable[[], None]) -> None:
        """Connect, catch up on what was missed, then report events until the stream ends.

        Calls `connected()` once the connection is up and the catch-up is done. Raises a
        FeedError when the connection fails or breaks (including a stream silent for
        longer than its keepalive allows); returns only if the server closed it cleanly.
        """
        ...

    async def acknowledge(self, alert: Alert) -> AckReceipt: ...

    async def test(self) -> str: ...

    async def close(self) -> None: ...


Feed = PollingFeed | StreamFeed


@runtime_checkable
class ResolvingFeed(Protocol):
    """A feed whose source can resolve (close) an alert: PagerDuty, Opsgenie, Grafana OnCall."""

    async def resolve(self, alert: Alert) -> None:
        """Resolve it at the source, with `alert.ack_comment` as its note where the source
        takes one; return once the source confirmed it (already resolved counts)."""
        ...


def expect_kind(feed: FeedConfig, kind: str, vendor: str) -> None:
    """Refuse to sign a `vendor` schedule in through a feed of another kind."""
    if feed.kind != kind:
        raise FeedConfigError(
            f"feed {feed.name} is a {feed.kind} feed, not {vendor}: a {vendor} schedule signs "
            f"in through a {vendor} feed"
        )
