"""Prometheus Alertmanager (API v2): polled for its alerts, acknowledged with a silence.

Options: declared in __init__.py (`shiftbell feed kinds alertmanager` prints them).

Severity comes from the `severity` label (case and spaces ignored), the same
mapping as the webhook on the local receiver:
    critical, page, error, crit, major, high, fatal, emergency  -> critical
    warning, warn, minor, medium                                -> warning
    info, information, informational, notice, low, none         -> info
    missing, or anything else (P1, sev2, ...)                   -> warning
An unfamiliar word is a warning rather than an error: rejecting the alert over
its label would lose it, and a warning still makes a sound.

Title: the `summary` annotation, else "<alertname> on <instance>"; the text
below it is the `description` annotation. Links: annotations that are web links
(`runbook_url`, `dashboard`, …), `generatorURL`, and the alert in Alertmanager's UI
(alert_list.py).

Which alerts are listed, and why silenced ones are: the list is
`GET /api/v2/alerts?active=true&silenced=true&inhibited=false`. Acknowledging
here creates a silence, so an alert somebody acknowledged (here or in
Alertmanager's UI) is silenced; it is still a current problem, so it stays in
the snapshot as `acknowledged=True`. Leaving silenced alerts out would make the
snapshot resolve every alert the moment it is acknowledged. Inhibited alerts are
left out: Alertmanager holds them back because a more important alert covers the
same problem (a dead node inhibits its dead disks), and that alert is the one to
act on.

Acknowledge creates a silence (`POST /api/v2/silences`) whose matchers are every
label of the alert, exact and equal, so it covers this alert and nothing with
fewer labels; an alert without labels is refused, because a silence with no
matchers would silence everything. It starts a minute before now, which
Alertmanager reads as "now" by its own clock (a desktop clock a few seconds
ahead must not leave the alert unsilenced). With ack_mode "follow" (the default) it ends
15 minutes later (three polls if longer) and each poll that still lists the alert extends
it in place before a third of that is left, so it lapses once the alert resolves; with
"fixed" it ends `silence_duration_s` later.
The silence id is the receipt. Un-acknowledge expires that silence
(`DELETE /api/v2/silence/{id}`) and any other active silence this feed made
with exactly the alert's labels (a retried acknowledgement can leave two).
"""

from __future__ import annotations

import email.utils
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shiftbell.core.alert import Alert, Incoming
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedUnreachableError,
    PayloadError,
)
from shiftbell.sources.alertmanager.alert_list import (
    ack_info_of,
    parse_alerts,
    silencing,
)
from shiftbell.sources.alertmanager.options import (
    VENDOR,
    AckMode,
    AlertmanagerOptions,
    AuthMode,
    base_url_of,
)
from shiftbell.sources.feed import AckReceipt, FeedConfig
from shiftbell.sources.fields import member, text_member
from shiftbell.sources.http import make_client, where_to_fix
from shiftbell.sources.strict_fields import rfc3339_time
from shiftbell.sources.vendor_feed import VendorFeed

log = logging.getLogger(__name__)


# Sent as the silence's start; Alertmanager moves a start in the past to its own "now".
SILENCE_START_MARGIN = timedelta(minutes=1)
# ack_mode = "follow": how long a silence runs unless extended (see follow_window).
FOLLOW_SILENCE = timedelta(minutes=15)


ALERTS_PATH = "/api/v2/alerts"


SILENCES_PATH = "/api/v2/silences"


STATUS_PATH = "/api/v2/status"


class AlertmanagerFeed(VendorFeed):
    """A `PollingFeed` for one Alertmanager. See the module docstring for the options."""

    _vendor = VENDOR

    def _open(
        self, config: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        self.options = AlertmanagerOptions.parse(config, secret)
        self._credential = {
            AuthMode.BASIC: "user name and password",
            AuthMode.BEARER: "token",
            AuthMode.NONE: "credentials",
        }[self.options.auth]
        headers: dict[str, str] = {"Accept": "application/json"}
        auth: tuple[str, str] | None = None
        if self.options.auth is AuthMode.BEARER:
            headers["Authorization"] = f"Bearer {secret}"
        elif self.options.auth is AuthMode.BASIC:
            user, _, password = secret.partition(":")
            auth = (user, password)
        self._base_url = base_url_of(config)  # parsed once, not at every poll
        self._client = make_client(self._base_url, headers, transport, auth)
        self._client.event_hooks["response"].append(self._note_server_time)
        # The server's clock minus ours, from its Date headers: a silence must start at a
        # time the server already considers past, or it is "pending" and silences nothing
        # (a desktop 10 min ahead saw the alert fire again 3 s after the ack).
        self._server_offset = timedelta(0)
        # Alerts whose silence request got no answer: it may exist all the same, so the
        # next try looks for it first and one alert never gets two silences.
        self._unanswered: set[str] = set()
        self._seen: dict[str, tuple[object, Incoming]] = {}  # the last poll's (parse_alerts)
        self._list_params = [("active", "true"), ("silenced", "true"), ("inhibited", "false")]
        self._list_params += [("filter", matcher) for matcher in self.options.matchers]
        if self.options.receiver:
            self._list_params.append(("receiver", self.options.receiver))

    # -- PollingFeed -------------------------------------------------------------------------

    async def fetch(self) -> list[Incoming]:
        status, body = await self._request("GET", ALERTS_PATH, params=self._list_params, ok=(400,))
        if status == 400:
            # Alertmanager answers a bad matcher or receiver regex with a bare JSON string.
            raise FeedConfigError(
                f"{VENDOR} rejected this feed's filter or receiver option"
                f"{_detail(body)}: check them in {where_to_fix(self.config)}"
            )
        try:
            alerts = parse_alerts(body, self._base_url, self._seen)
        except PayloadError as exc:
            raise FeedPayloadError(
                f"{VENDOR} at {self._client.base_url} sent an alert list we cannot read "
                f"({self.config.name}): {exc}"
            ) from None
        silenced = silencing(body)
        if not silenced:
            return alerts
        silences = await self._active_silences()
        if self.options.ack_mode is AckMode.FOLLOW:
            await self._follow(alerts, silenced, silences)
        return [
            replace(a, ack_info=ack_info_of(silenced[a.source_id], silences))
            if a.source_id in silenced
            else a
            for a in alerts
        ]

    @property
    def follow_window(self) -> timedelta:
        """How long an acknowledgement's silence runs in follow mode: 15 minutes, or three
        polls if that is longer, so one late poll never lets it lapse while the alert fires."""
        return max(FOLLOW_SILENCE, timedelta(seconds=3 * self.config.interval_s))

    async def _follow(
        self,
        alerts: list[Incoming],
        silenced: dict[str, list[str]],
        silences: dict[str, dict[str, Any]],
    ) -> None:
        """Extend our silences of the alerts that still fire before they run out; a resolved
        alert is no longer listed, so its silence ends by itself within one window."""
        now = self._clock.now() + self._server_offset
        window = self.follow_window
        for alert in alerts:
            wanted = {(name, value, False, True) for name, value in alert.labels}
            for silence_id in silenced.get(alert.source_id, []):
                silence = silences.get(silence_id)
                if silence is None or silence.get("createdBy") != self.options.created_by:
                    continue  # a colleague's silence is theirs to keep or end
                if _matcher_set(silence.get("matchers")) != wanted:
                    continue
                ends = rfc3339_time(silence.get("endsAt"), "silence.endsAt")
                if ends is not None and ends - now > window * 2 / 3:
                    continue
                await self._extend(silence, now + window)

    async def _extend(self, silence: dict[str, Any], until: datetime) -> None:
        # Same id, same start, later end: Alertmanager updates an active silence in place.
        extended = {
            key: silence[key] for key in ("id", "matchers", "startsAt", "createdBy", "comment")
        }
        extended["endsAt"] = _rfc3339(until)
        try:
            await self._request(
                "POST",
                SILENCES_PATH,
                json=extended,
                headers={"Content-Type": "application/json"},
            )
        except FeedError as exc:
            # The next poll tries again; the silence still runs for a third of its window.
            log.warning("%s: cannot extend silence %s: %s", self.config.name, silence["id"], exc)
            return
        log.info("%s: silence %s extended to %s", self.config.name, silence["id"], until)

    async def _active_silences(self) -> dict[str, dict[str, Any]]:
        """The active silences by id, for who silenced what; {} if they cannot be read (the
        alerts still count as acknowledged, only without a name)."""
        try:
            _, body = await self._request("GET", SILENCES_PATH)
        except FeedError as exc:
            log.warning("%s: cannot read who silenced its alerts: %s", self.config.name, exc)
            return {}
        listed = body if isinstance(body, list) else []
        return {
            s["id"]: s
            for s in listed
            if isinstance(s, dict)
            and isinstance(s.get("id"), str)
            and isinstance(s.get("status"), dict)
            and s["status"].get("state") == "active"
        }

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        if not alert.labels:
            raise FeedError(
                f"cannot acknowledge {alert.title!r} in {VENDOR} ({self.config.name}): it has "
                "no labels, and a silence without matchers would silence every alert"
            )
        chosen = alert.ack_info.until if alert.ack_info and not alert.ack_info.by else None
        created_by = self.options.created_by
        if chosen is not None:
            # Told apart from the acknowledgements ack_mode "follow" extends: its end is the
            # person's, and the team sees it.
            created_by += f" (until {chosen.astimezone(UTC):%H:%M} UTC)"
        if alert.id in self._unanswered:
            earlier = await self._our_silences_for(alert, ("active",), created_by)
            if earlier:
                self._unanswered.discard(alert.id)
                log.info(
                    "%s: %r is already silenced as %s (the answer to that request was lost)",
                    self.config.name,
                    alert.title,
                    earlier[0],
                )
                return AckReceipt(reference=earlier[0])
        now = self._clock.now() + self._server_offset
        silence = {
            "matchers": [
                {"name": name, "value": value, "isRegex": False, "isEqual": True}
                for name, value in alert.labels
            ],
            "startsAt": _rfc3339(now - SILENCE_START_MARGIN),
            "endsAt": _rfc3339(
                chosen + self._server_offset if chosen is not None else now + self._silence_length
            ),
            "createdBy": created_by,
            "comment": alert.ack_comment or self.options.comment,
        }
        # Stated, not left to the client library's default: Alertmanager answers a silence
        # without it with 415, and a peer tool lost its acknowledgements exactly that way.
        try:
            status, body = await self._request(
                "POST",
                SILENCES_PATH,
                json=silence,
                headers={"Content-Type": "application/json"},
                ok=(400,),
            )
        except BaseException:  # cancelled by a timeout too: the request may have arrived
            self._unanswered.add(alert.id)
            raise
        self._unanswered.discard(alert.id)
        if status == 400:
            raise FeedError(
                f"{VENDOR} refused the silence for {alert.title!r}{_detail(body)} "
                f"({self.config.name})"
            )
        silence_id = text_member(body, "silenceID")
        if not silence_id:
            raise FeedPayloadError(
                f"{VENDOR} did not say which silence it created for {alert.title!r} "
                f"(no silenceID in its answer) ({self.config.name})"
            )
        log.info(
            "%s: silenced %r in %s as %s until %s",
            self.config.name,
            alert.title,
            VENDOR,
            silence_id,
            silence["endsAt"],
        )
        if chosen is not None:
            # The length is the person's now: an acknowledgement that follows the alert
            # would otherwise keep it silent after the chosen end.
            for earlier_id in await self._our_silences_for(alert):
                await self._expire(earlier_id)
        return AckReceipt(reference=silence_id)

    @property
    def _silence_length(self) -> timedelta:
        if self.options.ack_mode is AckMode.FOLLOW:
            return self.follow_window
        return self.options.silence_duration

    async def unacknowledge(self, alert: Alert, receipt: AckReceipt) -> None:
        ids = [receipt.reference] if receipt.reference else []
        ids += [i for i in await self._our_silences_for(alert) if i not in ids]
        for silence_id in ids:
            await self._expire(silence_id)
            log.info("%s: expired silence %s of %r", self.config.name, silence_id, alert.title)

    async def test(self) -> str:
        _, body = await self._request("GET", STATUS_PATH)
        if not isinstance(body, dict) or "versionInfo" not in body:
            raise FeedPayloadError(
                f"{self._client.base_url} answered {STATUS_PATH} but not like an {VENDOR} "
                f"({self.config.name}): check the URL in {where_to_fix(self.config)}"
            )
        version_info = body.get("versionInfo")
        version = member(version_info, "version")
        name = f"{VENDOR} {version}" if isinstance(version, str) and version else VENDOR
        alerts = await self.fetch()
        silenced = sum(1 for a in alerts if a.acknowledged)
        count = f"{len(alerts)} active alert{'' if len(alerts) == 1 else 's'}"
        return f"{name}, {count}" + (f" ({silenced} silenced)" if silenced else "")

    async def close(self) -> None:
        await self._client.aclose()

    # -- internals ---------------------------------------------------------------------------

    async def _request(
        self, method: str, url: str, *, ok: tuple[int, ...] = (), **kwargs: Any
    ) -> tuple[int, Any]:
        try:
            return await super()._request(method, url, ok=ok, **kwargs)
        except FeedAuthError:
            if self.options.auth is not AuthMode.NONE:
                raise
            # Alertmanager itself never asks: this is a proxy, and "check the credentials"
            # would send the person looking for a secret that was never set.
            raise FeedAuthError(
                f"{VENDOR} at {self._client.base_url} asks for credentials and this feed "
                f"sends none: set auth (basic or bearer) and the secret in "
                f"{where_to_fix(self.config)}"
            ) from None

    async def _note_server_time(self, response: httpx.Response) -> None:
        date = response.headers.get("Date")
        if not date:
            return
        try:
            server_now = email.utils.parsedate_to_datetime(date)
        except (TypeError, ValueError):
            return
        if server_now.tzinfo is None:
            return
        self._server_offset = server_now - self._clock.now()

    async def _our_silences_for(
        self,
        alert: Alert,
        states: tuple[str, ...] = ("active", "pending"),
        created_by: str | None = None,
    ) -> list[str]:
        """Silences in `states` this feed made (as `created_by`, by default its own
        createdBy) with exactly the alert's labels."""
        created_by = created_by or self.options.created_by
        if not alert.labels:
            return []
        _, body = await self._request("GET", SILENCES_PATH)
        if not isinstance(body, list):
            raise FeedPayloadError(
                f"{VENDOR} sent a silence list we cannot read (not a list) ({self.config.name})"
            )
        wanted = {(name, value, False, True) for name, value in alert.labels}
        found: list[str] = []
        for silence in body:
            if not isinstance(silence, dict):
                continue
            status = silence.get("status")
            state = member(status, "state")
            if state not in states:
                continue
            if silence.get("createdBy") != created_by:
                continue
            if _matcher_set(silence.get("matchers")) == wanted and isinstance(
                silence.get("id"), str
            ):
                found.append(silence["id"])
        return found

    async def _expire(self, silence_id: str) -> None:
        status, body = await self._request("DELETE", f"/api/v2/silence/{silence_id}", ok=(404, 500))
        if status == 500 and body != "silence not found":
            raise FeedUnreachableError(
                f"{VENDOR} server error {status}{_detail(body)} ({self.config.name})"
            )
        if status == 404 and body is not None:
            # A 404 with a body is a missing route (wrong URL), not a missing silence.
            raise FeedError(
                f"{VENDOR} has no /api/v2/silence (404): check the URL in "
                f"{where_to_fix(self.config)}"
            )


def _rfc3339(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _matcher_set(value: object) -> set[tuple[object, ...]]:
    if not isinstance(value, list):
        return set()
    return {
        (m.get("name"), m.get("value"), m.get("isRegex"), m.get("isEqual", True))
        for m in value
        if isinstance(m, dict)
    }


def _detail(body: object) -> str:
    """Alertmanager's error text: a bare JSON string, or {"message": ...}."""
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        body = body["message"]
    return f" ({str(body)[:200]})" if isinstance(body, str) and body else ""
