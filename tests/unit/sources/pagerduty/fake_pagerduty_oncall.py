"""A fake PagerDuty REST API v2 for on-call shifts: GET /users/me and GET /oncalls.

Answers the way PagerDuty documents /oncalls (API reference, "List all of the on-calls"):
- `Authorization: Token token=KEY` (or `Bearer KEY` for OAuth); anything else is a 401 with
  PagerDuty's error JSON.
- GET /users/me: the user for a user token; 400 for an account (general access) key.
- GET /oncalls: filters `user_ids[]` and `since`/`until` (an entry overlapping the range;
  `start`/`end` null means always on call, so it always overlaps); refuses a range longer
  than 90 days; pages with `limit` (default 25, at most 100), `offset`, `more`, `total`.
  Entries: `{"escalation_policy", "escalation_level", "schedule", "user", "start", "end"}`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from tests.helpers.vendor_server import VendorFake

ME = {"id": "PXPGF42", "type": "user", "name": "Earline Greenholt", "email": "earline@example.com"}
UNAUTHORIZED = {"error": {"message": "Unauthorized", "code": 2006}}
ACCOUNT_KEY_ME = {
    "error": {
        "message": "Invalid Input Provided",
        "code": 2001,
        "errors": [
            "Because this request was made using an account-level access token, we were "
            "unable to determine the user's identity. Please use a user-level token."
        ],
    }
}
DEFAULT_LIMIT = 25
MAX_LIMIT = 100


def oncall(
    start: str | None,
    end: str | None,
    *,
    user_id: str = ME["id"],
    schedule: str | None = "Payments Primary",
    policy: str = "Payments",
    level: int = 1,
) -> dict[str, Any]:
    """One /oncalls entry shaped like PagerDuty's reference example."""
    return {
        "escalation_policy": {
            "id": "PT20YPA",
            "type": "escalation_policy_reference",
            "summary": policy,
            "self": "https://api.pagerduty.com/escalation_policies/PT20YPA",
            "html_url": "https://acme.pagerduty.com/escalation_policies/PT20YPA",
        },
        "escalation_level": level,
        "schedule": None
        if schedule is None
        else {
            "id": "PI7DH85",
            "type": "schedule_reference",
            "summary": schedule,
            "self": "https://api.pagerduty.com/schedules/PI7DH85",
            "html_url": "https://acme.pagerduty.com/schedules/PI7DH85",
        },
        "user": {
            "id": user_id,
            "type": "user_reference",
            "summary": "Earline Greenholt" if user_id == ME["id"] else "Someone Else",
            "self": f"https://api.pagerduty.com/users/{user_id}",
            "html_url": f"https://acme.pagerduty.com/users/{user_id}",
        },
        "start": start,
        "end": end,
    }


class FakePagerDutyOnCall(VendorFake):
    """`with FakePagerDutyOnCall() as pd:`; `pd.oncalls` is the list /oncalls serves."""

    def __init__(
        self,
        token: str = "pd-user-token",
        *,
        oauth: bool = False,
        account_key: bool = False,
        oncalls: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__()
        self.token = token
        self.oauth = oauth
        self.account_key = account_key
        self.oncalls: list[dict[str, Any]] = list(oncalls or [])
        self.server.route("GET", "/users/me", self._users_me)
        self.server.route("GET", "/oncalls", self._list_oncalls)

    def _refuse(self, request: web.Request) -> web.StreamResponse | None:
        expected = f"Bearer {self.token}" if self.oauth else f"Token token={self.token}"
        if request.headers.get("Authorization") != expected:
            return web.json_response(UNAUTHORIZED, status=401)
        return None

    async def _users_me(self, request: web.Request) -> web.StreamResponse:
        refused = self._refuse(request)
        if refused is not None:
            return refused
        if self.account_key:
            return web.json_response(ACCOUNT_KEY_ME, status=400)
        return web.json_response({"user": ME})

    async def _list_oncalls(self, request: web.Request) -> web.StreamResponse:
        refused = self._refuse(request)
        if refused is not None:
            return refused
        query = request.query
        since, until = _time(query.get("since")), _time(query.get("until"))
        if since and until and until - since > timedelta(days=90):
            return web.json_response(
                {
                    "error": {
                        "message": "Invalid Input Provided",
                        "code": 2001,
                        "errors": ["The range between since and until cannot exceed 90 days"],
                    }
                },
                status=400,
            )
        users = set(query.getall("user_ids[]", []))
        schedules = set(query.getall("schedule_ids[]", []))
        matching = [
            e
            for e in self.oncalls
            if (not users or e["user"]["id"] in users)
            and (not schedules or (e["schedule"] or {}).get("id") in schedules)
            and _overlaps(e, since, until)
        ]
        limit = min(int(query.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
        offset = int(query.get("offset", 0))
        page = matching[offset : offset + limit]
        return web.json_response(
            {
                "oncalls": page,
                "limit": limit,
                "offset": offset,
                "more": offset + len(page) < len(matching),
                "total": None,
            }
        )


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _overlaps(entry: dict[str, Any], since: datetime | None, until: datetime | None) -> bool:
    start, end = _time(entry["start"]), _time(entry["end"])
    if until is not None and start is not None and start >= until:
        return False
    return not (since is not None and end is not None and end <= since)
