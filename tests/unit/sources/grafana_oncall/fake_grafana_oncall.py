"""A fake Grafana OnCall public API: alert groups in memory, listed, acknowledged, unacknowledged.

It answers the way the OnCall engine does (grafana/oncall, engine/apps/public_api/views/
alert_groups.py and common/api_helpers/paginators.py):

- `GET /api/v1/alert_groups/` filters on one `state` (the last one given, as Django's
  `QueryDict.get` does; an unknown one is a 400 naming the valid ones), `team_id`,
  `integration_id`, `route_id`; newest first; page-number pagination with `page` and `perpage`
  (default 50, at most 100), answering `count`, `next`, `previous`, `results`, `page_size`,
  `current_page_number`, `total_pages`. `next` is an absolute URL built from the server's own
  idea of its address (`public_url`), which behind a proxy need not be the one the client used.
- `POST /api/v1/alert_groups/{id}/acknowledge` and `/unacknowledge`: 200 with an empty body, or
  400 `{"detail": "Can't acknowledge an acknowledged alert group"}` and the other refusals.
- `POST /api/v1/alert_groups/{id}/resolve` (403 for a service account, 400 for a resolved or
  attached group), `/silence {"delay": s}` and `/unsilence`, as the public API view does: 403
  for a service account token, 400 for a missing or invalid delay and for an acknowledged or
  resolved group; the delays are kept in `silence_delays`.
- Authentication: `Authorization` must be the token, bare. A service account token (`glsa_...`)
  also needs `X-Grafana-URL` naming the stack; a wrong one is 401 "Invalid Grafana URL.".
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from tests.helpers.data import TEST_DATA
from tests.helpers.vendor_server import VendorFake

DATA = TEST_DATA / "grafana_oncall"
STATES = ("new", "acknowledged", "resolved", "silenced")
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
USER_ID = "U4DNY931HHJS5"
NOW = "2026-01-01T12:00:00.000000Z"


def load_group(name: str) -> dict[str, Any]:
    """A recorded alert group from tests/data/grafana_oncall/<name>.json."""
    return dict(json.loads((DATA / f"{name}.json").read_text()))


class FakeGrafanaOnCall(VendorFake):
    """Start with `with FakeGrafanaOnCall(token) as oncall:`; `oncall.url` is the API URL."""

    def __init__(
        self,
        token: str,
        *,
        grafana_url: str = "",
        teams: tuple[str, ...] = ("TI73TDU19W48J",),
        public_url: str | None = None,
    ) -> None:
        self.token = token
        self.grafana_url = grafana_url
        self.teams = teams
        self.public_url = public_url
        self.groups: dict[str, dict[str, Any]] = {}
        self.silence_delays: dict[str, int] = {}
        # Called with the state queried after each list answer is made: a change someone makes
        # in OnCall while a fetch is between pages.
        self.after_list: Callable[[str], None] | None = None
        super().__init__()
        self.server.route("GET", "/api/v1/alert_groups/", self._list)
        self.server.route("POST", "/api/v1/alert_groups/{id}/acknowledge", self._acknowledge)
        self.server.route("POST", "/api/v1/alert_groups/{id}/unacknowledge", self._unacknowledge)
        self.server.route("POST", "/api/v1/alert_groups/{id}/silence", self._silence)
        self.server.route("POST", "/api/v1/alert_groups/{id}/unsilence", self._unsilence)
        self.server.route("POST", "/api/v1/alert_groups/{id}/resolve", self._resolve)

    # -- state ----------------------------------------------------------------------------

    def add(self, group: dict[str, Any], **changes: Any) -> str:
        """Add an alert group (a copy, with `changes` applied); returns its id."""
        stored = copy.deepcopy(group)
        stored.update(changes)
        self.groups[stored["id"]] = stored
        return str(stored["id"])

    def add_many(
        self, template: str, count: int, state: str = "new", prefix: str = "G"
    ) -> list[str]:
        """`count` copies of a recorded group with distinct ids and start times, newest last."""
        base = load_group(template)
        ids = []
        for n in range(count):
            minute, second = divmod(n, 60)
            ids.append(
                self.add(
                    base,
                    id=f"{prefix}{state[:3].upper()}{n:05d}",
                    state=state,
                    created_at=f"2026-01-01T10:{minute:02d}:{second:02d}.000000Z",
                )
            )
        return ids

    def state(self, group_id: str) -> str:
        return str(self.groups[group_id]["state"])

    # -- handlers -------------------------------------------------------------------------

    def _refused(self, request: web.Request) -> web.Response | None:
        given = request.headers.get("Authorization", "")
        if given != self.token:
            return _detail(401, "Invalid token.")
        if given.startswith("glsa_") and request.headers.get("X-Grafana-URL") != self.grafana_url:
            return _detail(401, "Invalid Grafana URL.")
        return None

    async def _list(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused is not None:
            return refused
        query = request.query
        groups = sorted(self.groups.values(), key=lambda g: g["created_at"], reverse=True)
        states = query.getall("state", [])
        state = states[-1] if states else ""
        if state:
            if state.lower() not in STATES:
                valid = ", ".join(STATES)
                return web.json_response(
                    {"state": f"Must be one of the following: {valid}"}, status=400
                )
            groups = [g for g in groups if g["state"] == state.lower()]
        team = query.get("team_id")
        if team is not None:
            if team != "noteam" and team not in self.teams:
                return web.json_response(
                    {
                        "team_id": [
                            "Select a valid choice. That choice is not one of the available "
                            "choices."
                        ]
                    },
                    status=400,
                )
            wanted = None if team == "noteam" else team
            groups = [g for g in groups if g.get("team_id") == wanted]
        for key in ("integration_id", "route_id"):
            if query.get(key):
                groups = [g for g in groups if g.get(key) == query[key]]

        per_page = _int(query.get("perpage"), DEFAULT_PAGE_SIZE)
        per_page = min(per_page, MAX_PAGE_SIZE) if per_page >= 1 else DEFAULT_PAGE_SIZE
        pages = max(1, math.ceil(len(groups) / per_page))
        number = min(max(_int(query.get("page"), 1), 1), pages)
        results = groups[(number - 1) * per_page : number * per_page]
        body = {
            "count": len(groups),
            "next": self._page_link(request, number + 1) if number < pages else None,
            "previous": self._page_link(request, number - 1) if number > 1 else None,
            "results": results,
            "page_size": per_page,
            "current_page_number": number,
            "total_pages": pages,
        }
        response = web.json_response(body)  # serialised now, before the hook changes anything
        if self.after_list is not None:
            self.after_list(state)
        return response

    def _page_link(self, request: web.Request, number: int) -> str:
        params = [(k, v) for k, v in request.query.items() if k != "page"]
        if number > 1:
            params.append(("page", str(number)))
        base = self.public_url or f"{request.scheme}://{request.host}"
        return f"{base}{request.path}?{urlencode(params)}" if params else f"{base}{request.path}"

    def _group(
        self, request: web.Request, service_accounts_may: str = ""
    ) -> tuple[dict[str, Any], None] | tuple[None, web.Response]:
        """The alert group an action names, or the answer refusing it: a wrong token; a
        service account, for the actions OnCall keeps from them (`service_accounts_may` is
        that action's verb); an unknown group."""
        refused = self._refused(request)
        if refused is not None:
            return None, refused
        token = request.headers.get("Authorization", "")
        if service_accounts_may and token.startswith("glsa_"):
            verb = service_accounts_may
            return None, _detail(403, f"Service accounts are not allowed to {verb} alert groups")
        group = self.groups.get(request.match_info["id"])
        if group is None:
            return None, _detail(404, "Not found.")
        return group, None

    async def _acknowledge(self, request: web.Request) -> web.StreamResponse:
        group, refused = self._group(request)
        if group is None:
            return refused
        if group["state"] == "acknowledged":
            return _detail(400, "Can't acknowledge an acknowledged alert group")
        if group["state"] == "resolved":
            return _detail(400, "Can't acknowledge a resolved alert group")
        if group.get("root_alert_group_id"):
            return _detail(400, "Can't acknowledge an attached alert group")
        group.update(state="acknowledged", acknowledged_at=NOW, acknowledged_by=USER_ID)
        return web.Response(status=200)

    async def _unacknowledge(self, request: web.Request) -> web.StreamResponse:
        group, refused = self._group(request)
        if group is None:
            return refused
        if group["state"] == "resolved":
            return _detail(400, "Can't unacknowledge a resolved alert group")
        if group["state"] != "acknowledged":
            return _detail(400, "Can't unacknowledge an unacknowledged alert group")
        group.update(state="new", acknowledged_at=None, acknowledged_by=None)
        return web.Response(status=200)

    async def _silence(self, request: web.Request) -> web.StreamResponse:
        group, refused = self._group(request, service_accounts_may="silence")
        if group is None:
            return refused
        try:
            body = await request.json()
        except ValueError:
            body = {}
        delay = body.get("delay") if isinstance(body, dict) else None
        if delay is None:
            return _detail(400, "delay is required")
        if not isinstance(delay, int) or delay < -1:
            return _detail(400, "invalid delay value")
        if group["state"] == "resolved":
            return _detail(400, "Can't silence a resolved alert group")
        if group["state"] == "acknowledged":
            return _detail(400, "Can't silence an acknowledged alert group")
        group.update(state="silenced", silenced_at=NOW)
        self.silence_delays[group["id"]] = delay
        return web.Response(status=200)

    async def _unsilence(self, request: web.Request) -> web.StreamResponse:
        group, refused = self._group(request)
        if group is None:
            return refused
        if group["state"] != "silenced":
            return _detail(400, "Can't unsilence an unsilenced alert group")
        group.update(state="new", silenced_at=None)
        return web.Response(status=200)

    async def _resolve(self, request: web.Request) -> web.StreamResponse:
        group, refused = self._group(request, service_accounts_may="resolve")
        if group is None:
            return refused
        if group["state"] == "resolved":
            return _detail(400, "Can't resolve a resolved alert group")
        if group.get("root_alert_group_id"):
            return _detail(400, "Can't resolve an attached alert group")
        group.update(state="resolved", resolved_at=NOW)
        return web.Response(status=200)


def _detail(status: int, text: str) -> web.Response:
    return web.json_response({"detail": text}, status=status)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default
