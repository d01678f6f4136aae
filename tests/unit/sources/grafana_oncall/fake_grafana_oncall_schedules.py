"""A fake Grafana OnCall public API for schedules: the list and each schedule's final shifts.

Answers as the OnCall API reference documents ("Schedule HTTP API"):
- `Authorization` must be the token, bare; anything else is 401 `{"detail": "Invalid token."}`.
- GET /api/v1/schedules/: `{"count", "next", "previous", "results", ...}`, page-number
  pagination (`page`; `page_size` schedules a page, small here so paging is exercised).
- GET /api/v1/schedules/{id}/final_shifts?start_date=YYYY-MM-DD&end_date=YYYY-MM-DD: both
  required (400 naming the missing one); the shifts that touch those days, paginated the same
  way: `{"user_pk", "user_email", "user_username", "shift_start", "shift_end"}`.
- `next` is an absolute URL on `public_url` (OnCall's own idea of its address, which behind
  a proxy is not the one the client used), so a client must follow its query only.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from tests.helpers.vendor_server import VendorFake

ALICE = {"user_pk": "UC2CHRT5SD34X", "user_email": "alice@example.com", "user_username": "alice"}
BOB = {"user_pk": "U7S8H84ARFTGN", "user_email": "bob@example.com", "user_username": "bob"}


def final_shift(user: dict[str, str], start: str, end: str) -> dict[str, str]:
    return {**user, "shift_start": start, "shift_end": end}


class FakeGrafanaOnCallSchedules(VendorFake):
    """`with FakeGrafanaOnCallSchedules(token) as oncall:`; add schedules with `add`."""

    def __init__(
        self, token: str, *, page_size: int = 2, public_url: str = "http://oncall.internal:8080"
    ) -> None:
        super().__init__()
        self.token = token
        self.page_size = page_size
        self.public_url = public_url
        self.schedules: list[dict[str, Any]] = []
        self.shifts: dict[str, list[dict[str, str]]] = {}
        self.server.route("GET", "/api/v1/schedules/", self._list)
        self.server.route("GET", "/api/v1/schedules/{id}/final_shifts", self._final_shifts)

    def add(self, schedule_id: str, name: str, shifts: list[dict[str, str]]) -> None:
        self.schedules.append(
            {
                "id": schedule_id,
                "name": name,
                "type": "web",
                "team_id": None,
                "time_zone": "UTC",
                "on_call_now": [],
                "ical_url_overrides": None,
                "slack": {"channel_id": None, "user_group_id": None},
            }
        )
        self.shifts[schedule_id] = shifts

    def _refused(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization", "") != self.token:
            return web.json_response({"detail": "Invalid token."}, status=401)
        return None

    async def _list(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused is not None:
            return refused
        return web.json_response(self._page(request, self.schedules))

    async def _final_shifts(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused is not None:
            return refused
        shifts = self.shifts.get(request.match_info["id"])
        if shifts is None:
            return web.json_response({"detail": "Not found."}, status=404)
        missing = [k for k in ("start_date", "end_date") if k not in request.query]
        if missing:
            return web.json_response({k: ["This field is required."] for k in missing}, status=400)
        first = date.fromisoformat(request.query["start_date"])
        last = date.fromisoformat(request.query["end_date"])
        touching = [
            s
            for s in shifts
            if _day(s["shift_start"], first) <= last and _day(s["shift_end"], last) >= first
        ]
        return web.json_response(self._page(request, touching))

    def _page(self, request: web.Request, items: list[Any]) -> dict[str, Any]:
        pages = max(1, math.ceil(len(items) / self.page_size))
        number = min(max(int(request.query.get("page", "1")), 1), pages)
        params = [(k, v) for k, v in request.query.items() if k != "page"]
        link = f"{self.public_url}{request.path}?{urlencode([*params, ('page', number + 1)])}"
        return {
            "count": len(items),
            "next": link if number < pages else None,
            "previous": None,
            "results": items[(number - 1) * self.page_size : number * self.page_size],
            "current_page_number": number,
            "page_size": self.page_size,
            "total_pages": pages,
        }


def _day(value: object, otherwise: date) -> date:
    """The day of a shift time; a broken one (a test's bad data) is sent whatever the window."""
    try:
        return datetime.fromisoformat(str(value)).date()
    except ValueError:
        return otherwise
