"""Escalation: how loud the alarm is for an unacknowledged alert, as a pure function of time.

Nothing here plays a sound or reads the clock. The UI asks `alarm_state` a few
times a second while something is firing and makes the speakers match the answer,
so every rule below is tested with a fake clock and no waiting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from shiftbell.core.alert import Alert, Severity, Status


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
        )
    )

    def for_severity(self, severity: Severity) -> SeverityPolicy:
        return {
            Severity.INFO: self.info,
            Severity.WARNING: self.warning,
            Severity.CRITICAL: self.critical,
        }[severity]


@dataclass(frozen=True)
class AlertLevel:
    """Where one alert stands in its escalation at a given moment."""

    stage: Stage
    sound: Sound | None = None
    volume: float = 0.0
    loop: bool = False
    chime_due: datetime | None = None  # the latest one-shot that is due, for non-looping sounds
    raise_window: bool = False


QUIET = AlertLevel(Stage.NOTIFY)


def level_for(alert: Alert, settings: EscalationSettings, now: datetime) -> AlertLevel:
    if alert.status is not Status.FIRING:
        return QUIET
    policy = settings.for_severity(alert.severity)
    if policy.sound is None:
        return QUIET
    elapsed = max(now - alert.alarm_since, timedelta(0))
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
    period = policy.repeat_every if policy.repeat_every > timedelta(0) else timedelta(days=3650)
    due = alert.alarm_since + period * (elapsed // period)
    return AlertLevel(stage, sound, volume, loop=False, chime_due=due, raise_window=raise_window)


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
    snoozed: bool = False
    stage: Stage = Stage.NOTIFY

    @property
    def audible(self) -> bool:
        return self.loop_sound is not None or self.chime_due is not None


SILENT = AlarmState()


def alarm_state(
    alerts: Iterable[Alert],
    settings: EscalationSettings,
    now: datetime,
    snoozed_until: datetime | None = None,
) -> AlarmState:
    """Combine every alert's level: the loudest loop wins, the latest due chime counts."""
    levels = [level_for(a, settings, now) for a in alerts]
    stage = max((lv.stage for lv in levels), default=Stage.NOTIFY)
    if snoozed_until is not None and now < snoozed_until:
        return AlarmState(snoozed=True, stage=stage)
    loops = [lv for lv in levels if lv.loop and lv.sound is not None]
    loudest = max(loops, key=lambda lv: (lv.stage, lv.volume), default=None)
    chimes = [lv for lv in levels if lv.chime_due is not None]
    latest = max(chimes, key=lambda lv: lv.chime_due or now, default=None)
    return AlarmState(
        loop_sound=loudest.sound if loudest else None,
        loop_volume=loudest.volume if loudest else 0.0,
        # While a loop sounds, a chime on top adds nothing but noise.
        chime_due=latest.chime_due if latest and loudest is None else None,
        chime_volume=latest.volume if latest and loudest is None else 0.0,
        raise_window=any(lv.raise_window for lv in levels),
        stage=stage,
    )
