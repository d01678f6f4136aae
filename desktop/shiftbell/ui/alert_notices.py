"""Which alerts get a notification and which lose theirs, from the desk's changes.

An alert that starts firing is noted, and notified at the next flush, so a storm that
arrives as many batches makes one grouped notification ("37 new alerts, 5 critical") rather
than 37 bubbles; one that stops firing (acknowledged, resolved) has its notification
withdrawn, or is dropped from the waiting ones before it was ever shown.
"""

from __future__ import annotations

from collections.abc import Iterable

from shiftbell.core.alert import Alert, Status
from shiftbell.core.board import Changes
from shiftbell.ui.notifier import GROUP_KEY, Notifier

# More new alerts than this at once make one notification ("37 new alerts, 5 critical").
MAX_SEPARATE_NOTIFICATIONS = 3


class AlertNotices:
    """The notifications of `notifier` kept in step with the alerts; `active` are those the
    desk has at start (already notified before, if at all)."""

    def __init__(self, notifier: Notifier, active: Iterable[Alert]) -> None:
        self._notifier = notifier
        self._known_status: dict[str, Status] = {alert.id: alert.status for alert in active}
        self._to_notify: dict[str, Alert] = {}
        self._grouped: set[str] = set()  # the alerts the grouped notification stands for
        self._history_changed = False

    def note(self, changes: Changes) -> None:
        for alert in changes.new + changes.updated:
            previous = self._known_status.get(alert.id)
            if alert.status is Status.FIRING and previous is not Status.FIRING:
                self._to_notify[alert.id] = alert
            elif alert.status is not Status.FIRING and previous is Status.FIRING:
                self._withdraw(alert.id)
            self._known_status[alert.id] = alert.status
        for alert in changes.resolved:
            if self._known_status.pop(alert.id, None) is Status.FIRING:
                self._withdraw(alert.id)
        self._history_changed |= bool(changes.resolved) or any(
            a.status is not Status.FIRING for a in changes.updated
        )

    def flush(self, warning: str) -> bool:
        """Notify what started firing since the last flush, each with `warning` (the alarm
        cannot sound: the notification is then all there is). True if the history changed."""
        fresh = list(self._to_notify.values())
        self._to_notify.clear()
        if len(fresh) > MAX_SEPARATE_NOTIFICATIONS:
            self._notifier.notify_group(fresh, warning)
            self._grouped.update(a.id for a in fresh)
        else:
            for alert in fresh:
                self._notifier.notify_new(alert, warning)
        history, self._history_changed = self._history_changed, False
        return history

    def _withdraw(self, alert_id: str) -> None:
        if self._to_notify.pop(alert_id, None) is not None:
            return  # gone before it was shown
        if alert_id in self._grouped:
            self._grouped.discard(alert_id)
            if not self._grouped:
                self._notifier.withdraw(GROUP_KEY)
            return
        self._notifier.withdraw(alert_id)
