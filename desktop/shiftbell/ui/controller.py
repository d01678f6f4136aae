"""Keeps the tray, the window, the notifications and the alarm in step with the desk.

Changes arrive from any thread through the desk's listeners and are handed to
the main thread; acknowledgements from the tray, the window and notification
buttons all come here and take one path, so every place behaves the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from shiftbell.core.alert import Alert, Status
from shiftbell.core.board import Changes
from shiftbell.core.clock import Clock
from shiftbell.core.escalation import (
    DEFAULT_SCHEDULE_SETTINGS,
    SILENT,
    AlarmAges,
    EscalationSettings,
    ScheduleSettings,
    alarm_state,
    level_for,
)
from shiftbell.core.feed_status import RECEIVER_FEED_NAME
from shiftbell.core.schedule import OnCallSchedule, OnCallState, Override, on_call_state
from shiftbell.core.snooze import AlertSnoozes, Snooze
from shiftbell.runtime.desk import AlertDesk
from shiftbell.runtime.phone_escalator import PhoneEscalator
from shiftbell.runtime.schedule_cache import ScheduleCopy
from shiftbell.ui.alarm_process import AlarmProcess
from shiftbell.ui.alert_actions import AlertActions
from shiftbell.ui.alert_notices import AlertNotices
from shiftbell.ui.confirmations import sure_to_quit
from shiftbell.ui.notifier import Notifier
from shiftbell.ui.runner import MainThreadCaller
from shiftbell.ui.schedule_text import source_status
from shiftbell.ui.shift_notices import ShiftNotices
from shiftbell.ui.tray import TrayIcon
from shiftbell.ui.tray_state import FeedStatus, snooze_text, tray_state
from shiftbell.ui.window import MainWindow

if TYPE_CHECKING:  # the player itself lives in its own process: Qt Multimedia stays out
    from shiftbell.ui.alarm import AlarmPlayer

log = logging.getLogger(__name__)

# 4 Hz: fast enough that a volume ramp sounds smooth and an acknowledgement from
# another process is silent well within 200 ms; it only runs while something fires.
TICK_MS = 250
STEADY_TICK_MS = 1000
AGE_REFRESH_MS = 30_000
STORE_CHECK_MS = 5_000
STORE_CHECKS_PER_INTEGRITY = 6  # every 30 s


class UiController(QObject):
    """The main-thread side of the app.

    Signals:
        quit_requested: the person chose Quit in the tray menu (and said yes, ui/confirmations.py).
    """

    quit_requested = Signal()

    def __init__(
        self,
        desk: AlertDesk,
        clock: Clock,
        escalation: EscalationSettings,
        window: MainWindow,
        tray: TrayIcon,
        notifier: Notifier,
        alarm: AlarmPlayer | AlarmProcess,
        caller: MainThreadCaller,
        schedule_policy: ScheduleSettings = DEFAULT_SCHEDULE_SETTINGS,
        tz: tzinfo | None = None,
        on_override_changed: Callable[[Override | None], None] | None = None,
        snooze: Snooze | None = None,
        on_snooze_changed: Callable[[Snooze | None, AlertSnoozes], None] | None = None,
        alert_snoozes: AlertSnoozes | None = None,
    ) -> None:
        super().__init__()
        self._desk = desk
        self._clock = clock
        self._escalation = escalation
        self._schedule_policy = schedule_policy
        # No schedule configured means on call: full escalation, as without this feature.
        self.schedule: OnCallSchedule | None = None
        self._schedule_copies: list[ScheduleCopy] = []
        self._override: Override | None = None
        self.shift_notices = ShiftNotices(notifier, tz)
        self._tz = tz
        self.override_changed = on_override_changed
        self._window = window
        self._tray = tray
        self._notifier = notifier
        self._alarm = alarm
        # Kept across restarts through on_snooze_changed; see core.snooze for what it covers.
        self._snooze = snooze.timed(clock.now(), clock.steady()) if snooze is not None else None
        self.snooze_changed = on_snooze_changed
        self.alert_snoozes = (alert_snoozes or AlertSnoozes()).timed(clock.now(), clock.steady())
        # Alarm durations on the steady clock, so a wall clock that steps changes none.
        self._ages = AlarmAges()
        self._raised_window = False
        self._problems: dict[str, str] = {}
        self._store_checks = 0
        # Changes waiting for the next flush (see _on_changes).
        self._notices = AlertNotices(notifier, desk.active())
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.setInterval(0)
        self._flush_timer.timeout.connect(self._flush_changes)
        self._feeds: dict[str, FeedStatus] = {}
        self.alarm_state = SILENT  # what the last tick asked of the speakers
        self.phone: PhoneEscalator | None = None  # where unanswered alarms go (app.py)

        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(TICK_MS)
        self._tick_timer.timeout.connect(self.tick)
        self._age_timer = QTimer(self)
        self._age_timer.setInterval(AGE_REFRESH_MS)
        self._age_timer.timeout.connect(self._on_age_timer)
        self._age_timer.start()

        self.actions = AlertActions(desk, window, then=self.tick)
        window.acknowledge_requested.connect(lambda alert_id: self.acknowledge(alert_id, "window"))
        window.unacknowledge_requested.connect(self.actions.unacknowledge)
        window.silence_requested.connect(self.actions.silence)
        window.resolve_requested.connect(self.actions.resolve)
        window.comment_ack_requested.connect(
            lambda alert_id, comment: self.actions.acknowledge(alert_id, "window", comment)
        )
        window.override_requested.connect(self._on_override_requested)
        window.override_cleared.connect(self._on_override_cleared)
        window.acknowledge_all_requested.connect(lambda: self.actions.acknowledge_all("window"))
        window.resume_requested.connect(self.resume)
        window.undo_requested.connect(self.actions.undo_acknowledgements)
        window.snooze_requested.connect(self.snooze_alert)
        window.end_snooze_requested.connect(self.end_alert_snooze)
        tray.open_requested.connect(self.show_window)
        tray.acknowledge_all_requested.connect(lambda: self.actions.acknowledge_all("tray"))
        tray.acknowledge_requested.connect(lambda alert_id: self.acknowledge(alert_id, "tray"))
        tray.snooze_alert_requested.connect(self.snooze_alert)
        tray.silence_alert_requested.connect(lambda i, s: self.actions.silence(i, s, "", "tray"))
        tray.snooze_requested.connect(self.snooze)
        tray.resume_requested.connect(self.resume)
        tray.test_alarm_requested.connect(self.test_alarm)
        tray.quit_requested.connect(self._quit_if_sure)
        notifier.acknowledge_requested.connect(
            lambda alert_id: self.acknowledge(alert_id, "notification")
        )
        notifier.snooze_requested.connect(self.snooze)
        notifier.open_requested.connect(self.show_window)
        notifier.backend_changed.connect(lambda text: self.set_problem("notifications", text))
        alarm.problem.connect(lambda text: self.set_problem("audio", text))

        desk.subscribe(lambda changes: caller.call(lambda: self._on_changes(changes)))
        desk.subscribe_problems(lambda text: caller.call(lambda: self.set_problem("store", text)))
        desk.subscribe_recovery(
            lambda text: caller.call(lambda: self.set_problem("store-recovered", text))
        )
        # Saves that failed (a full disk) are written as soon as they can be, and a
        # database damaged under us is noticed within a minute.
        self._store_timer = QTimer(self)
        self._store_timer.setInterval(STORE_CHECK_MS)
        self._store_timer.timeout.connect(self._check_store)
        self._store_timer.start()
        self.refresh(history=True)

    def shutdown(self) -> None:
        """Stop the timers: nothing is redrawn or sounded after this."""
        self._tick_timer.stop()
        self._age_timer.stop()
        self._store_timer.stop()
        self._flush_timer.stop()

    def _check_store(self) -> None:
        self._store_checks += 1
        if not self._desk.saved:
            self._desk.flush()
        if self._store_checks % STORE_CHECKS_PER_INTEGRITY == 0:
            self._desk.check_store()

    # -- commands from the tray, the window, notifications and the receiver --------------------

    def acknowledge(self, alert_id: str, via: str) -> None:
        self.actions.acknowledge(alert_id, via)

    def snooze(self, minutes: int) -> None:
        """Silence what fires now for `minutes`; anything new still alarms (core.snooze)."""
        now = self._clock.now()
        length = timedelta(minutes=minutes)
        snooze = Snooze.of(self._desk.active(), now + length, self._clock.steady() + length)
        if not snooze.covered:
            log.info("snooze for %d min asked with nothing firing: nothing to snooze", minutes)
            return
        log.info(
            "alarm snoozed for %d min, until %s (%d alerts)",
            minutes,
            snooze.until.isoformat(),
            len(snooze.covered),
        )
        self._set_snooze(snooze)

    def resume(self) -> None:
        if self._snooze is None:
            return
        log.info("alarm resumed")
        self._set_snooze(None)

    def snooze_alert(self, alert_id: str, seconds: float) -> bool:
        """Hold back one alert's sound for `seconds`; it alarms again by itself after.
        False (nothing done) unless it fires."""
        alert = self._desk.get(alert_id)
        if alert is None or seconds <= 0:
            return False
        length = timedelta(seconds=seconds)
        now, steady = self._clock.now(), self._clock.steady()
        snooze = self.alert_snoozes.snooze(alert, now + length, steady + length)
        if snooze is None:
            return False
        log.info("alert %s snoozed until %s", alert_id, snooze.until.isoformat())
        self._set_snooze(self._snooze)
        return True

    def end_alert_snooze(self, alert_id: str) -> None:
        if self.alert_snoozes.end(alert_id):
            log.info("snooze of alert %s ended", alert_id)
            self._set_snooze(self._snooze)

    def _set_snooze(self, snooze: Snooze | None) -> None:
        self._snooze = snooze
        if self.snooze_changed is not None:
            self.snooze_changed(snooze, self.alert_snoozes)
        self.refresh()

    def test_alarm(self) -> None:
        log.info("test alarm")
        self._alarm.test_alarm()
        self._notifier.notify_test()

    def _quit_if_sure(self) -> None:
        firing = sum(a.status is Status.FIRING for a in self._desk.active())
        # The local receiver is always there; the feeds are what the person set up to watch.
        feeds = sum(1 for status in self._feeds.values() if status.name != RECEIVER_FEED_NAME)
        if sure_to_quit(self._window, firing, feeds):
            self.quit_requested.emit()

    def show_window(self, alert_id: str = "") -> None:
        """The window in front; on alert `alert_id` when it is given and still active."""
        self._refresh_window()
        self._refresh_schedule()
        if alert_id and self._window.show_alert(alert_id):
            log.info("window shown on alert %s", alert_id)
        else:
            self._window.bring_to_front()

    def set_feed_status(self, status: FeedStatus) -> None:
        self._feeds[status.name] = status
        self._window.set_feed_statuses(list(self._feeds.values()))
        self._update_tray()

    def remove_feed_status(self, name: str) -> None:
        if self._feeds.pop(name, None) is not None:
            self._window.set_feed_statuses(list(self._feeds.values()))
            self._update_tray()

    def set_problem(self, topic: str, text: str) -> None:
        """An app-wide problem by topic (store, audio, notifications, config, ...); "" clears it."""
        if text:
            if self._problems.get(topic) != text:
                log.warning("%s: %s", topic, text)
            self._problems[topic] = text
        elif self._problems.pop(topic, None) is not None:
            log.info("%s: recovered", topic)
        self._window.set_problems(list(self._problems.values()))
        self._update_tray()

    @property
    def snoozed_until(self) -> datetime | None:
        return self._snooze.until if self._snooze is not None else None

    def report(self) -> dict[str, object]:
        """Problems and snooze for `GET /api/v1/health` (called on the worker thread).

        Built from copies taken under the GIL, so it never sees a half-made change.
        """
        snoozed = self.snoozed_until
        return {
            "problems": list(self._problems.values()),
            "topics": dict(self._problems),  # the same, by what has the problem (readiness)
            "feeds": [
                {"name": f.name, "ok": f.ok, "message": f.message}
                for f in list(self._feeds.values())
            ],
            "snoozed_until": snoozed.isoformat() if snoozed is not None else None,
        }

    def on_call_state(self, now: datetime) -> OnCallState:
        return on_call_state(self.schedule, self._override, now)

    def set_schedule(
        self, schedule: OnCallSchedule | None, copies: Sequence[ScheduleCopy] = ()
    ) -> None:
        """The schedule from the configured sources (None: none configured, on call)."""
        self.schedule = schedule
        self._schedule_copies = list(copies)
        state = self.on_call_state(self._clock.now())
        # Logged so a person (and the end-to-end tests) can see what the alarm now follows.
        log.info(
            "schedule: %s until %s (%d shifts from %d sources)",
            "on call" if state.on_call else "off call",
            state.until.isoformat() if state.until else "further notice",
            len(schedule.shifts) if schedule is not None else 0,
            len(self._schedule_copies),
        )
        self.refresh()
        self.remind_of_shift()

    def set_policy(self, escalation: EscalationSettings, schedule_policy: ScheduleSettings) -> None:
        """New escalation and quiet-hours settings: they apply now, to what fires already."""
        self._escalation = escalation
        self._schedule_policy = schedule_policy
        self.tick()

    def set_override(self, override: Override | None) -> None:
        self._override = override
        self.refresh()

    def _on_override_requested(self, on_call: bool, until: datetime | None) -> None:
        now = self._clock.now()
        if until is None:  # "until the next shift change"
            until = on_call_state(self.schedule, None, now).until
            if until is None:
                return
        self._override_by_person(Override(on_call, until, since=now))

    def _on_override_cleared(self) -> None:
        if self._override is not None:
            self._override_by_person(self._override.cleared(self._clock.now()))

    def _override_by_person(self, override: Override | None) -> None:
        if override is None or not override.active_at(self._clock.now()):
            log.info("override cleared")
        else:
            state = "on call" if override.on_call else "off call"
            log.info("override: %s until %s", state, override.until.isoformat())
        self.set_override(override)
        if self.override_changed is not None:
            self.override_changed(override)

    def level_of(self, alert: Alert) -> int:
        """The current escalation stage of an alert, for `shiftbell status` (any thread)."""
        now = self._clock.now()
        level = level_for(
            alert,
            self._escalation,
            now,
            on_call=self.on_call_state(now),
            schedule=self._schedule_policy,
            alarm_elapsed=self._ages.elapsed(alert, now, self._clock.steady()),
        )
        return int(level.stage)

    # -- reacting ----------------------------------------------------------------------------

    def _on_changes(self, changes: Changes) -> None:
        """Note what changed; the window, the tray and the notifications follow once the
        batches already waiting are in (a storm arrives as many batches)."""
        self._notices.note(changes)
        if not self._flush_timer.isActive():
            self._flush_timer.start()

    def _flush_changes(self) -> None:
        history = self._notices.flush(self._problems.get("audio", ""))
        self._ages.keep_only(a.id for a in self._desk.active())
        self.refresh(history=history)

    def refresh(self, history: bool = False) -> None:
        self._refresh_window()
        self._refresh_schedule()
        if history:
            done = self._desk.history()
            self._window.set_history(done, self._desk.acknowledged_vias([a.id for a in done]))
        self._update_tray()
        self.tick()

    def tick(self) -> None:
        """Make the speakers and the window match the escalation policy right now."""
        now = self._clock.now()
        steady = self._clock.steady()
        active = self._desk.active()
        over = self._snooze is not None and not self._snooze.holding(active, now, steady)
        # Run out, or everything they held was acknowledged, resolved or got worse.
        ended = self.alert_snoozes.prune(active, now, steady)
        if over or ended:
            log.info("snooze over: %s", ", ".join(["everything"] * over + ended))
            if over:
                self._snooze = None
            if self.snooze_changed is not None:
                self.snooze_changed(self._snooze, self.alert_snoozes)
            self._update_tray()
            self._refresh_window()
        state = alarm_state(
            active,
            self._escalation,
            now,
            self._snooze,
            on_call=self.on_call_state(now),
            schedule=self._schedule_policy,
            ages=self._ages,
            steady=steady,
            alert_snoozes=self.alert_snoozes.by_id,
        )
        suppression_changed = state.suppressed_by != self.alarm_state.suppressed_by
        previous, self.alarm_state = self.alarm_state, state
        self._alarm.apply(state)
        if self.phone is not None:
            self.phone.check(
                active,
                self._escalation,
                now,
                on_call=self.on_call_state(now),
                schedule=self._schedule_policy,
                ages=self._ages,
                steady=steady,
                snoozed=lambda alert: self._snoozed(alert, now, steady),
            )
        if suppression_changed:
            self._update_tray()
        if state.raise_window and not self._raised_window:
            log.info("escalation: bringing the window to the front")
            self.show_window()
        self._raised_window = state.raise_window
        # 4 Hz while a volume ramps (it must sound smooth); once the alarm is steady,
        # 1 Hz is enough for the next step, chime or snooze end, and costs a quarter of
        # the work with thousands of alerts. Changes and clicks tick at once anyway.
        ramping = state.loop_sound is not None and state.loop_volume != previous.loop_volume
        self._tick_timer.setInterval(TICK_MS if ramping else STEADY_TICK_MS)
        busy = self._snooze is not None or any(a.status is Status.FIRING for a in active)
        if busy and not self._tick_timer.isActive():
            self._tick_timer.start()
        elif not busy and self._tick_timer.isActive():
            self._tick_timer.stop()

    def _snoozed(self, alert: Alert, now: datetime, steady: datetime) -> bool:
        held = [self._snooze, self.alert_snoozes.by_id.get(alert.id)]
        return any(s is not None and s.covers(alert, now, steady) for s in held)

    def _refresh_window(self) -> None:
        now = self._clock.now()
        active = self._desk.active()
        self._window.set_alerts(
            active, now, {i: s.until for i, s in self.alert_snoozes.by_id.items()}
        )
        snooze = self._snooze
        held = snooze.holding(active, now, self._clock.steady()) if snooze is not None else []
        self._window.set_snooze(snooze_text(snooze, held, self._tz) if snooze and held else "")

    def _on_age_timer(self) -> None:
        # Ages count down where seen (show_window redraws); the on-call answer may change.
        if self._window.isVisible():
            self._refresh_window()
            self._refresh_schedule()
        self._update_tray()
        self.remind_of_shift()

    def remind_of_shift(self) -> None:
        self.shift_notices.remind(self.schedule, self._clock.now(), self._schedule_policy)

    def _refresh_schedule(self) -> None:
        now = self._clock.now()
        schedule = self.schedule if self.schedule is not None else OnCallSchedule.unknown()
        self._window.set_schedule(
            self.on_call_state(now),
            list(schedule.shifts),
            [source_status(copy, now, self._tz) for copy in self._schedule_copies],
            now,
        )

    def _update_tray(self) -> None:
        now = self._clock.now()
        configured = self.schedule is not None or self._override is not None
        state = tray_state(
            self._desk.active(),
            list(self._feeds.values()),
            self._snooze,
            now,
            list(self._problems.values()),
            self._tz,
            on_call=self.on_call_state(now) if configured else None,
            alarm=self.alarm_state,
            steady=self._clock.steady(),
        )
        self._tray.set_state(state)
