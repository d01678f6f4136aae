"""A fake Opsgenie Alert API v2, or its JSM Ops successor: in-memory alerts, paged and
acknowledged asynchronously as documented.

Payloads come from tests/data/opsgenie (shaped like the Alert API documentation's examples).
What it checks and answers:
- Opsgenie: `Authorization: GenieKey KEY`; JSM Ops: basic auth EMAIL:TOKEN. Anything else is
  a 401 with the vendor's error JSON.
- GET /v2/alerts (JSM: /jsm/ops/api/{cloudId}/v1/alerts): `query` (only `status:open` is
  understood, which is all Shiftbell sends plus an optional extra clause that is recorded but
  not applied), `limit` (JSM: `size`; default 20, at most 100), `offset`; the next page is
  announced in `paging.next` as an absolute api.opsgenie.com URL, exactly like the docs
  (JSM: `links.next`, relative), so a client that followed the link's host would leave the fake.
- POST /v2/alerts/{id}/acknowledge?identifierType=id, /unacknowledge, /close and /snooze
  (which wants an `endTime`, a 422 without) (JSM: no identifierType): 202 with a requestId. The
  request is processed asynchronously: GET /v2/alerts/requests/{requestId} answers 404 with
  `X-Opsgenie-Errortype: RequestNotProcessed` for `pending_polls` polls, then processes it
  (the alert changes state) and answers isSuccess true, or false with "Alert does not
  exist" for an unknown alert.
  JSM's request status is the bare object, Opsgenie's is wrapped in `data`.
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from tests.helpers.data import TEST_DATA
from tests.helpers.vendor_server import VendorFake

DATA = TEST_DATA / "opsgenie"
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
PUBLIC_HOST = "https://api.opsgenie.com"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


ERRORS: dict[str, Any] = load("errors.json")
REQUESTS: dict[str, Any] = load("requests.json")


@dataclass
class AsyncRequest:
    """One accepted alert action, waiting for Opsgenie's (simulated) workers."""

    id: str
    action: str  # "Acknowledge" | "UnAcknowledge"
    alert_id: str
    body: Any
    polls_left: int
    fail_with: str = ""
    processed: bool = False
    success: bool = False
    status: str = ""


class FakeOpsgenie(VendorFake):
    """`with FakeOpsgenie() as og:`; `og.url` is what goes in the feed's URL."""

    def __init__(
        self,
        api_key: str = "og-api-key",
        *,
        jsm: bool = False,
        cloud_id: str = "0b5f8a3e-cloud",
        email: str = "oncall@example.com",
        alerts: list[dict[str, Any]] | None = None,
        pending_polls: int = 1,
    ) -> None:
        self.api_key = api_key
        self.jsm = jsm
        self.cloud_id = cloud_id
        self.email = email
        self.pending_polls = pending_polls
        self.alerts: dict[str, dict[str, Any]] = {
            a["id"]: a for a in (alerts if alerts is not None else load("alerts.json"))
        }
        self.action_requests: dict[str, AsyncRequest] = {}
        self._fail_next_request: list[str] = []
        self._ids = itertools.count(1)
        super().__init__()
        base = self.base_path
        self.server.route("GET", f"{base}/alerts", self._list_alerts)
        self.server.route("POST", f"{base}/alerts/{{id}}/acknowledge", self._acknowledge)
        self.server.route("POST", f"{base}/alerts/{{id}}/unacknowledge", self._unacknowledge)
        self.server.route("POST", f"{base}/alerts/{{id}}/snooze", self._snooze)
        self.server.route("POST", f"{base}/alerts/{{id}}/close", self._close)
        self.server.route("GET", f"{base}/alerts/requests/{{request_id}}", self._request_status)

    # -- test helpers ---------------------------------------------------------------------

    @property
    def base_path(self) -> str:
        return f"/jsm/ops/api/{self.cloud_id}/v1" if self.jsm else "/v2"

    def add_alerts(self, count: int) -> list[str]:
        """Clone the first recorded alert `count` times (open, P1, not acknowledged)."""
        template = load("alerts.json")[0]
        ids = []
        for n in range(count):
            alert = copy.deepcopy(template)
            alert["id"] = f"00000000-0000-4000-8000-{n:012d}"
            alert["tinyId"] = str(9000 + n)
            alert["message"] = f"Generated alert {n}"
            self.alerts[alert["id"]] = alert
            ids.append(alert["id"])
        return ids

    def fail_next_request(self, status: str = "Alert does not exist") -> None:
        """The next accepted action is processed as a failure with this `status` text."""
        self._fail_next_request.append(status)

    # -- routes ---------------------------------------------------------------------------

    def _refuse(self, request: web.Request) -> web.StreamResponse | None:
        header = request.headers.get("Authorization", "")
        if self.jsm:
            token = base64.b64encode(f"{self.email}:{self.api_key}".encode()).decode()
            if header != f"Basic {token}":
                return web.json_response(ERRORS["jsm_401"], status=401)
        elif header != f"GenieKey {self.api_key}":
            return web.json_response(ERRORS["401"], status=401)
        return None

    async def _list_alerts(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._refuse(request)) is not None:
            return refused
        query = request.query
        size_param = "size" if self.jsm else "limit"
        limit = min(int(query.get(size_param, DEFAULT_LIMIT)), MAX_LIMIT)
        offset = int(query.get("offset", 0))
        search = query.get("query", "")
        alerts = sorted(
            self.alerts.values(),
            key=lambda a: a["createdAt"],
            reverse=query.get("order", "desc") == "desc",
        )
        if "status:open" in search:
            alerts = [a for a in alerts if a["status"] == "open"]
        page = alerts[offset : offset + limit]
        more = offset + len(page) < len(alerts)
        next_query = {
            "query": search,
            "offset": offset + limit,
            size_param: limit,
            "sort": "createdAt",
            "order": query.get("order", "desc"),
        }
        if self.jsm:
            body: dict[str, Any] = {"values": page, "count": len(alerts), "links": {}}
            if more:
                body["links"]["next"] = f"/v1/alerts?{urlencode(next_query)}"
            return web.json_response(body)
        paging = {
            "first": f"{PUBLIC_HOST}/v2/alerts?{urlencode({**next_query, 'offset': 0})}",
            "last": f"{PUBLIC_HOST}/v2/alerts?{urlencode({**next_query, 'offset': 0})}",
        }
        if more:
            paging["next"] = f"{PUBLIC_HOST}/v2/alerts?{urlencode(next_query)}"
        return web.json_response(
            {"data": page, "paging": paging, "took": 0.266, "requestId": self._new_id()}
        )

    async def _acknowledge(self, request: web.Request) -> web.StreamResponse:
        return await self._accept(request, "Acknowledge")

    async def _unacknowledge(self, request: web.Request) -> web.StreamResponse:
        return await self._accept(request, "UnAcknowledge")

    async def _snooze(self, request: web.Request) -> web.StreamResponse:
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not str(body.get("endTime", "")).endswith("Z"):
            return web.json_response(ERRORS["snooze_end_time"], status=422)
        return await self._accept(request, "Snooze")

    async def _close(self, request: web.Request) -> web.StreamResponse:
        return await self._accept(request, "Close")

    def end_snooze(self, alert_id: str) -> None:
        """The snooze's end came: Opsgenie notifies again about the alert."""
        self.alerts[alert_id]["snoozed"] = False

    async def _accept(self, request: web.Request, action: str) -> web.StreamResponse:
        if (refused := self._refuse(request)) is not None:
            return refused
        if not self.jsm and request.query.get("identifierType", "id") != "id":
            return web.json_response({"message": "identifierType not supported"}, status=400)
        body = await request.json() if request.can_read_body else None
        pending = AsyncRequest(
            id=self._new_id(),
            action=action,
            alert_id=request.match_info["id"],
            body=body,
            polls_left=self.pending_polls,
            fail_with=self._fail_next_request.pop(0) if self._fail_next_request else "",
        )
        self.action_requests[pending.id] = pending
        accepted = dict(REQUESTS["accepted"], requestId=pending.id)
        return web.json_response(accepted, status=202)

    async def _request_status(self, request: web.Request) -> web.StreamResponse:
        if (refused := self._refuse(request)) is not None:
            return refused
        pending = self.action_requests.get(request.match_info["request_id"])
        if pending is None or pending.polls_left > 0:
            if pending is not None:
                pending.polls_left -= 1
            return web.json_response(
                REQUESTS["not_processed"],
                status=404,
                headers={"X-Opsgenie-Errortype": "RequestNotProcessed"},
            )
        if not pending.processed:
            self._process(pending)
        outcome = {
            "success": pending.success,
            "action": pending.action,
            "processedAt": "2017-05-24T14:24:20.844Z",
            "integrationId": "c9cec2cb-e782-4ebb-bc1d-1b2fa703cf03",
            "isSuccess": pending.success,
            "status": pending.status,
            "alertId": pending.alert_id if pending.success else "",
            "alias": "",
        }
        if self.jsm:
            return web.json_response(outcome)
        return web.json_response({"data": outcome, "took": 0.022, "requestId": pending.id})

    def _process(self, pending: AsyncRequest) -> None:
        pending.processed = True
        alert = self.alerts.get(pending.alert_id)
        if pending.fail_with or alert is None:
            pending.status = pending.fail_with or "Alert does not exist"
            return
        pending.success = True
        if pending.action == "Acknowledge":
            alert["acknowledged"] = True
            pending.status = "Acknowledged alert"
        elif pending.action == "Snooze":
            alert["snoozed"] = True
            pending.status = "Snoozed alert"
        elif pending.action == "Close":
            alert["status"] = "closed"
            pending.status = "Closed alert"
        else:
            alert["acknowledged"] = False
            pending.status = "UnAcknowledged alert"

    def _new_id(self) -> str:
        return f"ec7e1d8e-1c75-442e-a271-{next(self._ids):012d}"
