"""Opsgenie (and JSM Ops): the person's shifts from schedule timelines.

Signs in through an Opsgenie alert feed (its account: the feed's own client),
`api = "opsgenie"` or `"jsm"` alike. Its options are declared in __init__.py.

Request, per schedule: Opsgenie GET /v2/schedules/{schedule}/timeline?identifierType=id|name
&date=..&interval=N&intervalUnit=days (JSM Ops: GET .../v1/schedules/{id}/timeline with the
same query). The final timeline is what Opsgenie will page: rotations with overrides and
forwarding applied. Each rotation lists periods `{startDate, endDate, type, recipient}`
(JSM Ops: `responder`); a period whose recipient is a team or an escalation names the people
in `flattenedRecipients` (`flattenedResponders`). Opsgenie starts the timeline at the
beginning of the day containing `date` and may return periods reaching outside the window;
only the overlap counts.

Label: "schedule / rotation". The same timelines name everyone: they are also who else is
on call (`fetch_team`, by name), at no extra request.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from shiftbell.core.errors import FeedConfigError, FeedPayloadError
from shiftbell.core.schedule import Shift
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.fields import text_member
from shiftbell.sources.http import VendorAccount
from shiftbell.sources.opsgenie import SOURCE
from shiftbell.sources.opsgenie.feed import OpsgenieFeed
from shiftbell.sources.schedule import (
    DEFAULT_LOOKAHEAD,
    DEFAULT_LOOKBEHIND,
    Window,
    shift_or_none,
    where_to_fix,
)
from shiftbell.sources.spec import ScheduleRequest
from shiftbell.sources.vendor_schedule import HasAccount, VendorSchedule

NOUN = "Opsgenie schedule"
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
# Who a period belongs to: Opsgenie's words first, then JSM Ops'.
_RECIPIENT_KEYS = (("recipient", "flattenedRecipients"), ("responder", "flattenedResponders"))


class OpsgenieSchedule(VendorSchedule):
    """The person's shifts in one or more Opsgenie schedules. See the module docstring."""

    noun = NOUN
    source = SOURCE
    feed_type = OpsgenieFeed

    def __init__(
        self,
        name: str,
        feed: FeedConfig,
        secret: str,
        *,
        schedules: Sequence[str],
        user: str,
        lookbehind: timedelta = DEFAULT_LOOKBEHIND,
        lookahead: timedelta = DEFAULT_LOOKAHEAD,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._schedules = [s.strip() for s in schedules if s.strip()]
        self._user = user.strip().casefold()
        self._jsm = False
        super().__init__(
            name, feed, secret, lookbehind=lookbehind, lookahead=lookahead, transport=transport
        )

    def check(self) -> None:
        if not self._schedules:
            self.refuse("name the schedule(s) to read: set schedules to their ids or names")
        if not self._user:
            self.refuse(
                "say whose shifts to show: set user to your Opsgenie username (login email)"
            )

    def signed_in(self, adapter: HasAccount) -> VendorAccount:
        assert isinstance(adapter, OpsgenieFeed)
        self._jsm = adapter.is_jsm
        return adapter.account

    async def read(self, window: Window) -> list[Shift]:
        days = math.ceil((window.end - window.start) / timedelta(days=1)) + 1
        shifts: list[Shift] = []
        team: list[Shift] = []
        for schedule in self._schedules:
            timeline = await self._timeline(schedule, window.start, days)
            shifts += self._mine(timeline, schedule)
            team += self._everyone(timeline, schedule)
        self.team_seen = team
        return shifts

    def _everyone(self, timeline: dict[str, Any], schedule: str) -> Iterator[Shift]:
        """Every person's periods on the timeline (who else is on call), labelled by name."""
        for label, period in _periods(timeline, schedule):
            for who in _people(period):
                name = who.get("name") or who.get("username") or who.get("id")
                if not isinstance(name, str) or not name:
                    continue
                shift = shift_or_none(
                    self.instant(period.get("startDate"), "a period time"),
                    self.instant(period.get("endDate"), "a period time"),
                    label,
                    name,
                )
                if shift is not None:
                    yield shift

    async def _timeline(self, schedule: str, start: datetime, days: int) -> dict[str, Any]:
        params: list[tuple[str, str | int]] = [
            ("date", start.astimezone(UTC).isoformat().replace("+00:00", "Z")),
            ("interval", days),
            ("intervalUnit", "days"),
        ]
        if self._jsm:
            path = f"/schedules/{quote(schedule, safe='')}/timeline"
        else:
            path = f"/v2/schedules/{quote(schedule, safe='')}/timeline"
            params.append(("identifierType", "id" if _UUID.match(schedule) else "name"))
        status, body = await self._account.get(path, params=params, ok=(404,))
        if status == 404:
            raise FeedConfigError(
                f"{self._account.vendor} has no schedule {schedule!r} (404): check schedules in "
                f"{where_to_fix(self.name)} (names are case-sensitive)"
            )
        # Opsgenie wraps the answer in {"data": ...}; JSM Ops sends it bare.
        data = body.get("data") if isinstance(body, dict) and "data" in body else body
        if not isinstance(data, dict) or not isinstance(data.get("finalTimeline"), dict):
            raise FeedPayloadError(
                f"{self._account.vendor} answered the timeline of {schedule} without a "
                f"finalTimeline: is the feed's URL the {self._account.vendor} API?"
            )
        return data

    def _mine(self, timeline: dict[str, Any], schedule: str) -> Iterator[Shift]:
        for label, period in _periods(timeline, schedule):
            if self._is_mine(period):
                shift = shift_or_none(
                    self.instant(period.get("startDate"), "a period time"),
                    self.instant(period.get("endDate"), "a period time"),
                    self.name,
                    label,
                )
                if shift is not None:
                    yield shift

    def _is_mine(self, period: dict[str, Any]) -> bool:
        for who in _people(period):
            names = (who.get("id"), who.get("name"), who.get("username"))
            if any(isinstance(n, str) and n.casefold() == self._user for n in names):
                return True
        return False


def _periods(timeline: dict[str, Any], schedule: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """("schedule / rotation", period) for every period of the final timeline."""
    schedule_name = text_member(timeline.get("_parent"), "name") or schedule
    rotations = timeline["finalTimeline"].get("rotations")
    for rotation in rotations if isinstance(rotations, list) else []:
        if not isinstance(rotation, dict):
            continue
        rotation_name = rotation.get("name")
        label = f"{schedule_name} / {rotation_name}" if rotation_name else schedule_name
        periods = rotation.get("periods")
        for period in periods if isinstance(periods, list) else []:
            if isinstance(period, dict):
                yield label, period


def _people(period: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The users a period pages: its recipient, or the people of a team or escalation."""
    for single, flattened in _RECIPIENT_KEYS:
        people = period.get(flattened)
        candidates = people if isinstance(people, list) and people else [period.get(single)]
        for who in candidates:
            if isinstance(who, dict) and who.get("type", "user") == "user":
                yield who


def open_schedule(request: ScheduleRequest) -> OpsgenieSchedule:
    """The schedule for a `[[schedules]]` entry (the declaration in __init__.py calls this)."""
    return OpsgenieSchedule.from_request(
        request, schedules=request.options["schedules"] or (), user=request.options["user"] or ""
    )
