"""What the tray icon should show, as a pure function of plain data.

No Qt here: the rules that decide between "all clear", "firing", "snoozed" and
"something is broken" are the ones a person on call relies on at a glance, so
they are tested without a QApplication, a tray or a clock.

With a schedule the tray also answers "am I on call": the tooltip
says until when, and an all-clear icon is dimmed while off call. Alerts keep
precedence over that: a firing alert shows as firing whatever the schedule says,
and the tooltip says when its alarm is held back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum

from shiftbell.core.alert import Alert, Severity, Status
from shiftbell.core.escalation import AlarmState, Suppression
from shiftbell.core.feed_status import FeedStatus as FeedStatus  # re-exported for ui
from shiftbell.core.schedule import OnCallState
from shiftbell.core.snooze import Snooze
from shiftbell.ui.schedule_text import tray_line

APP_NAME = "Shiftbell"
# Long titles would make the tooltip wider than the screen on some desktops.
_TITLE_LIMIT = 80
# How the tooltip names what holds an alarm back, in this order.
_HELD_BY = {Suppression.OFF_SHIFT: "off call", Suppression.QUIET_HOURS: "quiet hours"}


class TrayIconName(StrEnum):
    """The tray icon files in resources/icons/, one per state (without `.svg`)."""

    CLEAR = "clear"
    CLEAR_OFF_CALL = "clear-off-call"  # all clear and off call: the bell dimmed, a moon badge
    FIRING_INFO = "firing-info"
    FIRING_WARNING = "firing-warning"
    FIRING_CRITICAL = "firing-critical"
    ACKNOWLEDGED = "acknowledged"
    FEED_ERROR = "feed-error"
    # Snoozed keeps the severity: the bell's colour, with the snooze badge.
    SNOOZED_INFO = "snoozed-info"
    SNOOZED_WARNING = "snoozed-warning"
    SNOOZED_CRITICAL = "snoozed-critical"

    @classmethod
    def firing(cls, severity: Severity) -> TrayIconName:
        return cls(f"firing-{severity.value}")

    @classmethod
    def snoozed(cls, severity: Severity) -> TrayIconName:
        return cls(f"snoozed-{severity.value}")


@dataclass(frozen=True)
class TrayState:
    """Everything the tray needs to draw itself.

    Attributes:
        icon: which icon file to show.
        tooltip: plain text, one fact per line; the first line is the headline.
        firing: how many alerts are firing (enables "Acknowledge all").
        snoozed: whether a snooze holds back an alarm right now (shows "Resume alarm").
        top_id, top_title: the most urgent firing alert (what "Acknowledge “…”" acts on), or
            "" when nothing fires.
    """

    icon: TrayIconName
    tooltip: str
    firing: int = 0
    snoozed: bool = False
    top_id: str = ""
    top_title: str = ""


def tray_state(
    active: Sequence[Alert],
    feed_statuses: Sequence[FeedStatus],
    snooze: Snooze | None,
    now: datetime,
    problems: Sequence[str] = (),
    tz: tzinfo | None = None,
    *,
    on_call: OnCallState | None = None,
    alarm: AlarmState | None = None,
    steady: datetime | None = None,
) -> TrayState:
    """Decide the tray icon and tooltip.

    Precedence, first match wins:
    1. snoozed-<highest severity among firing alerts>: while a snooze holds alerts
       back, the icon says so, because its job is to tell the person what the alarm
       is doing, and a silenced alarm that looks like an ordinary "firing" would hide
       the snooze; the colour still says how bad it is. A snooze holding nothing
       (its alerts acknowledged or resolved) is over and shows as nothing.
    2. firing-<highest severity among firing alerts>.
    3. feed-error: a feed is not ok or the app has a problem (no audio, disk full):
       a silent failure is the worst failure, so it outranks "acknowledged".
    4. acknowledged: alerts are active but somebody has them.
    5. clear, or clear-off-call when `on_call` says off call.

    `tz` is the zone for clock times in the tooltip; None means the local zone.
    `on_call` (core.schedule.on_call_state for `now`) adds the "On call until Tue
    09:00" line; None (no schedule configured) leaves the tooltip as before
    schedules. `alarm` (core.escalation.alarm_state for `now`) lets the headline
    say when firing alerts are held back: "2 firing — silent: off call".
    """
    firing = [a for a in active if a.status is Status.FIRING]
    acknowledged = [a for a in active if a.status is Status.ACKNOWLEDGED]
    failing_feeds = [f for f in feed_statuses if not f.ok]
    held = snooze.holding(firing, now, steady) if snooze is not None else []
    snoozed = bool(held)
    worst = max((a.severity for a in firing), key=lambda s: s.rank, default=None)

    if snoozed and worst is not None:
        icon = TrayIconName.snoozed(worst)
    elif firing:
        icon = TrayIconName.firing(max((a.severity for a in firing), key=lambda s: s.rank))
    elif failing_feeds or problems:
        icon = TrayIconName.FEED_ERROR
    elif acknowledged:
        icon = TrayIconName.ACKNOWLEDGED
    elif on_call is not None and not on_call.on_call:
        icon = TrayIconName.CLEAR_OFF_CALL
    else:
        icon = TrayIconName.CLEAR

    counts = alert_counts(firing, acknowledged)
    if snoozed and snooze is not None:
        headline = f"{snooze_text(snooze, held, tz).lower()} — {counts}"
    elif counts:
        headline = counts + (_held_back(alarm) if firing else "")
    elif failing_feeds or problems:
        # Not "all clear": with a feed down, nobody can know that.
        headline = "no active alerts"
    else:
        headline = "all clear"

    lines = [f"{APP_NAME} — {headline}"]
    top = most_urgent(firing) if firing else None
    if top is not None:
        lines.append(f"{top.severity.value.capitalize()}: {_one_line(top.title)}")
    if on_call is not None:
        lines.append(tray_line(on_call, now, tz))
    lines.extend(f"{f.name}: {_one_line(f.message) or 'not working'}" for f in failing_feeds)
    lines.extend(_one_line(p) for p in problems)
    return TrayState(
        icon=icon,
        tooltip="\n".join(lines),
        firing=len(firing),
        snoozed=snoozed,
        top_id=top.id if top is not None else "",
        top_title=_one_line(top.title) if top is not None else "",
    )


def snooze_text(snooze: Snooze, held: Sequence[Alert], tz: tzinfo | None = None) -> str:
    """ "Alarm snoozed until 03:40 (2 alerts)": the window's and the tray's words."""
    count = f"{len(held)} alert{'s' if len(held) != 1 else ''}"
    return f"Alarm snoozed until {format_clock_time(snooze.until, tz)} ({count})"


def _held_back(alarm: AlarmState | None) -> str:
    """ " — silent: off call" when the schedule holds firing alerts back; "" otherwise.

    "partly silent" when something still sounds (by default a critical alert
    alarms off call while a warning's chime is held back).
    """
    if alarm is None or not alarm.suppressed_by:
        return ""
    reasons = ", ".join(text for rule, text in _HELD_BY.items() if rule in alarm.suppressed_by)
    return f" — {'partly silent' if alarm.audible else 'silent'}: {reasons}"


def alert_counts(firing: Sequence[Alert], acknowledged: Sequence[Alert]) -> str:
    """E.g. "2 firing (1 critical), 1 acknowledged"; "" when there is nothing."""
    parts = []
    if firing:
        critical = sum(1 for a in firing if a.severity is Severity.CRITICAL)
        text = f"{len(firing)} firing"
        if critical:
            text += f" ({critical} critical)"
        parts.append(text)
    if acknowledged:
        parts.append(f"{len(acknowledged)} acknowledged")
    return ", ".join(parts)


def most_urgent(alerts: Sequence[Alert]) -> Alert:
    """The highest severity, and among equals the one that has waited longest."""
    return min(alerts, key=lambda a: (-a.severity.rank, a.alarm_since, a.id))


def format_clock_time(when: datetime, tz: tzinfo | None = None) -> str:
    """Wall-clock time the person reads, e.g. "03:15", in `tz` (None: the local zone)."""
    return when.astimezone(tz).strftime("%H:%M")


def _one_line(text: str) -> str:
    """Collapse whitespace and cut long text so one alert cannot flood the tooltip."""
    flat = " ".join(text.split())
    if len(flat) > _TITLE_LIMIT:
        flat = flat[: _TITLE_LIMIT - 1].rstrip() + "…"
    return flat
