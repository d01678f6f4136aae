"""Zabbix (JSON-RPC API, 6.0 and later): problems polled; acknowledged, un-acknowledged and
closed with event.acknowledge.

Options: declared in __init__.py (`shiftbell feed kinds zabbix` prints them).

The URL is the frontend's (the API is its api_jsonrpc.php); the secret an API token, sent the
way the server's version wants it (rpc.py).

Fetch (two requests, plus one for who acknowledged when something is, after one
`apiinfo.version` per connection): `problem.get` for the
current problems, acknowledged or not, with their acknowledgements and tags (suppressed ones
only with `suppressed = "show"`, then shown as handled), one `trigger.get` for all their
triggers' hosts, not one call per problem, and one `user.get` for the names of those who
acknowledged (6.0 gives their ids only).

Severity: from `critical_from` (high) up is critical, from `warning_from` (warning) up a
warning, below that info: disaster and high -> critical, average and warning -> warning,
information and not classified -> info by default.

Acknowledge: `event.acknowledge` with acknowledge and message (the person's comment);
un-acknowledge with its unacknowledge action; resolve closes the problem (only where its
trigger allows manual close; Zabbix's refusal is said).
"""

from __future__ import annotations

from typing import Any

import httpx

from shiftbell.core.alert import Alert, Incoming
from shiftbell.core.errors import FeedConfigError, FeedError, FeedPayloadError
from shiftbell.sources.feed import AckReceipt, FeedConfig
from shiftbell.sources.http import make_client, where_to_fix
from shiftbell.sources.vendor_feed import VendorFeed
from shiftbell.sources.zabbix import LEVELS
from shiftbell.sources.zabbix.problems import (
    ACKNOWLEDGE,
    MESSAGE,
    UNACKNOWLEDGE,
    Reading,
    acknowledgers,
    level,
    people_of,
    problem_alerts,
    trigger_ids,
    triggers_of,
)
from shiftbell.sources.zabbix.rpc import VENDOR, Envelope, api_path, version_of

CLOSE = 1
PROBLEM_FIELDS = [
    *("eventid", "objectid", "clock", "name", "severity", "acknowledged", "suppressed"),
    "opdata",
]
# Zabbix's words when the event is already where it was asked to go.
ALREADY = ("already acknowledged", "is not acknowledged", "already closed", "already resolved")


class ZabbixFeed(VendorFeed):
    """Polls one Zabbix server's API. See the module docstring."""

    _vendor = VENDOR
    _credential = "API token"

    def _open(
        self, config: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        token = secret.strip()
        if not token:
            raise FeedConfigError(
                f"{VENDOR} feed {config.name} has no API token: add it in {where_to_fix(config)}"
            )
        frontend, self._path = api_path(config.url)
        options = config.options
        try:
            self._reading = Reading(
                critical_from=level(options.get("critical_from", "") or "high"),
                warning_from=level(options.get("warning_from", "") or "warning"),
                frontend=frontend,
            )
        except ValueError:
            raise FeedConfigError(
                f"{VENDOR} feed {config.name}: critical_from and warning_from take a Zabbix "
                f"severity ({', '.join(LEVELS)}): fix them in {where_to_fix(config)}"
            ) from None
        self._show_suppressed = options.get("suppressed", "").strip().lower() == "show"
        self._rpc = Envelope(config, token)
        self._client = make_client(frontend + "/", transport=transport)

    # -- PollingFeed ----------------------------------------------------------------------

    async def fetch(self) -> list[Incoming]:
        params: dict[str, Any] = {
            "output": PROBLEM_FIELDS,
            "recent": False,
            "selectAcknowledges": "extend",
            "selectTags": "extend",
            "sortfield": ["eventid"],
            "sortorder": "DESC",
        }
        if not self._show_suppressed:
            params["suppressed"] = False
        problems = await self._call("problem.get", params)
        if not isinstance(problems, list):
            # Read as "no problems" it would be an all-clear nobody gave.
            raise FeedPayloadError(
                f"{VENDOR} answered problem.get without a list of problems ({self.config.name})"
            )
        ids = trigger_ids(problems)
        triggers = {}
        if ids:
            answer = await self._call(
                "trigger.get",
                {
                    "triggerids": ids,
                    "output": ["triggerid", "manual_close"],
                    "selectHosts": ["host", "name"],
                },
            )
            triggers = triggers_of(answer)
        people = {}
        if users := acknowledgers(problems):
            # Only an admin sees every user; for others, those unseen stay "user 5".
            answer = await self._call(
                "user.get", {"userids": users, "output": ["userid", "username", "name", "surname"]}
            )
            people = people_of(answer)
        return problem_alerts(problems, triggers, self._reading, people)

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        message = alert.ack_comment or "Acknowledged in Shiftbell"
        await self._event(alert, ACKNOWLEDGE | MESSAGE, message)
        return AckReceipt()

    async def unacknowledge(self, alert: Alert, receipt: AckReceipt) -> None:
        await self._event(alert, UNACKNOWLEDGE)

    async def resolve(self, alert: Alert) -> None:
        message = alert.ack_comment or "Closed in Shiftbell"
        await self._event(alert, CLOSE | MESSAGE, message)

    async def test(self) -> str:
        problems = await self.fetch()
        version = ".".join(str(n) for n in self._rpc.version or ())
        handled = sum(1 for p in problems if p.acknowledged)
        text = f"{VENDOR} {version}: {len(problems)} problem{'s' if len(problems) != 1 else ''}"
        return f"{text} ({handled} acknowledged)" if handled else text

    async def close(self) -> None:
        await self._client.aclose()

    # -- the API ----------------------------------------------------------------------------

    async def _event(self, alert: Alert, action: int, message: str = "") -> None:
        params: dict[str, Any] = {"eventids": [alert.key.source_id], "action": action}
        if message:
            params["message"] = message
        try:
            await self._call("event.acknowledge", params)
        except FeedError as exc:
            if any(phrase in str(exc).lower() for phrase in ALREADY):
                return  # someone was quicker: what was asked is what is
            if action & CLOSE and "manual" in str(exc).lower():
                raise FeedError(
                    f"{VENDOR} does not let this problem be closed by hand: its trigger does "
                    f"not allow manual close ({self.config.name}); acknowledge it instead"
                ) from None
            raise

    async def _call(self, method: str, params: object) -> Any:
        if self._rpc.version is None:
            _, answer = await self._request(
                "POST", self._path, **self._rpc.request("apiinfo.version", {}, signed=False)
            )
            self._rpc.version = version_of(self._rpc.result("apiinfo.version", answer))
        _, answer = await self._request("POST", self._path, **self._rpc.request(method, params))
        return self._rpc.result(method, answer)
