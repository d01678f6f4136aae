"""What the schedules read through an alert feed's account share (PagerDuty, Opsgenie / JSM
Ops, Grafana OnCall): the account opened once with the feed's URL and key, the window of time
asked for, bounds on it, the name every message starts with, and tidying what came back.

A vendor's schedule sets its own settings, then calls `__init__` here, which refuses what
cannot work (`check`, before any client is opened); it names its feed class (`feed_type`, whose
account it signs in through) and says how to read the person's shifts in a window (`read`);
`fetch` and `close` are here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, NoReturn, Protocol, Self

import httpx

from shiftbell.core.errors import FeedConfigError, FeedPayloadError
from shiftbell.core.schedule import Shift
from shiftbell.sources.feed import FeedConfig, expect_kind
from shiftbell.sources.fields import iso_time
from shiftbell.sources.http import VendorAccount
from shiftbell.sources.schedule import (
    DEFAULT_LOOKAHEAD,
    DEFAULT_LOOKBEHIND,
    TEAM_AHEAD,
    Window,
    naming,
    tidy,
    where_to_fix,
)
from shiftbell.sources.spec import ScheduleRequest, SourceSpec


class HasAccount(Protocol):
    """A vendor's alert feed, which holds the account (client and sign-in) a schedule uses."""

    @property
    def account(self) -> VendorAccount: ...


class VendorSchedule:
    """A schedule read through the account of the alert feed `feed` (its URL and `secret`).

    Class attributes: `noun` ("PagerDuty schedule"); `source`, the vendor's declaration, and
    `feed_type`, its feed class, whose account (client and sign-in) the schedule uses; `max_span`,
    the longest window the vendor answers for, or None, with `span_words` saying so
    ("PagerDuty answers for at most 90 days at a time").
    """

    noun: ClassVar[str]
    source: ClassVar[SourceSpec]
    feed_type: ClassVar[Callable[..., HasAccount]]
    max_span: ClassVar[timedelta | None] = None
    span_words: ClassVar[str] = ""

    def __init__(
        self,
        name: str,
        feed: FeedConfig,
        secret: str,
        *,
        lookbehind: timedelta = DEFAULT_LOOKBEHIND,
        lookahead: timedelta = DEFAULT_LOOKAHEAD,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.name = name
        if self.max_span is not None and lookbehind + lookahead > self.max_span:
            self.refuse(f"{self.span_words}; shorten the days ahead")
        self.check()
        self._lookbehind = lookbehind
        self.lookahead = lookahead
        # Everyone's shifts a `read` saw on the way to the person's (label: who), for
        # `fetch_team`; vendors whose answer names only the person leave it empty.
        self.team_seen: list[Shift] = []
        with naming(f"{self.noun} {name}"):
            self._account = self.open_account(feed, secret, transport)

    @classmethod
    def from_request(cls, request: ScheduleRequest, **options: Any) -> Self:
        """The schedule for a `[[schedules]]` entry, with the vendor's own `options`."""
        assert request.feed is not None  # sources.build checks it before calling
        return cls(
            request.config.name,
            request.feed,
            request.secret,
            lookbehind=request.lookbehind,
            lookahead=request.lookahead,
            transport=request.transport,
            **options,
        )

    def check(self) -> None:
        """Refuse (`refuse`) the vendor's own settings that cannot work."""

    def open_account(
        self, feed: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> VendorAccount:
        expect_kind(feed, self.source.id, self.source.name)
        return self.signed_in(self.feed_type(feed, secret, transport=transport))

    def signed_in(self, adapter: HasAccount) -> VendorAccount:
        """The account of the feed `adapter`; a vendor reads more from it here (JSM Ops)."""
        return adapter.account

    async def read(self, window: Window) -> Iterable[Shift | None]:
        """The person's shifts as the vendor lists them for `window` (None: not a shift)."""
        raise NotImplementedError

    async def fetch(self, now: datetime) -> list[Shift]:
        window = Window.around(now, self._lookbehind, self.lookahead)
        with naming(f"{self.noun} {self.name}"):
            shifts = await self.read(window)
        return tidy(s for s in shifts if s is not None and window.overlaps(s.start, s.end))

    async def fetch_team(self, now: datetime) -> list[Shift]:
        """Who is on call over the coming week, from what the last `fetch` read."""
        end = now + TEAM_AHEAD
        return tidy(s for s in self.team_seen if s.overlaps(now, end))

    async def close(self) -> None:
        await self._account.close()

    def refuse(self, why: str) -> NoReturn:
        """A setting of this schedule cannot work: say `why` and where to change it."""
        raise FeedConfigError(f"{self.noun} {self.name}: {why} in {where_to_fix(self.name)}")

    def instant(self, value: object, what: str) -> datetime:
        """`value` as an aware UTC datetime; what the vendor sent is `what` ("a shift time")."""
        parsed = iso_time(value)
        if parsed is not None:
            return parsed.astimezone(UTC)
        raise FeedPayloadError(
            f"{self.noun} {self.name}: {self._account.vendor} sent {what} that is not a date "
            f"({value!r:.40})"
        )
