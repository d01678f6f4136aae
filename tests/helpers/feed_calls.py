"""Calling a real feed from a synchronous test: one action in its own event loop, with a
deadline, and the feed's client always closed after."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from shiftbell.core.alert import AckInfo, Alert, AlertKey, Incoming, Status

T = TypeVar("T")
F = TypeVar("F", bound=Any)


def run(feed: F, action: Callable[[F], Awaitable[T]], timeout: float = 30) -> T:
    async def main() -> T:
        try:
            return await asyncio.wait_for(action(feed), timeout)
        finally:
            await feed.close()

    return asyncio.run(main())


def alert_of(feed: str, found: Incoming, comment: str = "") -> Alert:
    """The board's alert for what a feed found, firing now; `comment` is the person's, as the
    acknowledge and resolve buttons pass it."""
    now = datetime.now(UTC)
    return Alert(
        id="a1",
        key=AlertKey(feed, found.source_id),
        title=found.title,
        severity=found.severity,
        status=Status.FIRING,
        started_at=now,
        alarm_since=now,
        updated_at=now,
        ack_info=AckInfo(comment=comment) if comment else None,
    )
