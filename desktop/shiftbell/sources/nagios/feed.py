"""Nagios 4 through its CGIs: problems polled from statusjson.cgi, acknowledged and
un-acknowledged with cmd.cgi.

Options: declared in __init__.py (`shiftbell feed kinds nagios` prints them).

The URL is the CGI directory. Sign-in is the web server's (the secret `user:password`), basic
or digest as the server asks (sources/web_auth.py); the CGIs then allow what cgi.cfg's
authorized_for_* lines give that user.

Fetch (two requests, plus one for who acknowledged when something is): `statusjson.cgi?
query=hostlist` (down, unreachable) and `query=servicelist` (warning, critical, unknown), with
details; problems in a soft state only with `soft_states = "yes"`. An acknowledged problem or
one in a scheduled downtime is on the board as acknowledged, with the acknowledgement comment's
author and text (`query=commentlist`). An empty answer means Nagios is not running (the CGIs
read the status file it removes when it stops); a status file not rewritten for 10 minutes, a
hung daemon (status.py).

Severity: host down -> critical, unreachable -> warning; service critical -> critical,
warning -> warning, unknown -> `unknown_severity` (warning).

Acknowledge / un-acknowledge: cmd.cgi's form is fetched first, because Nagios 4.4 refuses a
command without the form's nagFormId and its cookie (its CSRF check); the command is then posted
and the HTML answer read: its infoMessage is success, its errorMessage is said as it is. Nagios
takes a command through its command pipe and shows it in the status file a few seconds later
(status_update_interval), so the feed waits until statusjson.cgi shows the change: an
acknowledgement reported done before Nagios shows it would be undone by the next poll.
"""

from __future__ import annotations

import asyncio
import html
import re
from typing import Any
from urllib.parse import quote

import httpx

from shiftbell.core.alert import Alert, Incoming, Severity
from shiftbell.core.errors import FeedError
from shiftbell.sources.feed import AckReceipt, FeedConfig
from shiftbell.sources.fields import member
from shiftbell.sources.http import make_client, request
from shiftbell.sources.monitoring import problems_line
from shiftbell.sources.nagios.status import (
    VENDOR,
    Reading,
    acknowledgements,
    any_handled,
    data_of,
    host_problems,
    service_problems,
)
from shiftbell.sources.vendor_feed import VendorFeed
from shiftbell.sources.web_auth import ServerChosenAuth

# cmd.cgi's command numbers (Nagios' include/common.h)
ACKNOWLEDGE = {"host": 33, "service": 34}
REMOVE_ACKNOWLEDGEMENT = {"host": 51, "service": 52}
COMMIT = 2  # cmd_mod: carry the command out, rather than show its form
PENDING, OK = 1, 2  # statusjson's state bits; OK is UP for a host
FORM_ID = re.compile(r"""name=['"]nagFormId['"]\s+value=['"]([^'"]+)['"]""", re.IGNORECASE)
MESSAGE = re.compile(
    r"""class=['"](infoMessage|errorMessage|errorDescription)['"]\s*>(.*?)</div>""",
    re.IGNORECASE | re.DOTALL,
)
TAG = re.compile(r"<[^>]+>")


class NagiosFeed(VendorFeed):
    """Polls one Nagios' CGIs. See the module docstring."""

    _vendor = VENDOR
    _credential = "user name and password"
    confirm_deadline_s = 30.0  # Nagios writes its status file every 10 s by default
    confirm_every_s = 0.5

    def _open(
        self, config: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        base = config.url.strip().rstrip("/")
        if base.endswith(".cgi"):  # a CGI's own address pasted: its directory is meant
            base = base.rsplit("/", 1)[0]
        options = config.options
        self._cgi = base
        self._reading = Reading(
            soft_states=options.get("soft_states", "no").strip().lower() == "yes",
            unknown_severity=Severity.parse(options.get("unknown_severity", "") or "warning"),
            link=self._link,
        )
        self._sticky = options.get("sticky", "yes").strip().lower() != "no"
        user, _, password = secret.partition(":")
        auth = ServerChosenAuth(user, password) if secret else None
        self._client = make_client(base + "/", transport=transport, auth=auth)

    # -- PollingFeed ----------------------------------------------------------------------

    async def fetch(self) -> list[Incoming]:
        hosts = await self._status("hostlist", hoststatus="down unreachable")
        services = await self._status("servicelist", servicestatus="warning critical unknown")
        acks = {}
        if any_handled(hosts, services):
            acks = acknowledgements(await self._status("commentlist"))
        return [
            *host_problems(hosts, self._reading, acks),
            *service_problems(services, self._reading, acks),
        ]

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        fields = {"com_data": alert.ack_comment or "Acknowledged in Shiftbell"}
        if self._sticky:
            fields["sticky_ack"] = "on"
        fields["send_notification"] = "on"  # as Nagios' own form: the team hears of it
        await self._command(ACKNOWLEDGE, alert, fields)
        await self._until_shown(alert, acknowledged=True)
        return AckReceipt()

    async def unacknowledge(self, alert: Alert, receipt: AckReceipt) -> None:
        await self._command(REMOVE_ACKNOWLEDGEMENT, alert, {})
        await self._until_shown(alert, acknowledged=False)

    async def test(self) -> str:
        return problems_line(VENDOR, await self.fetch())

    async def close(self) -> None:
        await self._client.aclose()

    # -- reading --------------------------------------------------------------------------

    async def _status(self, query: str, **selectors: str) -> dict[str, Any]:
        params = {"query": query, "details": "true", **selectors}
        _, answer = await self._request("GET", "statusjson.cgi", params=params)
        return data_of(answer, self.config.name, query)

    def _link(self, host: str, service: str) -> str:
        if service:
            return (
                f"{self._cgi}/extinfo.cgi?type=2&host={quote(host, safe='')}"
                f"&service={quote(service, safe='')}"
            )
        return f"{self._cgi}/extinfo.cgi?type=1&host={quote(host, safe='')}"

    async def _settled(self, alert: Alert, *, acknowledged: bool) -> bool:
        """Whether Nagios shows the acknowledgement as asked, or the problem is over (Nagios
        acknowledges no OK service or UP host; the next poll resolves the alert)."""
        host, _, service = alert.key.source_id.partition("!")
        if service:
            services = (await self._status("servicelist", hostname=host)).get(host)
            details = member(services, service)
        else:
            details = (await self._status("hostlist", hostname=host)).get(host)
        if not isinstance(details, dict):
            raise FeedError(
                f"{VENDOR} has no {alert.key.source_id} any more: it may have been removed "
                f"from its configuration ({self.config.name})"
            )
        if details.get("status") in (PENDING, OK):
            return True
        return (details.get("problem_has_been_acknowledged") is True) is acknowledged

    async def _until_shown(self, alert: Alert, *, acknowledged: bool) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.confirm_deadline_s
        while not await self._settled(alert, acknowledged=acknowledged):
            if loop.time() >= deadline:
                done = "acknowledgement" if acknowledged else "removal of the acknowledgement"
                raise FeedError(
                    f"{VENDOR} took the {done} of {alert.key.source_id} but does not show it "
                    f"after {self.confirm_deadline_s:g} s ({self.config.name}): is it still "
                    "reading its command file (check_external_commands)?"
                )
            await asyncio.sleep(self.confirm_every_s)

    # -- acting ---------------------------------------------------------------------------

    async def _command(self, numbers: dict[str, int], alert: Alert, fields: dict[str, str]) -> None:
        host, _, service = alert.key.source_id.partition("!")
        target = {"host": host, **({"service": service} if service else {})}
        number = str(numbers["service" if service else "host"])
        form = await self._page("GET", params={"cmd_typ": number, **target})
        form_id = FORM_ID.search(form)  # Nagios before 4.4 has none, and needs none
        posted = {"cmd_typ": number, "cmd_mod": str(COMMIT), **target, **fields}
        if form_id:
            posted["nagFormId"] = form_id.group(1)
        answer = await self._page("POST", data=posted)
        said = {kind.lower(): _plain(text) for kind, text in MESSAGE.findall(answer)}
        if "infomessage" in said and "errormessage" not in said:
            return
        reason = said.get("errormessage") or "no success message in its answer"
        raise FeedError(
            f"{VENDOR} refused the command for {alert.key.source_id}: {reason} ({self.config.name})"
        )

    async def _page(self, method: str, **kwargs: Any) -> str:
        response = await request(
            self._client,
            method,
            "cmd.cgi",
            config=self.config,
            vendor=VENDOR,
            credential=self._credential,
            **kwargs,
        )
        return response.text


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", fragment)).split())
