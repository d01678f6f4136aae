"""A fake PagerDuty REST API v2: in-memory incidents, paged and acknowledged as documented.

Payloads come from tests/data/pagerduty (shaped like PagerDuty's API reference examples).
What it checks and answers:
- `Authorization: Token token=KEY` (or `Bearer KEY` for an OAuth fake); anything else is a
  401 with PagerDuty's error JSON.
- GET /users/me: the user for a user token; a 400 for an account (general access) key.
- GET /abilities.
- GET /incidents: filters statuses[], user_ids[] (assignees), service_ids[], urgencies[];
  pages with `limit` (default 25, at most 100), `offset`, `more`; refuses offset + limit
  beyond 10000 as PagerDuty does.
- PUT /incidents/{id}: {"incident": {"type": ..., "status": "acknowledged"}} acknowledges,
  "resolved" resolves;
  with an account key a missing `From` is a 400; a resolved incident is a 400; an unknown
  one a 404.
- POST /incidents/{id}/snooze {"duration": seconds} and POST /incidents/{id}/notes
  {"note": {"content": ...}}: both want `From:` (a 400 without); a snooze wants the incident
  acknowledged (a 400 otherwise). Recorded in `snoozes` and `notes`; `end_snooze` triggers
  the incident again, as PagerDuty does when the time is up.
"""

from __future__ import annotations

import copy
import json
from typing import Any

from aiohttp import web
from tests.helpers.data import TEST_DATA
from tests.helpers.vendor_server import VendorFake

DATA = TEST_DATA / "pagerduty"
MAX_LIMIT = 100
DEFAULT_LIMIT = 25
MAX_WINDOW = 10_000


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


ERRORS: dict[str, Any] = load("errors.json")


class FakePagerDuty(VendorFake):
    """`with FakePagerDuty() as pd:`; `pd.url` is the API base, `pd.server` the recorder."""

    def __init__(
        self,
        token: str = "pd-user-token",
        *,
        oauth: bool = False,
        account_key: bool = False,
        incidents: list[dict[str, Any]] | None = None,
    ) -> None:
        self.token = token
        self.oauth = oauth
        self.account_key = account_key
        self.me: dict[str, Any] = load("users-me.json")["user"]
        self.incidents: dict[str, dict[str, Any]] = {
            i["id"]: i for i in (incidents if incidents is not None else load("incidents.json"))
        }
        super().__init__()
        self.server.route("GET", "/users/me", self._users_me)
        self.server.route("GET", "/abilities", self._abilities)
        self.server.route("GET", "/incidents", self._list_incidents)
        self.server.route("PUT", "/incidents/{id}", self._update_incident)
        self.server.route("POST", "/incidents/{id}/snooze", self._snooze)
        self.server.route("POST", "/incidents/{id}/notes", self._note)
        self.snoozes: dict[str, int] = {}
        self.notes: dict[str, list[str]] = {}

    # -- test helpers ---------------------------------------------------------------------

    def add_incidents(self, count: int, *, assignee_id: str | None = None) -> list[str]:
        """Clone the first recorded incident `count` times (triggered, high urgency)."""
        template = load("incidents.json")[0]
        ids = []
        for n in range(count):
            incident = copy.deepcopy(template)
            incident["id"] = f"PGEN{n:05d}"
            incident["incident_number"] = 5000 + n
            incident["title"] = f"Generated incident {n}"
            incident["html_url"] = f"https://acme.pagerduty.com/incidents/{incident['id']}"
            if assignee_id is not None:
                incident["assignments"][0]["assignee"]["id"] = assignee_id
            self.incidents[incident["id"]] = incident
            ids.append(incident["id"])
        return ids

    def status_of(self, incident_id: str) -> str:
        return str(self.incidents[incident_id]["status"])

    def end_snooze(self, incident_id: str) -> None:
        self.incidents[incident_id]["status"] = "triggered"
        self.incidents[incident_id]["acknowledgements"] = []

    # -- routes ---------------------------------------------------------------------------

    def _refuse(self, request: web.Request) -> web.StreamResponse | None:
        expected = f"Bearer {self.token}" if self.oauth else f"Token token={self.token}"
        if request.headers.get("Authorization") != expected:
            return web.json_response(ERRORS["401"], status=401)
        return None

    async def _users_me(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._refuse(request)) is not None:
            return refused
        if self.account_key:
            return web.json_response(ERRORS["users_me_account_key"], status=400)
        return web.json_response({"user": self.me})

    async def _abilities(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._refuse(request)) is not None:
            return refused
        return web.json_response(load("abilities.json"))

    async def _list_incidents(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._refuse(request)) is not None:
            return refused
        query = request.query
        limit = min(int(query.get("limit", DEFAULT_LIMIT)), MAX_LIMIT)
        offset = int(query.get("offset", 0))
        if offset + limit > MAX_WINDOW:
            return web.json_response(ERRORS["offset_window"], status=400)
        statuses = set(query.getall("statuses[]", []))
        users = set(query.getall("user_ids[]", []))
        services = set(query.getall("service_ids[]", []))
        urgencies = set(query.getall("urgencies[]", []))
        matching = [
            i
            for i in self.incidents.values()
            if (not statuses or i["status"] in statuses)
            and (not users or users & {a["assignee"]["id"] for a in i["assignments"]})
            and (not services or i["service"]["id"] in services)
            and (not urgencies or i["urgency"] in urgencies)
        ]
        page = matching[offset : offset + limit]
        return web.json_response(
            {
                "incidents": page,
                "limit": limit,
                "offset": offset,
                "total": None,
                "more": offset + len(page) < len(matching),
            }
        )

    async def _update_incident(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._refuse(request)) is not None:
            return refused
        incident = self.incidents.get(request.match_info["id"])
        if incident is None:
            return web.json_response(ERRORS["404"], status=404)
        if self.account_key and not request.headers.get("From"):
            return web.json_response(ERRORS["from_required"], status=400)
        body = await request.json()
        change = body.get("incident", {}) if isinstance(body, dict) else {}
        if change.get("type") not in ("incident", "incident_reference"):
            return web.json_response(
                {"error": {"message": "Invalid Input Provided", "code": 2001}}, status=400
            )
        if change.get("status") == "resolved":
            if incident["status"] == "resolved":
                return web.json_response(ERRORS["already_resolved"], status=400)
            incident["status"] = "resolved"
        if change.get("status") == "acknowledged":
            if incident["status"] == "resolved":
                return web.json_response(ERRORS["already_resolved"], status=400)
            incident["status"] = "acknowledged"
            acknowledger = self.me if not self.account_key else {"id": "PAPIKEY"}
            incident["acknowledgements"] = [
                {"at": "2015-10-07T12:00:00Z", "acknowledger": acknowledger}
            ]
        return web.json_response({"incident": incident})

    def _action_refused(self, request: web.Request) -> web.StreamResponse | None:
        if (refused := self._refuse(request)) is not None:
            return refused
        if request.match_info["id"] not in self.incidents:
            return web.json_response(ERRORS["404"], status=404)
        if not request.headers.get("From"):
            return web.json_response(ERRORS["from_required"], status=400)
        return None

    async def _snooze(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._action_refused(request)) is not None:
            return refused
        incident = self.incidents[request.match_info["id"]]
        body = await request.json()
        duration = body.get("duration") if isinstance(body, dict) else None
        if not isinstance(duration, int) or duration <= 0 or incident["status"] != "acknowledged":
            return web.json_response(
                {"error": {"message": "Invalid Input Provided", "code": 2001}}, status=400
            )
        self.snoozes[incident["id"]] = duration
        return web.json_response({"incident": incident}, status=201)

    async def _note(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._action_refused(request)) is not None:
            return refused
        body = await request.json()
        content = body.get("note", {}).get("content") if isinstance(body, dict) else None
        if not isinstance(content, str) or not content:
            return web.json_response(
                {"error": {"message": "Invalid Input Provided", "code": 2001}}, status=400
            )
        self.notes.setdefault(request.match_info["id"], []).append(content)
        note = {"id": "PWL7QXS", "content": content, "created_at": "2015-10-07T12:05:00Z"}
        return web.json_response({"note": note}, status=201)
