"""The local receiver: Shiftbell's own HTTP API on 127.0.0.1, the feed that needs no account.

Scripts, `shiftbell send` and Alertmanager's webhook push alerts here; the CLI
reads and acknowledges them here. It runs on the app's asyncio loop (a worker
thread) and calls the thread-safe `AlertDesk` directly.

Every endpoint wants `Authorization: Bearer <token>`: anything on the machine
can reach the loopback port, and the token (0600 in the data dir) is what says
the caller belongs to the person. Every answer, errors included, is JSON.

Endpoints (all under /api/v1):
    POST /alerts              one alert object or a list (events); 201 when one is new
    PUT  /alerts              the complete list of current local alerts (a snapshot)
    GET  /alerts              the active alerts, every feed
    POST /alertmanager        Alertmanager webhook payload, version "4"
    POST /alerts/{id}/ack     acknowledge one alert; {"comment": "…"} for its source, optional
    POST /alerts/{id}/unack   take its acknowledgement back (409 where the source cannot)
    POST /ack-all             acknowledge every active alert
    POST /test-alarm          sound the alarm once, to check the speakers
    POST /show                bring the window forward
    POST /reload              read the config file's feeds again (after `shiftbell feed add`)
    POST /snooze              {"minutes": N}: silence the alarm for N minutes
    POST /alerts/{id}/snooze  {"seconds": N}: hold back that alert's sound for N seconds
    POST /alerts/{id}/silence {"seconds": N, "comment"}: silence it at its source for N s
    POST /alerts/{id}/resolve resolve it at its source ({"comment"} optional; 409 where it cannot)
    GET  /health              {"app": "shiftbell", "version", "pid", "problems", "snoozed_until"}
"""

from __future__ import annotations

import errno
import hmac
import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import web

from shiftbell import __version__
from shiftbell.core.alert import Alert, AlertKey, Incoming, Status
from shiftbell.core.board import Changes
from shiftbell.core.errors import FeedError, UnknownAlertError
from shiftbell.receiver.address import (
    DEFAULT_RECEIVER_PORT,
    LOCAL_FEED_ID,
    RECEIVER_HOST,
    WEBHOOK_FEED_ID,
)
from shiftbell.receiver.request_bodies import (
    MAX_COMMENT,
    Rejected,
    comment_in,
    parsed,
    read_json,
    seconds_in,
    sender_of,
)
from shiftbell.receiver.wire import (
    alert_to_json,
    parse_local_alerts,
    parse_local_snapshot,
)
from shiftbell.runtime.desk import AlertDesk
from shiftbell.sources.alertmanager.webhook import parse_alertmanager_webhook

log = logging.getLogger(__name__)

HOST = RECEIVER_HOST
DEFAULT_PORT = DEFAULT_RECEIVER_PORT
MAX_BODY_BYTES = 1024 * 1024
MAX_ALERT_SNOOZE_S = 7 * 24 * 3600  # a week: longer is acknowledging it
# While the store cannot save, senders are asked to come back after this long.
UNSAVED_RETRY_AFTER_S = 30

LOCAL_SOURCE = "local"
WEBHOOK_SOURCE = "Alertmanager (webhook)"

T = TypeVar("T")
_Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class ReceiverCommands:
    """What the app does when asked through the API; each is called on the receiver's thread.

    The app hands the work to its UI thread itself (the callables must be quick
    and thread-safe). `snooze` and `reload` are optional: without them those answer 501.
    """

    show_window: Callable[[], None]
    test_alarm: Callable[[], None]
    snooze: Callable[[int], None] | None = None
    reload: Callable[[], None] | None = None
    # One alert's own snooze: (alert id, seconds); until when one holds an alert back.
    snooze_alert: Callable[[str, float], None] | None = None
    snoozed_until: Callable[[str], datetime | None] = lambda _alert_id: None
    # What /health adds for the CLI: {"problems": [...], "feeds": [...], "snoozed_until": ...}.
    report: Callable[[], Mapping[str, object]] | None = None
    # The pre-shift check, run now (`shiftbell check`): the items as JSON-ready dicts.
    check: Callable[[], Awaitable[list[dict[str, object]]]] | None = None


class LocalReceiver:
    """The HTTP server; `start()` and `stop()` run on the app's asyncio loop.

    Attributes:
        url: "http://127.0.0.1:PORT" once started (the real port when asked for 0).
    """

    def __init__(
        self,
        desk: AlertDesk,
        token: str,
        port: int,
        *,
        level_of: Callable[[Alert], int],
        commands: ReceiverCommands,
        why_no_unack: Callable[[Alert], str] = lambda _alert: "",
        why_no_silence: Callable[[Alert], str] = lambda _alert: "",
        why_no_resolve: Callable[[Alert], str] = lambda _alert: "",
        config_path: Path | None = None,
        max_body_bytes: int = MAX_BODY_BYTES,
        fallback_ports: Sequence[int] = (),
    ) -> None:
        if not token:
            raise ValueError("the receiver needs a non-empty token")
        self._desk = desk
        self._token = token.encode()
        self._requested_port = port
        self._fallback_ports = tuple(fallback_ports)  # tried in order while ports are taken
        self._level_of = level_of
        self._why_no_unack = why_no_unack
        self._why_no_silence = why_no_silence
        self._why_no_resolve = why_no_resolve
        self._commands = commands
        self._config_path = config_path
        self._max_body_bytes = max_body_bytes
        self._runner: web.AppRunner | None = None
        self._port: int | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the receiver is not started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    async def start(self) -> None:
        """Listen on 127.0.0.1; raises FeedError saying what to do when the port is taken."""
        app = web.Application(
            client_max_size=self._max_body_bytes, middlewares=[self._guard_middleware]
        )
        routes = [
            web.get("/api/v1/health", self._health),
            web.get("/api/v1/alerts", self._list_alerts),
            web.post("/api/v1/alerts", self._post_alerts),
            web.put("/api/v1/alerts", self._put_alerts),
            web.post("/api/v1/alertmanager", self._post_alertmanager),
            web.post("/api/v1/alerts/{id}/ack", self._ack_one),
            web.post("/api/v1/alerts/{id}/unack", self._unack_one),
            web.post("/api/v1/alerts/{id}/snooze", self._snooze_one),
            web.post("/api/v1/alerts/{id}/silence", self._silence_one),
            web.post("/api/v1/alerts/{id}/resolve", self._resolve_one),
            web.post("/api/v1/ack-all", self._ack_all),
            web.post("/api/v1/test-alarm", self._test_alarm),
            web.post("/api/v1/show", self._show),
            web.post("/api/v1/reload", self._reload),
            web.post("/api/v1/snooze", self._snooze),
            web.post("/api/v1/check", self._check),
        ]
        app.add_routes(routes)
        # access_log=None: we log each request ourselves, with the reason when refused.
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        ports = (self._requested_port, *self._fallback_ports)
        for index, port in enumerate(ports):
            try:
                await web.TCPSite(runner, HOST, port).start()
                break
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE and index + 1 < len(ports):
                    log.info("port %d on %s is taken; trying %d", port, HOST, ports[index + 1])
                    continue
                await runner.cleanup()
                raise FeedError(self._bind_error(exc, ports)) from exc
        self._runner = runner
        self._port = int(runner.addresses[0][1])
        log.info("local receiver listening on %s", self.url)

    async def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()
            log.info("local receiver stopped")

    def _bind_error(self, exc: OSError, ports: Sequence[int]) -> str:
        where = self._config_path or "the config file"
        place = f"port {ports[-1]} on {HOST}"
        if exc.errno == errno.EADDRINUSE and len(ports) > 1:
            return (
                f"ports {min(ports)} to {max(ports)} on {HOST} are all in use: set a free "
                f"[receiver] port in {where}"
            )
        if exc.errno == errno.EADDRINUSE:
            return f"{place} is in use by another program: set [receiver] port in {where}"
        if exc.errno == errno.EACCES:
            return f"{place} may not be used by this user: set [receiver] port in {where}"
        return f"cannot listen on {place} ({exc.strerror}): set [receiver] port in {where}"

    # -- the guard around every request ------------------------------------------------------

    @web.middleware
    async def _guard_middleware(
        self, request: web.Request, handler: _Handler
    ) -> web.StreamResponse:
        """Check the token first, then turn every failure into a JSON answer."""
        try:
            self._check_token(request)
            return await handler(request)
        except Rejected as exc:
            return self._refuse(request, exc.status, exc.message)
        except web.HTTPRequestEntityTooLarge:
            # aiohttp's own answer is text/plain; clients of this API read JSON.
            return self._refuse(
                request,
                413,
                f"request body is larger than {self._max_body_bytes} bytes; "
                "send fewer alerts per request",
            )
        except web.HTTPException as exc:
            if exc.status < 400:
                raise
            message = (
                f"no such endpoint: {request.method} {request.path}"
                if exc.status in (404, 405)
                else exc.reason
            )
            return self._refuse(request, exc.status, message)
        except Exception:
            log.exception("local receiver failed on %s %s", request.method, request.path)
            return web.json_response(
                {"error": "internal error in Shiftbell; details are in its log"}, status=500
            )

    def _check_token(self, request: web.Request) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, presented = header.partition(" ")
        if scheme.lower() != "bearer" or not presented.strip():
            raise Rejected(
                401,
                "missing token: send `Authorization: Bearer <token>`; `shiftbell token` prints it",
            )
        # Constant-time, so the answer time says nothing about how much of it matched.
        if not hmac.compare_digest(presented.strip().encode(), self._token):
            raise Rejected(
                401, "wrong token: `shiftbell token` prints the one this Shiftbell accepts"
            )

    def _refuse(self, request: web.Request, status: int, message: str) -> web.Response:
        # Never the headers or the body: the token (or a near miss of it) lives there.
        log.warning("refused %s %s (%d): %s", request.method, request.path, status, message)
        headers = None
        if status == 401:
            headers = {"WWW-Authenticate": 'Bearer realm="shiftbell"'}
        elif status == 503:
            headers = {"Retry-After": str(UNSAVED_RETRY_AFTER_S)}
        return web.json_response({"error": message}, status=status, headers=headers)

    def _require_saved(self) -> None:
        """A 2xx means saved: while the store cannot save, say so and have the sender retry."""
        if not self._desk.saved and not self._desk.flush():
            raise Rejected(
                503,
                f"Shiftbell cannot save its state ({self._desk.store_problem}); the alarm "
                "follows what was sent, but it is not on disk yet: send it again later",
            )

    # -- pushing alerts ----------------------------------------------------------------------

    async def _post_alerts(self, request: web.Request) -> web.Response:
        items = parsed(parse_local_alerts, await read_json(request))
        changes = self._desk.ingest(LOCAL_FEED_ID, items, LOCAL_SOURCE)
        return self._merged(request, LOCAL_FEED_ID, items, changes)

    async def _put_alerts(self, request: web.Request) -> web.Response:
        items = parsed(parse_local_snapshot, await read_json(request))
        changes = self._desk.replace_snapshot(LOCAL_FEED_ID, items, LOCAL_SOURCE)
        return self._merged(request, LOCAL_FEED_ID, items, changes)

    async def _post_alertmanager(self, request: web.Request) -> web.Response:
        batch = parsed(parse_alertmanager_webhook, await read_json(request))
        if batch.truncated_alerts:
            log.warning(
                "Alertmanager receiver %r left out %d alerts (max_alerts); "
                "raise it so every alert reaches Shiftbell",
                batch.receiver,
                batch.truncated_alerts,
            )
        source = f"{WEBHOOK_SOURCE}: {batch.receiver}" if batch.receiver else WEBHOOK_SOURCE
        changes = self._desk.ingest(WEBHOOK_FEED_ID, batch.items, source)
        return self._merged(request, WEBHOOK_FEED_ID, batch.items, changes)

    def _merged(
        self, request: web.Request, feed_id: str, items: Sequence[Incoming], changes: Changes
    ) -> web.Response:
        """Answer with the alert each reported key ended up as, in the order sent."""
        latest: dict[AlertKey, Alert] = {a.key: a for a in self._desk.active()}
        for changed in changes.all:
            latest.setdefault(changed.key, changed)  # resolved ones left the board
        alerts: list[Alert] = []
        not_found: list[str] = []
        seen: set[str] = set()
        for item in items:
            if item.source_id in seen:
                continue
            seen.add(item.source_id)
            alert = latest.get(AlertKey(feed_id, item.source_id))
            if alert is None:
                not_found.append(item.source_id)  # resolving something already gone
            else:
                alerts.append(alert)
        titles = ", ".join(repr(i.title) for i in items[:5]) + (", ..." if len(items) > 5 else "")
        self._require_saved()
        log.info(
            "%s %s: %d alert(s) accepted (%d new, %d updated, %d resolved)%s",
            request.method,
            request.path,
            len(items),
            len(changes.new),
            len(changes.updated),
            len(changes.resolved),
            f": {titles}" if items else "",
        )
        body: dict[str, Any] = {"alerts": self._json_list(alerts)}
        named = {AlertKey(feed_id, key) for key in seen}
        dropped = [a for a in changes.resolved if a.key not in named]
        if dropped:
            body["resolved"] = self._json_list(dropped)  # a snapshot that left them out
        if not_found:
            body["not_found"] = not_found
        return web.json_response(body, status=201 if changes.new else 200)

    # -- reading and acknowledging -----------------------------------------------------------

    async def _list_alerts(self, request: web.Request) -> web.Response:
        log.debug("listing active alerts")  # polled by scripts: INFO would flood the log
        return web.json_response({"alerts": self._json_list(self._desk.active())})

    async def _ack_one(self, request: web.Request) -> web.Response:
        comment = await comment_in(request)

        def acknowledge(alert_id: str, via: str) -> object:
            return self._desk.acknowledge(alert_id, via, comment)

        return self._change_one(request, acknowledge, "acknowledged")

    async def _resolve_one(self, request: web.Request) -> web.Response:
        comment = await comment_in(request)
        alert = self._desk.get(request.match_info["id"])
        if alert is not None and (why := self._why_no_resolve(alert)):
            raise Rejected(409, f"alert {alert.id} cannot be resolved from here: {why}")

        def resolve(alert_id: str, via: str) -> object:
            return self._desk.resolve(alert_id, via, comment)

        return self._change_one(request, resolve, "resolved")

    async def _unack_one(self, request: web.Request) -> web.Response:
        alert = self._desk.get(request.match_info["id"])
        if alert is not None and (why := self._why_no_unack(alert)):
            raise Rejected(409, f"alert {alert.id} stays acknowledged: {why}")
        return self._change_one(request, self._desk.unacknowledge, "un-acknowledged")

    def _change_one(
        self, request: web.Request, change: Callable[[str, str], object], done: str
    ) -> web.Response:
        alert_id = request.match_info["id"]
        try:
            changes = change(alert_id, sender_of(request))
        except UnknownAlertError:
            raise Rejected(404, f"no active alert with id {alert_id!r}") from None
        self._require_saved()
        alert = self._desk.get(alert_id)
        # Resolved here (one sent with `shiftbell send`): it left the board, say how it ended.
        gone = list(changes.resolved) if isinstance(changes, Changes) else []
        log.info("%s alert %s via %s", done, alert_id, sender_of(request))
        return web.json_response({"alerts": self._json_list([alert] if alert else gone)})

    async def _ack_all(self, request: web.Request) -> web.Response:
        changes = self._desk.acknowledge_all(via=sender_of(request))
        self._require_saved()
        log.info("acknowledged all: %d alert(s) via %s", len(changes.updated), sender_of(request))
        return web.json_response({"alerts": self._json_list(list(changes.updated))})

    def _json_list(self, alerts: Sequence[Alert]) -> list[dict[str, Any]]:
        until = self._commands.snoozed_until
        return [alert_to_json(a, self._level_of(a), until(a.id)) for a in alerts]

    # -- commands ----------------------------------------------------------------------------

    async def _test_alarm(self, request: web.Request) -> web.Response:
        self._commands.test_alarm()
        log.info("test alarm requested")
        return web.json_response({"ok": True})

    async def _check(self, request: web.Request) -> web.Response:
        if self._commands.check is None:
            raise Rejected(501, "this Shiftbell cannot run its check from the API")
        items = await self._commands.check()
        return web.json_response({"ok": all(i["ok"] for i in items), "items": items})

    async def _show(self, request: web.Request) -> web.Response:
        self._commands.show_window()
        log.info("window requested")
        return web.json_response({"ok": True})

    async def _reload(self, request: web.Request) -> web.Response:
        if self._commands.reload is None:
            raise Rejected(501, "this Shiftbell cannot reload its feeds from the API")
        self._commands.reload()
        log.info("reload of the feeds requested")
        return web.json_response({"ok": True})

    async def _snooze(self, request: web.Request) -> web.Response:
        if self._commands.snooze is None:
            raise Rejected(501, "this Shiftbell cannot snooze from the API")
        body = await read_json(request)
        minutes = body.get("minutes") if isinstance(body, dict) else None
        if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 1440:
            raise Rejected(400, "minutes: required, a whole number from 1 to 1440")
        self._commands.snooze(minutes)
        log.info("snoozed for %d minutes", minutes)
        return web.json_response({"ok": True, "minutes": minutes})

    async def _silence_one(self, request: web.Request) -> web.Response:
        body = await read_json(request)
        seconds = seconds_in(body, 60, MAX_ALERT_SNOOZE_S)
        comment = body.get("comment", "") if isinstance(body, dict) else ""
        if not isinstance(comment, str) or len(comment) > MAX_COMMENT:
            raise Rejected(400, f"comment: optional, text of at most {MAX_COMMENT} characters")
        alert = self._desk.get(request.match_info["id"])
        if alert is not None and (why := self._why_no_silence(alert)):
            raise Rejected(409, f"alert {alert.id} cannot be silenced: {why}")

        def silence(alert_id: str, via: str) -> object:
            return self._desk.silence(alert_id, via, seconds, comment)

        return self._change_one(request, silence, "silenced")

    async def _snooze_one(self, request: web.Request) -> web.Response:
        if self._commands.snooze_alert is None:
            raise Rejected(501, "this Shiftbell cannot snooze an alert from the API")
        alert_id = request.match_info["id"]
        seconds = seconds_in(await read_json(request), 1, MAX_ALERT_SNOOZE_S)
        alert = self._desk.get(alert_id)
        if alert is None:
            raise Rejected(404, f"no active alert with id {alert_id!r}")
        if alert.status is not Status.FIRING:
            raise Rejected(409, f"alert {alert_id} is {alert.status.value}: nothing to snooze")
        self._commands.snooze_alert(alert_id, seconds)
        log.info("alert %s snoozed for %g s via %s", alert_id, seconds, sender_of(request))
        until = datetime.now(UTC) + timedelta(seconds=seconds)
        return web.json_response(
            {"alerts": self._json_list([alert]), "snoozed_until": until.isoformat()}
        )

    async def _health(self, request: web.Request) -> web.Response:
        report = self._commands.report() if self._commands.report is not None else {}
        return web.json_response(
            {**report, "app": "shiftbell", "version": __version__, "pid": os.getpid()}
        )
