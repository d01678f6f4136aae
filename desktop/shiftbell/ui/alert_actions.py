"""What the person does to alerts from the window and the tray, in one place: acknowledge,
silence, resolve, take an acknowledgement back, acknowledge all (asked first when that
acknowledges several alerts at a source the team shares, then open to Undo for a while)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from shiftbell.core.alert import Status
from shiftbell.core.errors import UnknownAlertError
from shiftbell.runtime.desk import AlertDesk
from shiftbell.sources.build import AlertAbilities
from shiftbell.ui.confirmations import sure_to_acknowledge_all
from shiftbell.ui.window import MainWindow

log = logging.getLogger(__name__)


class AlertActions:
    """Actions on `desk`'s alerts; `then` runs after each (the controller's tick: the alarm
    follows at once, not at the next tick)."""

    def __init__(self, desk: AlertDesk, window: MainWindow, then: Callable[[], None]) -> None:
        self._desk = desk
        self._window = window
        self._then = then
        # What each feed's source can do (app.py sets the one that follows the config).
        self.abilities = AlertAbilities(lambda _feed: None)

    def acknowledge(self, alert_id: str, via: str, comment: str = "") -> None:
        try:
            self._desk.acknowledge(alert_id, via, comment)
        except UnknownAlertError as exc:
            log.info("acknowledge from %s: %s", via, exc)
        self._then()

    def silence(self, alert_id: str, seconds: float, comment: str, via: str = "window") -> None:
        """Silence it at its source for `seconds` with `comment` (an Alertmanager silence)."""
        try:
            self._desk.silence(alert_id, via, seconds, comment)
        except UnknownAlertError as exc:
            log.info("silence from %s: %s", via, exc)
        self._then()

    def resolve(self, alert_id: str, comment: str, via: str = "window") -> None:
        """Resolve it at its source (one sent with `shiftbell send`: here), where it can be."""
        alert = self._desk.get(alert_id)
        if alert is not None and (why := self.abilities.why_no_resolve(alert)):
            log.info("resolve from %s: %s: %s", via, alert_id, why)
            return
        try:
            self._desk.resolve(alert_id, via, comment)
        except UnknownAlertError as exc:
            log.info("resolve from %s: %s", via, exc)
        self._then()

    def unacknowledge(self, alert_id: str, via: str = "window") -> None:
        try:
            self._desk.unacknowledge(alert_id, via)
        except UnknownAlertError as exc:
            log.info("un-acknowledge from %s: %s", via, exc)
        self._then()

    def acknowledge_all(self, via: str) -> None:
        """Acknowledge what fires; asked first when that acknowledges more than one alert
        at a source the team shares, and open to Undo for a while in the window."""
        firing = [a for a in self._desk.active() if a.status is Status.FIRING]
        shared = [a.key.feed_id for a in firing if self.abilities.acknowledged_for_everyone(a)]
        if not sure_to_acknowledge_all(self._window, len(firing), shared):
            return
        acked = [a.id for a in self._desk.acknowledge_all(via).updated]
        self._then()
        if acked:
            noun = "alert" if len(acked) == 1 else "alerts"
            self._window.offer_undo(f"Acknowledged {len(acked)} {noun}.", acked)

    def undo_acknowledgements(self, alert_ids: Sequence[str]) -> None:
        """Take back what "Acknowledge all" did, where each source can (AlertAbilities)."""
        kept: dict[str, str] = {}
        for alert_id in alert_ids:
            alert = self._desk.get(alert_id)
            if alert is None or alert.status is not Status.ACKNOWLEDGED:
                continue
            if why := self.abilities.why_no_unack(alert):
                kept[alert_id] = why
            else:
                self._desk.unacknowledge(alert_id, "window")
        self._then()
        if kept:
            text = f"{len(kept)} stayed acknowledged: {'; '.join(sorted(set(kept.values())))}."
            log.info("undo: %s (%s)", text, ", ".join(kept))
            self._window.offer_undo(text, [])
