"""Escalation: how loud the alarm is for an unacknowledged alert, as a pure function of time.

Nothing here plays a sound or reads the clock. The UI asks `alarm_state` a few
times a second while something is firing and makes the speakers match the answer,
so every rule below is tested with a fake clock and no waiting.

The schedule makes it quieter, never louder:

- On call (or no schedule, or no `on_call` given): full escalation, as always.
- Off call: notification only; a critical alert alarms anyway unless
  `off_shift_critical_alarms` is False.
- Quiet hours: notification only; a critical alert alarms anyway unless
  `quiet_hours_critical_alarms` is False. Quiet hours are the person's own
  hours of the day and apply on and off shift: being on call at night does not
  make a warning worth a chime at 3 am, while a critical one still gets through.
- When both hold, an alert must be let through by both: critical wins unless
  the person turned it off for either.
- An alert held back and then let through (the shift starts, the override
  says "on call", quiet hours end) escalates from that moment, not from when it
  fired: it starts at the ramp's first volume, not straight at the siren with
  the window thrown to the front. The notification was shown when it fired, and
  the ramp is there so a person who is at the desk can acknowledge before it
  gets harsh; the newly on-call person gets the same chance. The full siren is
  at most `harsher_after` away.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from shiftbell.core.alert import Alert, Severity, Status
from shiftbell.core.schedule import OnCallState, QuietHours
from shiftbell.core.snooze import Snooze


class Sound(StrEnum):
    CHIME = "chime"
    ALARM = "alarm"
    SIREN = "siren"


class Stage(IntEnum):
    """How far escalation has gone; `shiftbell status` prints it as `level`."""

    NOTIFY = 0  # notification only, or nothing to do
    SOUND = 1  # chime or alarm
    HARSH = 2  # the siren
    WINDOW = 3  # the window comes to the front as well


@dataclass(frozen=True)
class SeverityPolicy:
    """What an unacknowledged alert of one severity does over time.

    `sound=None` means notification only. A looping sound plays until acknowledged
    and ramps its volume; a non-looping one (the chime) plays once every `repeat_every`.
    """

    sound: Sound | None = None
    loop: bool = False
    repeat_every: timedelta = timedelta(seconds=60)
    volume_start: float = 1.0
    volume_end: float = 1.0
    ramp: timedelta = timedelta(0)
    harsher_after: timedelta | None = None
    raise_window_after: timedelta | None = None
    # Still unacknowledged this long after it started alarming: to the person's phone
    # (core/phone_pages.py); None = never.
    phone_after: timedelta | None = None


@dataclass(frozen=True)
class EscalationSettings:
    info: SeverityPolicy = field(default_factory=SeverityPolicy)
    warning: SeverityPolicy = field(
        default_factory=lambda: SeverityPolicy(
            sound=Sound.CHIME,
            loop=False,
            repeat_every=timedelta(seconds=60),
            volume_start=0.7,
            volume_end=0.7,
        )
    )
    critical: SeverityPolicy = field(
        default_factory=lambda: SeverityPolicy(
            sound=Sound.ALARM,
            loop=True,
            volume_start=0.3,
            volume_end=1.0,
            ramp=timedelta(seconds=60),
            harsher_after=timedelta(minutes=2),
            raise_window_after=timedelta(minutes=4),
            phone_after=timedelta(minutes=3),
        )
    )

    def for_severity(self, severity: Severity) -> SeverityPolicy:
        return {
            Severity.INFO: self.info,
            Severity.WARNING: self.warning,
            Severity.CRITICAL: self.critical,
        }[severity]


class Suppression(StrEnum):
    """Why an alert that would sound is held back to a notification."""

    OFF_SHIFT = "off-shift"
    QUIET_HOURS = "quiet-hours"


@dataclass(frozen=True)
class ScheduleSettings:
    """How the on-call schedule and quiet hours soften escalation (see the module doc).

    Attributes:
        off_shift_critical_alarms: a critical alert alarms even when off call.
        quiet_hours: the daily quiet window in the person's zone; None = none.
        quiet_hours_critical_alarms: a critical alert alarms even in quiet hours.
        reminder_lead: how long before a shift to remind; 0 = no reminder.
        check_lead: how long before a shift to check that everything that wakes the person
            works (core/readiness.py); 0 = no check.
    """

    off_shift_critical_alarms: bool = True
    quiet_hours: QuietHours | None = None
    quiet_hours_critical_alarms: bool = True
    reminder_lead: timedelta = timedelta(minutes=15)
    check_lead: timedelta = timedelta(minutes=30)


DEFAULT_SCHEDULE_SETTINGS = ScheduleSettings()


@dataclass(frozen=True)
class AlertLevel:
    """Where one alert stands in its escalation at a given moment.

    `suppressed_by` is non-empty when the alert would sound but the schedule or
    quiet hours hold it back to a notification (stage NOTIFY, no sound).
    """

    stage: Stage
    sound: Sound | None = None
    volume: float = 0.0
    loop: bool = False
    chime_due: datetime | None = None  # the latest one-shot that is due, for non-looping sounds
    raise_window: bool = False
    suppressed_by: frozenset[Suppression] = frozenset()


QUIET = AlertLevel(Stage.NOTIFY)


def level_for(
    alert: Alert,
    settings: EscalationSettings,
    now: datetime,
    *,
    on_call: OnCallState | None = None,
    schedule: ScheduleSettings = DEFAULT_SCHEDULE_SETTINGS,
    alarm_elapsed: timedelta | None = None,
) -> AlertLevel:
    """The alert's level at `now`.

    `on_call` is `on_call_state(...)` for the same `now`; None means on call
    (no schedule), which with the default `schedule` is the behaviour from
    before schedules existed. `alarm_elapsed` is how long the alert has been
    alarming, measured on the steady clock (AlarmAges): a wall clock that steps
    then changes no ramp, repeat or siren step. None: `now - alarm_since`.
    """
    if alert.status is not Status.FIRING:
        return QUIET
    policy = settings.for_severity(alert.severity)
    if policy.sound is None:
        return QUIET
    held = held_by(alert.severity, now, on_call, schedule)
    if held:
        return AlertLevel(Stage.NOTIFY, suppressed_by=held)
    since, elapsed = since_and_elapsed(alert, now, on_call, schedule, alarm_elapsed)
    return _level(policy, since, elapsed)


def since_and_elapsed(
    alert: Alert,
    now: datetime,
    on_call: OnCallState | None,
    schedule: ScheduleSettings,
    alarm_elapsed: timedelta | None,
) -> tuple[datetime, timedelta]:
    """Where the alert's escalation counts from, and how far it has got."""
    since = _sounding_since(alert, now, on_call, schedule)
    if alarm_elapsed is not None and since == alert.alarm_since:
        return since, max(alarm_elapsed, timedelta(0))
    # Counting from a shift start or the end of quiet hours: wall-clock events.
    return since, max(now - since, timedelta(0))


def _level(policy: SeverityPolicy, since: datetime, elapsed: timedelta) -> AlertLevel:
    raise_window = policy.raise_window_after is not None and elapsed >= policy.raise_window_after
    harsh = policy.harsher_after is not None and elapsed >= policy.harsher_after
    if raise_window:
        stage = Stage.WINDOW
    elif harsh:
        stage = Stage.HARSH
    else:
        stage = Stage.SOUND
    sound = Sound.SIREN if harsh else policy.sound
    volume = _ramp(policy, elapsed)
    if policy.loop:
        return AlertLevel(stage, sound, volume, loop=True, raise_window=raise_window)
    return AlertLevel(
        stage,
        sound,
        volume,
        loop=False,
        chime_due=_chime_due(policy, since, elapsed),
        raise_window=raise_window,
    )


def _chime_due(policy: SeverityPolicy, since: datetime, elapsed: timedelta) -> datetime:
    period = policy.repeat_every if policy.repeat_every > timedelta(0) else _NEVER_AGAIN
    return since + period * (elapsed // period)


# A chime with no repeat plays once; as a period, ten years is "never again".
_NEVER_AGAIN = timedelta(days=3650)
_NEVER_AGAIN_S = _NEVER_AGAIN.total_seconds()


@dataclass
class _Group:
    """The firing alerts of one severity, as far as alarm_state needs them."""

    policy: SeverityPolicy
    held: frozenset[Suppression]
    # (since, elapsed seconds) of: the alert alarming longest (snoozed ones too), the
    # same among those heard, and the one whose chime was due last. Seconds as floats:
    # this runs for every firing alert at every tick.
    oldest: tuple[datetime, float] | None = None
    oldest_heard: tuple[datetime, float] | None = None
    latest_due: tuple[datetime, float] | None = None
    _due: float = -math.inf

    def add(self, since: datetime, since_s: float, elapsed_s: float, *, heard: bool) -> None:
        if self.oldest is None or elapsed_s > self.oldest[1]:
            self.oldest = (since, elapsed_s)
        if not heard:
            return
        if self.oldest_heard is None or elapsed_s > self.oldest_heard[1]:
            self.oldest_heard = (since, elapsed_s)
        if not self.policy.loop:
            period = self.policy.repeat_every.total_seconds() or _NEVER_AGAIN_S
            due = since_s + period * (elapsed_s // period)
            if due > self._due:
                self._due = due
                self.latest_due = (since, elapsed_s)

    def level(self, which: tuple[datetime, float]) -> AlertLevel:
        return _level(self.policy, which[0], timedelta(seconds=which[1]))


class AlarmAges:
    """How long each alert has been alarming, on the steady clock.

    An alert's `alarm_since` is a wall time (it survives restarts); the first time an
    alert is seen alarming, its age so far is taken from the wall clock once and tied
    to the steady clock, which counts from there. A new alarm stretch (a new
    `alarm_since`) starts a new count. Safe to call from two threads (a dict of
    immutable entries).
    """

    def __init__(self) -> None:
        # id -> (alarm_since, its steady-clock start in seconds, alarm_since in seconds)
        self._anchors: dict[str, tuple[datetime, float, float]] = {}

    def elapsed(self, alert: Alert, now: datetime, steady: datetime) -> timedelta:
        return timedelta(seconds=self.seconds(alert, now, steady.timestamp())[0])

    def seconds(self, alert: Alert, now: datetime, steady_s: float) -> tuple[float, float]:
        """(seconds alarming, alarm_since as a timestamp): `elapsed` for the hot loop."""
        anchor = self._anchors.get(alert.id)
        if anchor is None or anchor[0] != alert.alarm_since:
            so_far = max((now - alert.alarm_since).total_seconds(), 0.0)
            anchor = (alert.alarm_since, steady_s - so_far, alert.alarm_since.timestamp())
            self._anchors[alert.id] = anchor
        return steady_s - anchor[1], anchor[2]

    def keep_only(self, alert_ids: Iterable[str]) -> None:
        """Forget alerts that left the board."""
        keep = set(alert_ids)
        for alert_id in [a for a in self._anchors if a not in keep]:
            self._anchors.pop(alert_id, None)


def _holds(rule: Suppression, severity: Severity, schedule: ScheduleSettings) -> bool:
    """Whether `rule`, while in force, holds back an alert of this severity."""
    if severity is not Severity.CRITICAL:
        return True
    if rule is Suppression.OFF_SHIFT:
        return not schedule.off_shift_critical_alarms
    return not schedule.quiet_hours_critical_alarms


def held_by(
    severity: Severity, now: datetime, on_call: OnCallState | None, schedule: ScheduleSettings
) -> frozenset[Suppression]:
    rules: set[Suppression] = set()
    if on_call is not None and not on_call.on_call:
        rules.add(Suppression.OFF_SHIFT)
    if schedule.quiet_hours is not None and schedule.quiet_hours.contains(now):
        rules.add(Suppression.QUIET_HOURS)
    return frozenset(rule for rule in rules if _holds(rule, severity, schedule))


def _sounding_since(
    alert: Alert, now: datetime, on_call: OnCallState | None, schedule: ScheduleSettings
) -> datetime:
    """Where escalation counts from: firing, or the end of the last hold on this alert.

    Only holds that applied to this alert's severity count: a critical alert
    that alarmed all through the night does not start over when quiet hours end.
    """
    since = alert.alarm_since
    if (
        on_call is not None
        and on_call.since is not None
        and _holds(Suppression.OFF_SHIFT, alert.severity, schedule)
    ):
        since = max(since, on_call.since)
    quiet = schedule.quiet_hours
    if quiet is not None and _holds(Suppression.QUIET_HOURS, alert.severity, schedule):
        since = max(since, quiet.last_end(now))
    return since


def _ramp(policy: SeverityPolicy, elapsed: timedelta) -> float:
    if policy.ramp <= timedelta(0) or elapsed >= policy.ramp:
        fraction = 1.0
    else:
        fraction = elapsed / policy.ramp
    volume = policy.volume_start + (policy.volume_end - policy.volume_start) * fraction
    return min(max(volume, 0.0), 1.0)


@dataclass(frozen=True)
class AlarmState:
    """What the speakers and the window should do right now, over all alerts.

    `loop_sound` plays continuously at `loop_volume`. The chime is a one-shot: the
    player plays it whenever `chime_due` changes to a new time.
    """

    loop_sound: Sound | None = None
    loop_volume: float = 0.0
    chime_due: datetime | None = None
    chime_volume: float = 0.0
    raise_window: bool = False
    snoozed: bool = False  # a snooze holds back at least one firing alert
    stage: Stage = Stage.NOTIFY
    # Why firing alerts are held back to notifications, for the tray tooltip.
    suppressed_by: frozenset[Suppression] = frozenset()

    @property
    def audible(self) -> bool:
        return self.loop_sound is not None or self.chime_due is not None


SILENT = AlarmState()


def alarm_state(
    alerts: Iterable[Alert],
    settings: EscalationSettings,
    now: datetime,
    snooze: Snooze | None = None,
    *,
    on_call: OnCallState | None = None,
    schedule: ScheduleSettings = DEFAULT_SCHEDULE_SETTINGS,
    ages: AlarmAges | None = None,
    steady: datetime | None = None,
    alert_snoozes: Mapping[str, Snooze] | None = None,
) -> AlarmState:
    """Combine every alert's level: the loudest loop wins, the latest due chime counts.

    Alerts the `snooze` covers, or their own snooze in `alert_snoozes` (by alert id), count
    for `stage` (the tray still shows them) but make no sound and raise no window; anything
    else sounds as usual, snooze or not.
    `on_call` and `schedule` as for `level_for`. With `ages` and `steady` (the steady
    clock's reading), durations and the snooze are measured on the steady clock.
    """
    # Stage and volume only grow with time, so per severity the alert alarming longest
    # decides the loop, the stage and the window; only the chime, whose beat differs per
    # alert, needs every one. Each alert costs a few comparisons (10,000 at 4 Hz).
    groups: dict[Severity, _Group] = {}
    snoozed = False
    steady_s = steady.timestamp() if steady is not None else None
    # No shift start or end of quiet hours to count from: escalation counts from each
    # alert's alarm_since, the quick way.
    plain = (on_call is None or on_call.since is None) and schedule.quiet_hours is None
    for alert in alerts:
        if alert.status is not Status.FIRING:
            continue
        own = alert_snoozes.get(alert.id) if alert_snoozes else None
        covered = (snooze is not None and snooze.covers(alert, now, steady)) or (
            own is not None and own.covers(alert, now, steady)
        )
        snoozed = snoozed or covered
        group = groups.get(alert.severity)
        if group is None:
            policy = settings.for_severity(alert.severity)
            group = _Group(policy, held_by(alert.severity, now, on_call, schedule))
            groups[alert.severity] = group
        if group.policy.sound is None or group.held:
            continue
        if plain and ages is not None and steady_s is not None:
            elapsed_s, since_s = ages.seconds(alert, now, steady_s)
            group.add(alert.alarm_since, since_s, max(elapsed_s, 0.0), heard=not covered)
            continue
        elapsed = ages.elapsed(alert, now, steady) if ages is not None and steady else None
        since, counted = since_and_elapsed(alert, now, on_call, schedule, elapsed)
        group.add(since, since.timestamp(), counted.total_seconds(), heard=not covered)
    stage = Stage.NOTIFY
    suppressed: set[Suppression] = set()
    loops: list[AlertLevel] = []
    chimes: list[AlertLevel] = []
    raise_window = False
    for group in groups.values():
        if group.policy.sound is None:
            continue
        suppressed |= group.held
        if group.held or group.oldest is None:
            continue
        stage = max(stage, group.level(group.oldest).stage)
        if group.oldest_heard is None:
            continue
        heard = group.level(group.oldest_heard)
        raise_window = raise_window or heard.raise_window
        if group.policy.loop:
            loops.append(heard)
        elif group.latest_due is not None:
            chimes.append(group.level(group.latest_due))
    suppressed_by = frozenset(suppressed)
    loudest = max(loops, key=lambda lv: (lv.stage, lv.volume), default=None)
    latest = max(chimes, key=lambda lv: lv.chime_due or now, default=None)
    return AlarmState(
        loop_sound=loudest.sound if loudest else None,
        loop_volume=loudest.volume if loudest else 0.0,
        # While a loop sounds, a chime on top adds nothing but noise.
        chime_due=latest.chime_due if latest and loudest is None else None,
        chime_volume=latest.volume if latest and loudest is None else 0.0,
        raise_window=raise_window,
        snoozed=snoozed,
        stage=stage,
        suppressed_by=suppressed_by,
    )
