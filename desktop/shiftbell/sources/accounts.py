"""How a vendor schedule signs in: through the alert feed of the same account.

A PagerDuty, Grafana OnCall or Opsgenie schedule uses the URL, secret and auth options of an
alert feed the person already set up (the schedule's option `feed`), so the key is entered
once and both speak to the vendor exactly alike. The feed adapter is built as for the feed
itself (which checks its options and the secret) and its authenticated httpx client is
borrowed; requests go through feeds/http.py's `request_json`, so a dead server, a rejected
key or a rate limit reads the same as for the feed, and points at the feed's settings, where
the key lives.

The adapters keep their client (and Grafana's credential word, Opsgenie's dialect) private;
this module is the one place that reaches in, so a change there breaks here, loudly, in
tests/unit/schedules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from shiftbell.core.errors import FeedConfigError
from shiftbell.sources.feed import FeedConfig, FeedKind
from shiftbell.sources.grafana_oncall import feed as grafana_oncall
from shiftbell.sources.http import request_json
from shiftbell.sources.opsgenie import feed as opsgenie
from shiftbell.sources.pagerduty import feed as pagerduty


@dataclass
class VendorAccount:
    """An authenticated session with one vendor account, borrowed from its alert feed."""

    feed: FeedConfig
    vendor: str  # the vendor's name in messages ("PagerDuty", "JSM Ops")
    credential: str  # what the secret is called in messages ("API key")
    client: httpx.AsyncClient

    async def get(
        self,
        path: str,
        *,
        params: Mapping[str, str | int] | Sequence[tuple[str, str | int]] | None = None,
        ok: tuple[int, ...] = (),
    ) -> tuple[int, Any]:
        return await request_json(
            self.client,
            "GET",
            path,
            config=self.feed,
            vendor=self.vendor,
            credential=self.credential,
            ok=ok,
            params=params,
        )

    async def close(self) -> None:
        await self.client.aclose()


def pagerduty_account(
    feed: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None = None
) -> VendorAccount:
    _expect(feed, FeedKind.PAGERDUTY, pagerduty.VENDOR)
    adapter = pagerduty.PagerDutyFeed(feed, secret, transport=transport)
    return VendorAccount(feed, pagerduty.VENDOR, pagerduty.CREDENTIAL, adapter._client)


def grafana_oncall_account(
    feed: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None = None
) -> VendorAccount:
    _expect(feed, FeedKind.GRAFANA_ONCALL, grafana_oncall.VENDOR)
    adapter = grafana_oncall.GrafanaOnCallFeed(feed, secret, transport=transport)
    return VendorAccount(feed, grafana_oncall.VENDOR, adapter._credential, adapter._client)


def opsgenie_account(
    feed: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None = None
) -> tuple[VendorAccount, bool]:
    """The account, and whether it is JSM Ops (whose API base already ends in /v1)."""
    _expect(feed, FeedKind.OPSGENIE, "Opsgenie")
    adapter = opsgenie.OpsgenieFeed(feed, secret, transport=transport)
    dialect = adapter._dialect
    account = VendorAccount(feed, dialect.vendor, dialect.credential, adapter._client)
    return account, adapter._api is opsgenie.Api.JSM


def _expect(feed: FeedConfig, kind: FeedKind, vendor: str) -> None:
    if feed.kind is not kind:
        raise FeedConfigError(
            f"feed {feed.name} is a {feed.kind.value} feed, not {vendor}: a {vendor} schedule "
            f"signs in through a {vendor} feed"
        )
