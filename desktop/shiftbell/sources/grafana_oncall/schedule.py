"""Grafana OnCall / Grafana IRM: the person's final shifts, across the account's schedules.

Signs in through a Grafana OnCall alert feed (its account: the feed's own client). Its
options are declared in __init__.py.

Requests: GET /api/v1/schedules/ (paginated: `next`), then per schedule
GET /api/v1/schedules/{id}/final_shifts?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD (dates in
UTC, both required, paginated the same way). Final shifts are what OnCall will actually page:
rotations with overrides and swaps applied, one entry per person and slot:
`{"user_pk", "user_email", "user_username", "shift_start", "shift_end"}`. `next` links are
followed by their query only, against the configured URL, as the alert feed does.

OnCall allows 300 requests per 5 minutes per token, shared with the alert feed: one refresh
costs 1 + (number of schedules) requests, so name the schedules when the account has many.

Label: the schedule's name. The same final shifts name everyone on the schedules read: they
are also who else is on call (`fetch_team`, by username), at no extra request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, timedelta
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import httpx

from shiftbell.core.errors import FeedConfigError, FeedPayloadError
from shiftbell.core.schedule import Shift
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.fields import member, text_member
from shiftbell.sources.grafana_oncall import SOURCE
from shiftbell.sources.grafana_oncall.feed import GrafanaOnCallFeed
from shiftbell.sources.schedule import (
    DEFAULT_LOOKAHEAD,
    DEFAULT_LOOKBEHIND,
    Window,
    shift_or_none,
    where_to_fix,
)
from shiftbell.sources.spec import ScheduleRequest
from shiftbell.sources.vendor_schedule import VendorSchedule

NOUN = "Grafana OnCall schedule"
SCHEDULES_PATH = "api/v1/schedules/"
MAX_PAGES = 20  # per listing: a loop of `next` links must end
MAX_SPAN = timedelta(days=365)  # OnCall refuses end_date more than 365 days after start_date


class GrafanaOnCallSchedule(VendorSchedule):
    """The person's final shifts in Grafana OnCall. See the module docstring."""

    noun = NOUN
    source = SOURCE
    feed_type = GrafanaOnCallFeed
    max_span = MAX_SPAN
    span_words = "OnCall answers for at most 365 days at a time"

    def __init__(
        self,
        name: str,
        feed: FeedConfig,
        secret: str,
        *,
        user: str,
        schedules: Sequence[str] = (),
        lookbehind: timedelta = DEFAULT_LOOKBEHIND,
        lookahead: timedelta = DEFAULT_LOOKAHEAD,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._user = user.strip().casefold()
        self._wanted = [s.strip() for s in schedules if s.strip()]
        super().__init__(
            name, feed, secret, lookbehind=lookbehind, lookahead=lookahead, transport=transport
        )

    def check(self) -> None:
        if not self._user:
            self.refuse("say whose shifts to show: set user to your OnCall email or username")

    async def read(self, window: Window) -> list[Shift | None]:
        dates = {
            "start_date": window.start.astimezone(UTC).date().isoformat(),
            "end_date": window.end.astimezone(UTC).date().isoformat(),
        }
        shifts: list[Shift | None] = []
        team: list[Shift] = []
        for schedule_id, schedule_name in await self._schedules():
            path = f"{SCHEDULES_PATH}{quote(schedule_id, safe='')}/final_shifts"
            for entry in await self._all_pages(path, dates):
                if self._is_mine(entry):
                    shifts.append(self._shift(entry, schedule_name))
                who = _who(entry)
                if who and (slot := self._shift(entry, schedule_name)) is not None:
                    team.append(Shift(slot.start, slot.end, schedule_name, who))
        self.team_seen = team
        return shifts

    async def _schedules(self) -> list[tuple[str, str]]:
        """(id, name) of the schedules to read, in OnCall's order."""
        listed: list[tuple[str, str]] = []
        for item in await self._all_pages(SCHEDULES_PATH, {}):
            schedule_id = item.get("id")
            if isinstance(schedule_id, str) and schedule_id:
                name = item.get("name")
                listed.append((schedule_id, name if isinstance(name, str) else schedule_id))
        if not self._wanted:
            return listed
        chosen = []
        for wanted in self._wanted:
            match = [
                (sid, name)
                for sid, name in listed
                if wanted == sid or wanted.casefold() == name.casefold()
            ]
            if not match:
                known = ", ".join(name for _, name in listed) or "none"
                raise FeedConfigError(
                    f"OnCall has no schedule {wanted!r} (it has: {known}): fix schedules in "
                    f"{where_to_fix(self.name)}"
                )
            chosen += [s for s in match if s not in chosen]
        return chosen

    async def _all_pages(self, path: str, params: dict[str, str]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        query: list[tuple[str, str]] = list(params.items())
        for _ in range(MAX_PAGES):
            _, body = await self._account.get(path, params=query)
            results = member(body, "results")
            if not isinstance(results, list):
                raise FeedPayloadError(
                    f"OnCall answered {path} without a 'results' list: is the feed's URL the "
                    f"OnCall API URL?"
                )
            items += [r for r in results if isinstance(r, dict)]
            link = text_member(body, "next")
            if not link:
                return items
            # The query only: OnCall builds `next` from its own idea of its address.
            query = parse_qsl(urlsplit(link).query)
        raise FeedPayloadError(f"OnCall kept sending more pages of {path} (over {MAX_PAGES})")

    def _is_mine(self, entry: dict[str, Any]) -> bool:
        keys = ("user_email", "user_username", "user_pk")
        return any(
            isinstance(entry.get(k), str) and entry[k].casefold() == self._user for k in keys
        )

    def _shift(self, entry: dict[str, Any], schedule_name: str) -> Shift | None:
        start = self.instant(entry.get("shift_start"), "a shift time")
        end = self.instant(entry.get("shift_end"), "a shift time")
        return shift_or_none(start, end, self.name, schedule_name)


def _who(entry: dict[str, Any]) -> str:
    for key in ("user_username", "user_email", "user_pk"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def open_schedule(request: ScheduleRequest) -> GrafanaOnCallSchedule:
    """The schedule for a `[[schedules]]` entry (the declaration in __init__.py calls this)."""
    return GrafanaOnCallSchedule.from_request(
        request, user=request.options["user"] or "", schedules=request.options["schedules"] or ()
    )
