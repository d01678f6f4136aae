"""PagerDuty: the person's on-call shifts from the REST API's /oncalls.

Signs in through a PagerDuty alert feed (its account: the feed's own client). Its options
are declared in __init__.py.

Request: GET /oncalls?user_ids[]=ID&since=..&until=..&time_zone=UTC&limit=100&offset=N,
following `more` (PagerDuty allows since..until up to 90 days and offset + limit up to 10000).
Each entry is one (escalation policy, level, schedule) that reaches the person, so the same
slot can come back once per level: identical shifts are kept once.

`start`/`end` are null when the person is placed on an escalation policy directly, not
through a schedule: always on call. Such a shift runs from the start of the fetched window
(now - lookbehind) to core.schedule's `OPEN_END`, which the window shows as "until further
notice".

Label: the schedule's name (or the escalation policy's, for a direct placement), with
"(level N)" for levels after the first.

The team (`fetch_team`, who else is on call): /oncalls for the schedules that reach the
person (`schedule_ids[]`), first level, the coming week; each shift's label is the user's
name, its source the schedule's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shiftbell.core.errors import FeedPayloadError
from shiftbell.core.schedule import OPEN_END, Shift
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.fields import member, text_member
from shiftbell.sources.pagerduty import SOURCE
from shiftbell.sources.pagerduty.feed import PagerDutyFeed
from shiftbell.sources.schedule import (
    DEFAULT_LOOKAHEAD,
    DEFAULT_LOOKBEHIND,
    TEAM_AHEAD,
    Window,
    naming,
    shift_or_none,
    tidy,
    where_to_fix,
)
from shiftbell.sources.spec import ScheduleRequest
from shiftbell.sources.vendor_schedule import VendorSchedule

NOUN = "PagerDuty schedule"
PAGE_SIZE = 100  # PagerDuty's maximum `limit`
MAX_WINDOW = 10_000  # PagerDuty refuses offset + limit beyond this
MAX_SPAN = timedelta(days=90)  # PagerDuty refuses a longer since..until


class PagerDutySchedule(VendorSchedule):
    """The person's PagerDuty on-call shifts. See the module docstring."""

    noun = NOUN
    source = SOURCE
    feed_type = PagerDutyFeed
    max_span = MAX_SPAN
    span_words = "PagerDuty answers for at most 90 days at a time"

    def __init__(
        self,
        name: str,
        feed: FeedConfig,
        secret: str,
        *,
        user_ids: Sequence[str] = (),
        lookbehind: timedelta = DEFAULT_LOOKBEHIND,
        lookahead: timedelta = DEFAULT_LOOKAHEAD,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        configured = [u.strip() for u in user_ids if u.strip()]
        if not configured:
            configured = [u.strip() for u in feed.options.get("user_id", "").split(",")]
        self._user_ids = [u for u in configured if u]
        self._schedule_ids: list[str] = []
        super().__init__(
            name, feed, secret, lookbehind=lookbehind, lookahead=lookahead, transport=transport
        )

    async def read(self, window: Window) -> list[Shift | None]:
        entries = await self._oncalls(await self._whose(), window)
        # The schedules that reach the person: whose team "who else is on call" means.
        self._schedule_ids = sorted(
            {sid for e in entries if (sid := text_member(e.get("schedule"), "id"))}
        )
        return [self._shift(entry, window) for entry in entries]

    async def fetch_team(self, now: datetime) -> list[Shift]:
        """Who is on call on the person's schedules over the coming week (first level)."""
        if not self._schedule_ids:
            return []
        window = Window(now.astimezone(UTC), now.astimezone(UTC) + TEAM_AHEAD)
        params: list[tuple[str, str | int]] = [("schedule_ids[]", s) for s in self._schedule_ids]
        with naming(f"{NOUN} {self.name}"):
            entries = await self._oncalls([], window, params)
        team = []
        for entry in entries:
            if entry.get("escalation_level") not in (None, 1):
                continue
            who = text_member(member(entry, "user"), "summary")
            start, end = entry.get("start"), entry.get("end")
            if not who or start is None or end is None:
                continue
            shift = shift_or_none(
                self.instant(start, "an on-call time"),
                self.instant(end, "an on-call time"),
                _summary(entry.get("schedule")) or self.name,
                who,
            )
            team.append(shift)
        return tidy(team)

    async def _whose(self) -> list[str]:
        if self._user_ids:
            return self._user_ids
        status, body = await self._account.get("/users/me", ok=(400,))
        if status == 400:
            # PagerDuty: "Because this request was made using an account-level access token,
            # we were unable to determine the user's identity."
            self.refuse(
                "PagerDuty cannot tell whose shifts to show from an account API key: set "
                "user_id to your PagerDuty user id"
            )
        user = member(body, "user")
        user_id = text_member(user, "id")
        if not user_id:
            raise FeedPayloadError("PagerDuty answered /users/me without a user id")
        self._user_ids = [user_id]
        return self._user_ids

    async def _oncalls(
        self, user_ids: list[str], window: Window, scope: Sequence[tuple[str, str | int]] = ()
    ) -> list[dict[str, Any]]:
        params: list[tuple[str, str | int]] = [("user_ids[]", u) for u in user_ids]
        params += scope
        params += [
            ("since", _iso(window.start)),
            ("until", _iso(window.end)),
            ("time_zone", "UTC"),
            ("limit", PAGE_SIZE),
        ]
        entries: list[dict[str, Any]] = []
        offset = 0
        while True:
            if offset + PAGE_SIZE > MAX_WINDOW:
                raise FeedPayloadError(
                    f"PagerDuty lists more than {MAX_WINDOW} on-call entries; shorten the "
                    f"days ahead in {where_to_fix(self.name)}"
                )
            _, body = await self._account.get("/oncalls", params=[*params, ("offset", offset)])
            page = member(body, "oncalls")
            if not isinstance(page, list):
                raise FeedPayloadError(
                    "PagerDuty answered /oncalls without an 'oncalls' list: is the feed's URL "
                    "the PagerDuty REST API (https://api.pagerduty.com)?"
                )
            entries += [e for e in page if isinstance(e, dict)]
            if not (isinstance(body, dict) and body.get("more") is True) or not page:
                return entries
            offset += len(page)

    def _shift(self, entry: dict[str, Any], window: Window) -> Shift | None:
        # null: placed on an escalation policy directly, so always on call
        start, end = entry.get("start"), entry.get("end")
        start = window.start if start is None else self.instant(start, "an on-call time")
        end = OPEN_END if end is None else self.instant(end, "an on-call time")
        schedule = _summary(entry.get("schedule"))
        policy = _summary(entry.get("escalation_policy"))
        level = entry.get("escalation_level")
        label = schedule or policy
        if isinstance(level, int) and level > 1:
            label = f"{label} (level {level})" if label else f"level {level}"
        return shift_or_none(start, end, self.name, label)


def _summary(reference: object) -> str:
    if not isinstance(reference, dict):
        return ""
    value = reference.get("summary")
    return value.strip() if isinstance(value, str) else ""


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def open_schedule(request: ScheduleRequest) -> PagerDutySchedule:
    """The schedule for a `[[schedules]]` entry (the declaration in __init__.py calls this)."""
    return PagerDutySchedule.from_request(request, user_ids=request.options["user_id"] or ())
