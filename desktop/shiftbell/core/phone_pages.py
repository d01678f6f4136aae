"""When an alarm nobody answers goes to the person's phone: a pure function of time.

The desktop alarm rings for nobody when the lid is closed or the person is in the kitchen.
An alert still firing `phone_after` (per severity) after it started alarming is sent to the
phone channels the person configured, once per alarm stretch: acknowledged and firing again
later, it may be sent again; the same stretch never twice, however often this is asked.

What counts as "alarming" is what the escalation says (core/escalation.py): an alert held
back by the schedule or quiet hours is not alarming and goes nowhere; its count starts when
the hold ends, as the ramp's does. A snoozed alert is not sent while the snooze holds: the
person saw it and chose "later". When the snooze ends the count is where it would have been,
so an alert snoozed past its time goes to the phone as soon as the snooze ends unanswered.

Nothing here sends anything or reads a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta

from shiftbell.core.alert import Alert, Status
from shiftbell.core.escalation import (
    DEFAULT_SCHEDULE_SETTINGS,
    AlarmAges,
    EscalationSettings,
    ScheduleSettings,
    held_by,
    since_and_elapsed,
)
from shiftbell.core.schedule import OnCallState


def pages_due(
    alerts: Iterable[Alert],
    settings: EscalationSettings,
    now: datetime,
    *,
    sent: Mapping[str, datetime],
    on_call: OnCallState | None = None,
    schedule: ScheduleSettings = DEFAULT_SCHEDULE_SETTINGS,
    ages: AlarmAges | None = None,
    steady: datetime | None = None,
    snoozed: Callable[[Alert], bool] = lambda alert: False,
) -> list[Alert]:
    """The alerts to send to the phone now, longest alarming first.

    `sent` maps an alert id to the `alarm_since` of the stretch already sent.
    `ages` and `steady` measure alarming time on the steady clock, as the alarm does.
    """
    due: list[tuple[timedelta, Alert]] = []
    for alert in alerts:
        if alert.status is not Status.FIRING or sent.get(alert.id) == alert.alarm_since:
            continue
        after = settings.for_severity(alert.severity).phone_after
        if after is None or snoozed(alert):
            continue
        elapsed = _alarming_for(alert, now, on_call, schedule, ages, steady)
        if elapsed is not None and elapsed >= after:
            due.append((elapsed, alert))
    due.sort(key=lambda pair: pair[0], reverse=True)
    return [alert for _, alert in due]


def before_sleep(
    alerts: Iterable[Alert],
    settings: EscalationSettings,
    *,
    sent: Mapping[str, datetime],
) -> list[Alert]:
    """What to hand to the phone as the machine goes to sleep or shuts down: every firing
    alert of a severity that goes to the phone at all, not sent yet, however young (asleep,
    the desktop cannot ring for it)."""
    return [
        alert
        for alert in alerts
        if alert.status is Status.FIRING
        and settings.for_severity(alert.severity).phone_after is not None
        and sent.get(alert.id) != alert.alarm_since
    ]


def _alarming_for(
    alert: Alert,
    now: datetime,
    on_call: OnCallState | None,
    schedule: ScheduleSettings,
    ages: AlarmAges | None,
    steady: datetime | None,
) -> timedelta | None:
    """How long the alert has alarmed, counted as the escalation counts; None while the
    schedule or quiet hours hold it back. (A severity without a sound still counts: a person
    may want warnings on the phone and not on the speakers.)"""
    if held_by(alert.severity, now, on_call, schedule):
        return None
    elapsed = ages.elapsed(alert, now, steady) if ages is not None and steady else None
    return since_and_elapsed(alert, now, on_call, schedule, elapsed)[1]
