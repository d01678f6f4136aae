"""A fake Opsgenie (and JSM Ops) schedule timeline API.

Answers as Opsgenie's Schedule API documents "Get Schedule Timeline" (and the Go SDK's
TimelineResult reads it):
- Opsgenie: `Authorization: GenieKey KEY`; GET /v2/schedules/{identifier}/timeline with
  `identifierType` id (default) or name, `date`, `interval`, `intervalUnit` (days, weeks,
  months); the answer is wrapped: `{"data": {"_parent", "startDate", "endDate",
  "finalTimeline": {"rotations": [{"id", "name", "order", "periods": [{"startDate",
  "endDate", "type", "recipient": {"type", "id", "name"}}]}]}}, "took", "requestId"}`.
- JSM Ops: basic auth EMAIL:TOKEN; GET /jsm/ops/api/{cloudId}/v1/schedules/{id}/timeline;
  the answer is bare and says `responder` / `flattenedResponders`.
- The timeline starts at the beginning of the day containing `date`; periods that reach past
  either end are returned whole.
- Unknown schedule: 404 `{"message": "Schedule with identifier [..] not found"}`; a bad key
  401 `{"message": "Could not authenticate"}`.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from tests.helpers.vendor_server import VendorFake

CLOUD_ID = "a436116f-02ce-4520-8fbb-7301462a1674"
UNITS = {"days": 1, "weeks": 7, "months": 31}


def period(start: str, end: str, who: dict[str, str], *, kind: str = "default") -> dict[str, Any]:
    return {"startDate": start, "endDate": end, "type": kind, "recipient": who}


def user(name: str, user_id: str) -> dict[str, str]:
    return {"type": "user", "id": user_id, "name": name}


class FakeOpsgenieSchedules(VendorFake):
    """`with FakeOpsgenieSchedules() as og:`; add schedules with `add`."""

    def __init__(
        self,
        api_key: str = "og-key",
        *,
        jsm: bool = False,
        email: str = "dana@example.com",
        token: str = "atl-token",
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.jsm = jsm
        self.email = email
        self.token = token
        # id -> (name, rotations as {"id", "name", "order", "periods"})
        self.schedules: dict[str, tuple[str, list[dict[str, Any]]]] = {}
        path = f"/jsm/ops/api/{CLOUD_ID}/v1/schedules" if jsm else "/v2/schedules"
        self.server.route("GET", path + "/{identifier}/timeline", self._timeline)

    def add(self, schedule_id: str, name: str, rotations: dict[str, list[dict[str, Any]]]) -> None:
        self.schedules[schedule_id] = (
            name,
            [
                {"id": f"rot-{i}", "name": rotation, "order": i, "periods": periods}
                for i, (rotation, periods) in enumerate(rotations.items())
            ],
        )

    def _refused(self, request: web.Request) -> web.Response | None:
        header = request.headers.get("Authorization", "")
        if self.jsm:
            expected = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            ok = header == f"Basic {expected}"
        else:
            ok = header == f"GenieKey {self.api_key}"
        return None if ok else web.json_response({"message": "Could not authenticate"}, status=401)

    async def _timeline(self, request: web.Request) -> web.StreamResponse:
        refused = self._refused(request)
        if refused is not None:
            return refused
        identifier = request.match_info["identifier"]
        by_name = request.query.get("identifierType", "id") == "name"
        found = next(
            (
                (sid, entry)
                for sid, entry in self.schedules.items()
                if (entry[0] if by_name else sid) == identifier
            ),
            None,
        )
        if found is None:
            return web.json_response(
                {"message": f"Schedule with identifier [{identifier}] not found"}, status=404
            )
        schedule_id, (name, rotations) = found
        day = datetime.fromisoformat(request.query["date"]).astimezone(UTC)
        start = day.replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + timedelta(
            days=int(request.query.get("interval", "1"))
            * UNITS[request.query.get("intervalUnit", "weeks")]
        )
        data = {
            "_parent": {"id": schedule_id, "name": name, "enabled": True},
            "startDate": start.isoformat().replace("+00:00", "Z"),
            "endDate": end.isoformat().replace("+00:00", "Z"),
            "finalTimeline": {
                "rotations": [
                    {
                        **r,
                        "periods": [
                            self._dialect(p) for p in r["periods"] if _touches(p, start, end)
                        ],
                    }
                    for r in rotations
                ]
            },
        }
        if self.jsm:
            return web.json_response(data)
        return web.json_response({"data": data, "took": 0.05, "requestId": "req-1"})

    def _dialect(self, item: dict[str, Any]) -> dict[str, Any]:
        if not self.jsm:
            return item
        renamed = {k: v for k, v in item.items() if k not in ("recipient", "flattenedRecipients")}
        if "recipient" in item:
            renamed["responder"] = item["recipient"]
        if "flattenedRecipients" in item:
            renamed["flattenedResponders"] = item["flattenedRecipients"]
        return renamed


def _touches(item: dict[str, Any], start: datetime, end: datetime) -> bool:
    return (
        datetime.fromisoformat(item["startDate"]) < end
        and datetime.fromisoformat(item["endDate"]) > start
    )
