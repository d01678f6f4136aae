"""PagerDuty: the person's on-call shifts from the REST API's /oncalls.

Signs in through a PagerDuty alert feed (open_account: the feed's own client). Its options
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
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shiftbell.core.errors import FeedConfigError, FeedPayloadError
from shiftbell.core.schedule import OPEN_END, Shift
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.pagerduty.feed import open_account
from shiftbell.sources.schedule import (
    DEFAULT_LOOKAHEAD,
    DEFAULT_LOOKBEHIND,
    Window,
    naming,
    shift_or_none,
    tidy,
    utc_instant,
    where_to_fix,
)
from shiftbell.sources.spec import ScheduleRequest

NOUN = "PagerDuty schedule"
PAGE_SIZE = 100  # PagerDuty's maximum `limit`
MAX_WINDOW = 10_000  # PagerDuty refuses offset + limit beyond this
MAX_SPAN = timedelta(days=90)  # PagerDuty refuses a longer since..until


class PagerDutySchedule:
    """The person's PagerDuty on-call shifts. See the module docstring."""

    noun = NOUN

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
        self.name = name
        if lookbehind + lookahead > MAX_SPAN:
            raise FeedConfigError(
                f"PagerDuty schedule {name}: PagerDuty answers for at most 90 days at a time; "
                f"shorten the days ahead in {where_to_fix(name)}"
            )
        self._lookbehind = lookbehind
        self.lookahead = lookahead
        configured = [u.strip() for u in user_ids if u.strip()]
        if not configured:
            configured = [u.strip() for u in feed.options.get("user_id", "").split(",")]
        self._user_ids = [u for u in configured if u]
        with naming(f"{NOUN} {name}"):
            self._account = open_account(feed, secret, transport)

    async def fetch(self, now: datetime) -> list[Shift]:
        window = Window.around(now, self._lookbehind, self.lookahead)
        with naming(f"{NOUN} {self.name}"):
            user_ids = await self._whose()
            entries = await self._oncalls(user_ids, window)
        shifts = [self._shift(entry, window) for entry in entries]
        return tidy(s for s in shifts if s is not None and window.overlaps(s.start, s.end))

    async def close(self) -> None:
        await self._account.close()

    async def _whose(self) -> list[str]:
        if self._user_ids:
            return self._user_ids
        status, body = await self._account.get("/users/me", ok=(400,))
        if status == 400:
            # PagerDuty: "Because this request was made using an account-level access token,
            # we were unable to determine the user's identity."
            raise FeedConfigError(
                f"PagerDuty cannot tell whose shifts to show from an account API key: set "
                f"user_id to your PagerDuty user id in {where_to_fix(self.name)}"
            )
        user = body.get("user") if isinstance(body, dict) else None
        user_id = user.get("id") if isinstance(user, dict) else None
        if not isinstance(user_id, str) or not user_id:
            raise FeedPayloadError("PagerDuty answered /users/me without a user id")
        self._user_ids = [user_id]
        return self._user_ids

    async def _oncalls(self, user_ids: list[str], window: Window) -> list[dict[str, Any]]:
        params: list[tuple[str, str | int]] = [("user_ids[]", u) for u in user_ids]
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
            page = body.get("oncalls") if isinstance(body, dict) else None
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
        start = _timestamp(entry.get("start"), self.name) or window.start
        end = _timestamp(entry.get("end"), self.name) or OPEN_END
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


def _timestamp(value: object, name: str) -> datetime | None:
    """An aware UTC datetime, or None for null (PagerDuty's "always")."""
    if value is None:
        return None
    parsed = utc_instant(value)
    if parsed is not None:
        return parsed
    raise FeedPayloadError(
        f"{NOUN} {name}: PagerDuty sent an on-call time that is not a date ({value!r:.40})"
    )


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


def open_schedule(request: ScheduleRequest) -> PagerDutySchedule:
    """The schedule for a `[[schedules]]` entry (the declaration in __init__.py calls this)."""
    assert request.feed is not None  # sources.build checks it before calling
    return PagerDutySchedule(
        request.config.name,
        request.feed,
        request.secret,
        user_ids=request.options["user_id"] or (),
        lookbehind=request.lookbehind,
        lookahead=request.lookahead,
        transport=request.transport,
    )
