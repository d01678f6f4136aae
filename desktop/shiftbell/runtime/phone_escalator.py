"""Sends unanswered alarms to the person's phones, hears their acknowledgements, and stops the
phone ringing once the desktop answered.

The UI's tick decides what is due (core/phone_pages.py) and calls `page` from the main
thread; the sending, the polling and the cancelling run on the worker loop, so a phone
service that hangs holds up nothing else. Every page goes to every configured phone.

- Sent once: an alarm stretch is claimed before anything is sent, so the next tick does not
  send it again; a channel that fails is retried every `POLL_S` while the alert still fires,
  and its failure is a problem in the tray and the window until a send works.
- Answered on the phone (ntfy's button, Pushover's acknowledgement): the alert is
  acknowledged in Shiftbell like any other acknowledgement ("via phone"), so it also goes to
  the alert's source; the other phones' pages are cancelled.
- Answered anywhere else (acknowledged, resolved, silenced): the open pages are cancelled
  (Pushover stops ringing) within one poll, `POLL_S`.
- Going to sleep or shutting down (system/sleep_watch.py): every unanswered alert that would
  go to the phone goes at once (`hand_over`), before the machine stops.
- What was sent is kept on disk (store/phone_page_store.py): a restart pages nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets as random
import threading
from collections.abc import Callable, Coroutine, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from shiftbell.core.alert import Alert, Status
from shiftbell.core.clock import Clock
from shiftbell.core.errors import ShiftbellError, UnknownAlertError
from shiftbell.core.escalation import AlarmAges, EscalationSettings, ScheduleSettings
from shiftbell.core.phone_pages import before_sleep, pages_due
from shiftbell.core.readiness import CheckItem
from shiftbell.core.schedule import OnCallState
from shiftbell.phones import registry
from shiftbell.phones.channel import Page, PhoneChannel, PhoneConfig
from shiftbell.runtime.desk import AlertDesk
from shiftbell.store.credentials import SecretStore
from shiftbell.store.phone_page_store import PhonePages, PhonePageStore, SentPage
from shiftbell.system.problem_log import ProblemLog

log = logging.getLogger(__name__)

# Pushover asks for receipts to be polled no more often than this; a failed send is retried
# as often (one small request to a service that is down costs nothing).
POLL_S = 5.0
CHECK_TIMEOUT_S = 15.0
_FIX_PHONE = "Unanswered alarms cannot reach your phone: `shiftbell phone test NAME` says more."
ACK_VIA = "phone"
SECRET_SCOPE = "phone"
# ntfy's `since` is the server's clock: ask from a little before the page was sent.
_CLOCK_SLACK = timedelta(minutes=2)

Submit = Callable[[Coroutine[Any, Any, Any]], object]


class PhoneEscalator:
    def __init__(
        self,
        desk: AlertDesk,
        clock: Clock,
        secrets: SecretStore,
        store: PhonePageStore,
        submit: Submit,
        on_problem: Callable[[str], None],
        *,
        open_channel: Callable[[PhoneConfig, str], PhoneChannel] | None = None,
    ) -> None:
        self._desk = desk
        self._clock = clock
        self._secrets = secrets
        self._store = store
        self._submit = submit
        self._on_problem = on_problem
        self._open_channel = open_channel or _open_channel
        self._lock = threading.Lock()
        kept = store.load()
        self._sent: dict[str, datetime] = kept.sent
        self._open: list[SentPage] = kept.open
        # Claimed alarm stretches a channel has yet to take: (alert, channel name).
        self._unsent: list[tuple[Alert, str]] = []
        self._channels: dict[str, PhoneChannel] = {}
        self._problems: dict[str, str] = {}
        self._said = ProblemLog(log, "cannot reach a phone", "the phones are reachable again")
        self._task: asyncio.Task[None] | None = None

    # -- any thread ---------------------------------------------------------------------------

    @property
    def sent(self) -> Mapping[str, datetime]:
        with self._lock:
            return dict(self._sent)

    def check(
        self,
        alerts: Sequence[Alert],
        settings: EscalationSettings,
        now: datetime,
        *,
        on_call: OnCallState | None,
        schedule: ScheduleSettings,
        ages: AlarmAges,
        steady: datetime,
        snoozed: Callable[[Alert], bool],
    ) -> None:
        """Page what is due now (core/phone_pages.py); the UI's tick calls this."""
        if not self._channels:
            return
        due = pages_due(
            alerts,
            settings,
            now,
            sent=self.sent,
            on_call=on_call,
            schedule=schedule,
            ages=ages,
            steady=steady,
            snoozed=snoozed,
        )
        if due:
            self.page(due)

    def page(self, alerts: Sequence[Alert], why: str = "") -> None:
        """Send these alerts to every phone, each alarm stretch once."""
        with self._lock:
            fresh = [a for a in alerts if self._sent.get(a.id) != a.alarm_since]
            for alert in fresh:
                self._sent[alert.id] = alert.alarm_since
        if fresh and self._channels:
            self._submit(self._send_all(fresh, why))

    # -- the worker loop ----------------------------------------------------------------------

    async def hand_over(self, what: str, settings: EscalationSettings) -> None:
        """The machine is going to sleep or shutting down: nobody will hear the desktop, so
        every unanswered alert that would go to the phone goes now, however young."""
        if self._unsent:
            await self._retry()  # what a phone service refused earlier: one more try now
        due = before_sleep(self._desk.active(), settings, sent=self.sent)
        if not due or not self._channels:
            return
        with self._lock:
            for alert in due:
                self._sent[alert.id] = alert.alarm_since
        why = f"The computer is going to {what}: its alarm will not be heard."
        log.warning("handing %d alert(s) to the phone before %s", len(due), what)
        await self._send_all(due, why)

    async def apply(self, phones: Sequence[PhoneConfig]) -> None:
        """Open the configured phones (their secrets from the keyring), close the others."""
        wanted = {phone.name: phone for phone in phones}
        for name in [n for n in self._channels if n not in wanted]:
            await self._channels.pop(name).aclose()
            self._set_problem(name, "")
        for name, config in wanted.items():
            old = self._channels.pop(name, None)
            if old is not None:
                await old.aclose()
            try:
                secret = await asyncio.to_thread(self._secrets.get, name, scope=SECRET_SCOPE)
                self._channels[name] = self._open_channel(config, secret)
            except ShiftbellError as exc:
                self._set_problem(name, f"Phone {name} cannot be used: {exc}")
                continue
            self._set_problem(name, "")
        if self._channels and (self._task is None or self._task.done()):
            self._task = asyncio.create_task(self._watch(), name="phone pages")
        log.info("phones: %s", ", ".join(self._channels) or "none")

    async def readiness(self) -> list[CheckItem]:
        """The pre-shift check of every phone: does its service accept us now?"""
        items = []
        for name, channel in list(self._channels.items()):
            what = f"Phone {name}"
            try:
                seen = await asyncio.wait_for(channel.check(), CHECK_TIMEOUT_S)
            except TimeoutError:
                items.append(CheckItem(f"phone:{name}", what, False, "no answer", _FIX_PHONE))
            except ShiftbellError as exc:
                items.append(CheckItem(f"phone:{name}", what, False, str(exc), _FIX_PHONE))
            else:
                items.append(CheckItem(f"phone:{name}", what, True, seen))
        for topic, text in self._problems.items():
            if topic not in self._channels and topic != "(file)":
                items.append(CheckItem(f"phone:{topic}", f"Phone {topic}", False, text, _FIX_PHONE))
        return items

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        for channel in self._channels.values():
            await channel.aclose()
        self._channels.clear()

    async def _send_all(self, alerts: Sequence[Alert], why: str) -> None:
        for alert in alerts:
            for name in list(self._channels):
                await self._send(alert, name, why)
        self._save()

    async def _send(self, alert: Alert, name: str, why: str = "") -> None:
        channel = self._channels.get(name)
        if channel is None:
            return
        page = Page.of(alert, random.token_urlsafe(12), why=why)
        try:
            handle = await channel.send(page)
        except ShiftbellError as exc:
            self._unsent.append((alert, name))
            self._set_problem(
                name,
                f"Cannot send alerts to phone {name}: {exc}. Retrying every {POLL_S:.0f} s.",
            )
            return
        self._set_problem(name, "")
        log.warning("sent alert %s (%s) to phone %s", alert.id, alert.title, name)
        with self._lock:
            self._open.append(
                SentPage(alert.id, alert.alarm_since, name, handle, self._clock.now())
            )

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(POLL_S)
            try:
                await self._close_answered_elsewhere()
                await self._hear_phones()
                if self._unsent:
                    await self._retry()
            except Exception:  # the watch must outlive any one bad answer
                log.exception("watching the phone pages failed")

    async def _retry(self) -> None:
        waiting, self._unsent = self._unsent, []
        for alert, name in waiting:
            now = self._desk.get(alert.id)
            if now is not None and _same_stretch(now, alert.alarm_since):
                await self._send(now, name)
        self._save()

    async def _hear_phones(self) -> None:
        with self._lock:
            pages = list(self._open)
        by_phone: dict[str, list[SentPage]] = {}
        for sent in pages:
            by_phone.setdefault(sent.phone, []).append(sent)
        for name, mine in by_phone.items():
            channel = self._channels.get(name)
            if channel is None or not channel.acknowledges:
                continue
            since = min(p.sent_at for p in mine) - _CLOCK_SLACK
            try:
                answers = await channel.answered([p.handle for p in mine], since)
            except ShiftbellError as exc:
                log.warning("cannot ask phone %s about its pages: %s", name, exc)
                continue
            for answer in answers:
                found = next((p for p in mine if p.handle == answer.handle), None)
                if found is not None:
                    self._acknowledge(found, answer.by)

    def _acknowledge(self, sent: SentPage, by: str) -> None:
        who = f" ({by})" if by else ""
        comment = f"Acknowledged on the phone{who}"
        log.warning("alert %s acknowledged on phone %s%s", sent.alert_id, sent.phone, who)
        current = self._desk.get(sent.alert_id)
        if current is None or not _same_stretch(current, sent.alarm_since):
            return
        with contextlib.suppress(UnknownAlertError):  # resolved meanwhile
            self._desk.acknowledge(sent.alert_id, ACK_VIA, comment)

    async def _close_answered_elsewhere(self) -> None:
        with self._lock:
            done = [p for p in self._open if not self._still_ringing(p)]
            self._open = [p for p in self._open if p not in done]
        for sent in done:
            channel = self._channels.get(sent.phone)
            if channel is None:
                continue
            try:
                await channel.cancel(sent.handle)
            except ShiftbellError as exc:
                log.warning("cannot cancel the page on phone %s: %s", sent.phone, exc)
        if done:
            self._save()

    def _still_ringing(self, sent: SentPage) -> bool:
        alert = self._desk.get(sent.alert_id)
        return alert is not None and _same_stretch(alert, sent.alarm_since)

    def _save(self) -> None:
        with self._lock:
            active = {a.id for a in self._desk.active()}
            # Alerts that left the board need no memory: a new one has a new id.
            self._sent = {k: v for k, v in self._sent.items() if k in active}
            pages = PhonePages(dict(self._sent), list(self._open))
        try:
            self._store.save(pages)
        except OSError as exc:
            self._set_problem(
                "(file)",
                f"Cannot save what went to the phone to {self._store.path} "
                f"({exc.strerror or exc}): after a restart a page may be sent again.",
            )
        else:
            self._set_problem("(file)", "")

    def _set_problem(self, topic: str, text: str) -> None:
        if text:
            self._problems[topic] = text
        else:
            self._problems.pop(topic, None)
        joined = "\n".join(self._problems.values())
        if self._said.set(joined):
            self._on_problem(joined)


def _same_stretch(alert: Alert, alarm_since: datetime) -> bool:
    return alert.status is Status.FIRING and alert.alarm_since == alarm_since


def _open_channel(config: PhoneConfig, secret: str) -> PhoneChannel:
    spec = registry.find(config.kind)
    if spec is None:
        raise ShiftbellError(f"unknown phone kind {config.kind!r}")
    return spec.open(config, secret)
