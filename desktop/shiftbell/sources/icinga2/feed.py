"""Icinga 2 (REST API v1): host and service problems, polled; acknowledged with
acknowledge-problem, silenced with a downtime.

Options: declared in __init__.py (`shiftbell feed kinds icinga2` prints them).

TLS. Icinga's API certificate comes from its own CA and is issued to the node's name, so the
feed takes that CA (`ca_file`, the URL naming the node) or a pinned SHA-256 fingerprint of the
certificate (`fingerprint`, any URL). A pinned certificate is read once without credentials,
compared, and then is the only certificate the connection accepts (OpenSSL's partial chain: the
pinned certificate itself is the trust anchor), so the password never goes to another server.
Verification is never turned off.

Fetch (two requests, plus one for who acknowledged when something is): `POST
/v1/objects/hosts` and `/v1/objects/services` with `X-HTTP-Method-Override: GET` and a filter
on problems in a hard state (`soft_states = "yes"`: also soft ones). A problem that is
acknowledged or in a downtime (`handled`) is on the board as acknowledged, with the
acknowledgement comment's author, text and expiry, or the downtime's.

Severity: host down -> critical, host unreachable (a parent is down) -> warning; service
critical -> critical, warning -> warning, unknown -> `unknown_severity` (warning).

Acknowledge: `POST /v1/actions/acknowledge-problem` for the one host or service (a filter
with filter_vars, so no name is ever spliced into the filter), with the author and the
person's comment; "already acknowledged" (409) counts as done. A silence for a chosen time is
a fixed downtime from now to its end (`/v1/actions/schedule-downtime`), whose name is kept to
remove it; un-acknowledging removes the acknowledgement and that downtime.
"""

from __future__ import annotations

import asyncio
import getpass
import hashlib
import logging
import ssl
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from shiftbell.core.alert import AckInfo, Alert, Incoming, Severity, page_link
from shiftbell.core.errors import (
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedUnreachableError,
)
from shiftbell.sources.feed import AckReceipt, FeedConfig
from shiftbell.sources.fields import member
from shiftbell.sources.http import make_client, where_to_fix
from shiftbell.sources.monitoring import problems_line
from shiftbell.sources.vendor_feed import VendorFeed

log = logging.getLogger(__name__)

VENDOR = "Icinga 2"
CREDENTIAL = "API user and password"
HOST_STATES = {1: "DOWN"}
SERVICE_STATES = {1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
COMMON_ATTRS = [
    "name",
    "display_name",
    "state",
    "state_type",
    "last_state_change",
    "last_check_result",
    "acknowledgement",
    "acknowledgement_expiry",
    "downtime_depth",
    "handled",
]
HOST_ATTRS = [*COMMON_ATTRS, "last_reachable"]
SERVICE_JOINS = ["host.name", "host.display_name"]
ACK_COMMENT = 4  # Comment.entry_type of an acknowledgement
CERT_TIMEOUT_S = 10.0


class Icinga2Feed(VendorFeed):
    """Polls one Icinga 2 API. See the module docstring."""

    _vendor = VENDOR
    _credential = CREDENTIAL

    def _open(
        self, config: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        user, colon, password = secret.partition(":")
        if not colon or not user.strip():
            raise FeedConfigError(
                f"the {VENDOR} feed {config.name} needs its API user and password as "
                f"user:password (an ApiUser of the server's): set it in {where_to_fix(config)}"
            )
        self._auth = (user.strip(), password)
        self._base_url = config.url.rstrip("/")
        if not self._base_url.startswith("https://"):
            raise FeedConfigError(
                f"{VENDOR} URL {config.url!r} must start with https:// (the API speaks only "
                f"TLS, on port 5665): fix it in {where_to_fix(config)}"
            )
        options = config.options
        self._ca_file = options.get("ca_file", "").strip()
        self._fingerprint = _hex(options.get("fingerprint", "").split("=")[-1])
        if self._ca_file and self._fingerprint:
            raise FeedConfigError(
                f"{VENDOR} feed {config.name}: set ca_file or fingerprint, not both, in "
                f"{where_to_fix(config)}"
            )
        if options.get("fingerprint", "").strip() and len(self._fingerprint) != 64:
            raise FeedConfigError(
                f"{VENDOR} fingerprint {options['fingerprint']!r} is not a SHA-256 fingerprint "
                f"(64 hex digits, colons allowed): fix it in {where_to_fix(config)}"
            )
        self._soft = options.get("soft_states", "no").strip().lower() == "yes"
        self._unknown = Severity.parse(options.get("unknown_severity", "") or "warning")
        self._web_url = options.get("web_url", "").strip().rstrip("/")
        self._author = options.get("author", "").strip() or f"{_login()} via Shiftbell"
        self._transport = transport
        self._connection: httpx.AsyncClient | None = None

    # -- PollingFeed ----------------------------------------------------------------------

    async def fetch(self) -> list[Incoming]:
        hard = "" if self._soft else " && host.state_type == 1"
        hosts = await self._objects("hosts", f"host.state != 0{hard}", HOST_ATTRS)
        hard = "" if self._soft else " && service.state_type == 1"
        services = await self._objects(
            "services", f"service.state != 0{hard}", COMMON_ATTRS, SERVICE_JOINS
        )
        handled = any(_attrs(r).get("handled") for r in [*hosts, *services])
        infos = await self._ack_infos() if handled else {}
        found = [self._host(r, infos) for r in hosts] + [self._service(r, infos) for r in services]
        return [i for i in found if i is not None]

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        own = alert.ack_info if alert.ack_info is not None and not alert.ack_info.by else None
        comment = alert.ack_comment or "Acknowledged in Shiftbell"
        if own is not None and own.until is not None:
            now = self._clock.now().timestamp()
            answer = await self._action(
                "schedule-downtime",
                alert,
                {
                    "author": self._author,
                    "comment": comment,
                    "start_time": now,
                    "end_time": max(own.until.timestamp(), now + 60),
                    "fixed": True,
                },
            )
            names = [_text(r.get("name")) for r in _results(answer, self.config.name)]
            return AckReceipt(reference=next((n for n in names if n), ""))
        await self._action(
            "acknowledge-problem",
            alert,
            {"author": self._author, "comment": comment, "sticky": False, "notify": False},
            done=("already acknowledged", "is ok", "is up"),
        )
        return AckReceipt()

    async def unacknowledge(self, alert: Alert, receipt: AckReceipt) -> None:
        await self._action("remove-acknowledgement", alert, {}, done=("not acknowledged",))
        if receipt.reference:
            await self._call(
                "remove-downtime",
                {
                    "type": "Downtime",
                    "filter": "downtime.__name == dn",  # the full name schedule-downtime gave
                    "filter_vars": {"dn": receipt.reference},
                },
                alert,
                done=("no objects found",),
            )

    async def test(self) -> str:
        return problems_line(VENDOR, await self.fetch())

    async def close(self) -> None:
        if self._connection is not None:
            await self._connection.aclose()

    # -- reading --------------------------------------------------------------------------

    def _host(self, result: dict[str, Any], infos: dict[str, AckInfo]) -> Incoming | None:
        attrs = _attrs(result)
        name = _text(attrs.get("name"))
        if not name:
            return None
        reachable = attrs.get("last_reachable") is not False
        shown = _text(attrs.get("display_name")) or name
        return Incoming(
            source_id=name,
            title=f"{shown} is {'DOWN' if reachable else 'UNREACHABLE'}",
            severity=Severity.CRITICAL if reachable else Severity.WARNING,
            summary=_output(attrs),
            labels=(("host", name), ("state", "DOWN" if reachable else "UNREACHABLE")),
            links=page_link(f"In Icinga Web: {shown}", self._link(name)),
            acknowledged=bool(attrs.get("handled")),
            started_at=_time(attrs.get("last_state_change")),
            ack_info=infos.get(name),
        )

    def _service(self, result: dict[str, Any], infos: dict[str, AckInfo]) -> Incoming | None:
        attrs = _attrs(result)
        host = result.get("joins", {}).get("host", {}) if isinstance(result, dict) else {}
        host_name = _text(host.get("name")) if isinstance(host, dict) else ""
        name = _text(attrs.get("name"))
        if not name or not host_name:
            return None
        state = SERVICE_STATES.get(int(attrs.get("state") or 0), "UNKNOWN")
        severity = {"CRITICAL": Severity.CRITICAL, "WARNING": Severity.WARNING}.get(
            state, self._unknown
        )
        shown = _text(attrs.get("display_name")) or name
        host_shown = _text(host.get("display_name")) or host_name
        full = f"{host_name}!{name}"
        return Incoming(
            source_id=full,
            title=f"{shown} on {host_shown} is {state}",
            severity=severity,
            summary=_output(attrs),
            labels=(("host", host_name), ("service", name), ("state", state)),
            links=page_link(f"In Icinga Web: {shown}", self._link(host_name, name)),
            acknowledged=bool(attrs.get("handled")),
            started_at=_time(attrs.get("last_state_change")),
            ack_info=infos.get(full),
        )

    def _link(self, host: str, service: str = "") -> str:
        if not self._web_url:
            return ""
        if service:
            return (
                f"{self._web_url}/monitoring/service/show?host={quote(host, safe='')}"
                f"&service={quote(service, safe='')}"
            )
        return f"{self._web_url}/monitoring/host/show?host={quote(host, safe='')}"

    async def _ack_infos(self) -> dict[str, AckInfo]:
        """Who acknowledged what, by host or host!service, from the acknowledgement comments."""
        comments = await self._objects(
            "comments",
            "comment.entry_type == t",
            ["host_name", "service_name", "author", "text", "expire_time"],
            filter_vars={"t": ACK_COMMENT},
        )
        infos: dict[str, AckInfo] = {}
        for result in comments:
            attrs = _attrs(result)
            host, service = _text(attrs.get("host_name")), _text(attrs.get("service_name"))
            expiry = attrs.get("expire_time")
            infos[f"{host}!{service}" if service else host] = AckInfo(
                by=_text(attrs.get("author")),
                comment=_text(attrs.get("text")),
                until=_time(expiry) if expiry else None,
            )
        return infos

    async def _objects(
        self,
        kind: str,
        where: str,
        attrs: list[str],
        joins: list[str] | None = None,
        filter_vars: dict[str, object] | None = None,
    ) -> list[dict[str, Any]]:
        body: dict[str, object] = {"filter": where, "attrs": attrs}
        if joins:
            body["joins"] = joins
        if filter_vars:
            body["filter_vars"] = filter_vars
        _, answer = await self._post(
            f"/v1/objects/{kind}", body, headers={"X-HTTP-Method-Override": "GET"}
        )
        return _results(answer, self.config.name)

    # -- acting ---------------------------------------------------------------------------

    async def _action(
        self, action: str, alert: Alert, extra: dict[str, object], done: tuple[str, ...] = ()
    ) -> Any:
        host, _, service = alert.key.source_id.partition("!")
        if service:
            target: dict[str, object] = {
                "type": "Service",
                "filter": "host.name == hn && service.name == sn",
                "filter_vars": {"hn": host, "sn": service},
            }
        else:
            target = {"type": "Host", "filter": "host.name == hn", "filter_vars": {"hn": host}}
        return await self._call(action, {**target, **extra}, alert, done)

    async def _call(
        self, action: str, body: dict[str, object], alert: Alert, done: tuple[str, ...] = ()
    ) -> Any:
        status, answer = await self._post(f"/v1/actions/{action}", body, ok=(404, 409, 500))
        results = _results(answer, self.config.name)
        said = "; ".join(_text(r.get("status")) for r in results) or _error(answer)
        if status in (404, 409, 500) or any(int(r.get("code", 200)) >= 400 for r in results):
            if any(phrase in said.lower() for phrase in done):
                log.info("%s (%s): %s %s: %s", VENDOR, self.config.name, action, alert.id, said)
                return answer
            if status == 404 or "no objects found" in said.lower():
                raise FeedError(
                    f"{VENDOR} has no {alert.key.source_id} any more: it may have been removed "
                    f"from its configuration ({self.config.name})"
                )
            raise FeedError(
                f"{VENDOR} refused {action} for {alert.key.source_id}: "
                f"{said or f'HTTP {status}'} ({self.config.name})"
            )
        return answer

    async def _post(
        self,
        path: str,
        body: dict[str, object],
        *,
        ok: tuple[int, ...] = (),
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        try:
            return await self._request(
                "POST",
                path,
                ok=ok,
                json=body,
                headers={"Accept": "application/json", **(headers or {})},
            )
        except FeedUnreachableError as exc:
            if "CERTIFICATE_VERIFY_FAILED" in str(exc) or "certificate verify failed" in str(exc):
                raise FeedConfigError(
                    f"{VENDOR} at {self._base_url} has a certificate this feed does not trust "
                    f"({self.config.name}): set ca_file to the server's CA "
                    f"(/var/lib/icinga2/certs/ca.crt there) and use the node name in the URL, "
                    f"or pin its fingerprint, in {where_to_fix(self.config)}"
                ) from None
            raise

    async def _http(self) -> httpx.AsyncClient:
        if self._connection is None:
            self._connection = make_client(
                self._base_url,
                transport=self._transport,
                auth=self._auth,
                verify=await self._tls(),
            )
        return self._connection

    async def _tls(self) -> ssl.SSLContext | bool:
        if self._ca_file:
            try:
                return ssl.create_default_context(cafile=self._ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise FeedConfigError(
                    f"cannot read {VENDOR} ca_file {self._ca_file!r} ({exc}): fix it in "
                    f"{where_to_fix(self.config)}"
                ) from None
        if not self._fingerprint:
            return True
        return await self._pinned()

    async def _pinned(self) -> ssl.SSLContext:
        parts = urlsplit(self._base_url)
        address = (parts.hostname or "", parts.port or 5665)
        try:
            pem = await asyncio.to_thread(
                ssl.get_server_certificate, address, timeout=CERT_TIMEOUT_S
            )
        except (OSError, ssl.SSLError) as exc:
            raise FeedUnreachableError(
                f"cannot reach {VENDOR} at {self._base_url} ({self.config.name}): {exc}"
            ) from None
        seen = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest()
        if seen != self._fingerprint:
            raise FeedConfigError(
                f"{VENDOR} at {self._base_url} shows a certificate with SHA-256 fingerprint "
                f"{_colons(seen)}, not the pinned {_colons(self._fingerprint)} "
                f"({self.config.name}): if the server's certificate was renewed, pin the new "
                f"one in {where_to_fix(self.config)}"
            )
        context = ssl.create_default_context(cadata=pem)
        # The pinned certificate is the trust anchor itself, whatever name it was issued to.
        context.check_hostname = False
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
        return context


def _results(answer: object, feed: str) -> list[dict[str, Any]]:
    if answer is None:
        return []
    results = member(answer, "results")
    if not isinstance(results, list):
        raise FeedPayloadError(f"{VENDOR} answered without a results list ({feed})")
    return [r for r in results if isinstance(r, dict)]


def _attrs(result: dict[str, Any]) -> dict[str, Any]:
    attrs = result.get("attrs")
    return attrs if isinstance(attrs, dict) else {}


def _error(answer: object) -> str:
    if isinstance(answer, dict):
        return _text(answer.get("status")) or _text(answer.get("error"))
    return ""


def _output(attrs: dict[str, Any]) -> str:
    result = attrs.get("last_check_result")
    return _text(result.get("output")).strip() if isinstance(result, dict) else ""


def _time(value: object) -> datetime | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return datetime.fromtimestamp(value, UTC)
    return None


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _hex(text: str) -> str:
    return "".join(c for c in text.lower() if c in "0123456789abcdef")


def _colons(digest: str) -> str:
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2)).upper()


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "someone"
