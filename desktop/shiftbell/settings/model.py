"""What a person can configure, as typed values with their defaults.

The parts of the app get these objects, never raw keys, so a misspelt option is
a type error at development time and a clear message at load time (toml_store),
not a silent default somewhere deep in the UI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import time, timedelta, tzinfo
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shiftbell.core.escalation import EscalationSettings, ScheduleSettings
from shiftbell.core.schedule import QuietHours
from shiftbell.phones.channel import PhoneConfig
from shiftbell.receiver.address import AUTO_PORT
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.schedule import ScheduleSourceConfig

# Feed names become alert-key prefixes, keyring user names and CLI arguments:
# keep them to characters that need no quoting anywhere.
FEED_NAME = re.compile(r"[A-Za-z0-9._-]+")
FEED_NAME_MAX = 64
DEFAULT_FEED_INTERVAL_S = 15.0
MAX_FEED_INTERVAL_S = 60.0 * 60
MAX_FEED_STALE_AFTER_S = 24.0 * 60 * 60
MIN_FEED_STALE_AFTER_S = 120.0

# [[schedules]]: how often a schedule is fetched by default is its source's
# (`SourceSpec.schedule_interval_s`). Below a minute only adds load; a day is the longest a
# schedule may go unrefreshed (core.schedule trusts a copy for two weeks).
MIN_SCHEDULE_INTERVAL_S = 60.0
MAX_SCHEDULE_INTERVAL_S = 24.0 * 60 * 60
# `location` of an ICS schedule whose link is in the keyring (SecretStore scope "schedule"):
# private calendar links (PagerDuty, Opsgenie) are credentials, and the config file is not
# private. File paths are not secrets and stay in the file.
KEYRING_LOCATION = "keyring"


def default_stale_after_s(interval_s: float) -> float:
    """Stale after four missed polls, but never sooner than two minutes."""
    return max(MIN_FEED_STALE_AFTER_S, 4 * interval_s)


class NotificationBackend(StrEnum):
    """Which notification system shows alerts; AUTO picks the best one that works here."""

    AUTO = "auto"
    DESKTOP_NOTIFIER = "desktop-notifier"
    PLYER = "plyer"
    TRAY = "tray"


@dataclass(frozen=True)
class ReceiverSettings:
    """The local receiver: HTTP on 127.0.0.1 for `shiftbell send` and Alertmanager."""

    port: int = AUTO_PORT  # see receiver/address.py


@dataclass(frozen=True)
class NotificationSettings:
    backend: NotificationBackend = NotificationBackend.AUTO
    snooze_choices_min: tuple[int, ...] = (5, 15, 60)


@dataclass(frozen=True)
class AlarmSettings:
    """Where the alarm plays; `output_device=""` is the system's default output.
    `raise_output`: unmute and raise the default output while a looping alarm sounds."""

    output_device: str = ""
    raise_output: bool = True
    every_output: bool = True


@dataclass(frozen=True)
class ScheduleConfig:
    """The [schedule] section: how the on-call schedule and quiet hours soften the alarm.

    The file names a zone (`time_zone`), or "" for the computer's own, which
    can change when the person travels; so the settings keep the name and the
    app, which knows the machine's zone, makes the escalation policy with
    `policy(local_zone)`.
    """

    off_shift_critical_alarms: bool = ScheduleSettings.off_shift_critical_alarms
    quiet_hours: tuple[time, time] | None = None
    quiet_hours_critical_alarms: bool = ScheduleSettings.quiet_hours_critical_alarms
    time_zone: str = ""
    reminder_lead: timedelta = ScheduleSettings.reminder_lead
    check_lead: timedelta = ScheduleSettings.check_lead
    check_sound: bool = False  # the check before a shift plays the test alarm too

    def zone(self, local_zone: tzinfo) -> tzinfo:
        """The zone quiet hours are read in: `time_zone`, else `local_zone`."""
        if not self.time_zone:
            return local_zone
        try:
            return ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            return local_zone  # the loader reported it already

    def policy(self, local_zone: tzinfo) -> ScheduleSettings:
        """The escalation's view of this section, with quiet hours in the person's zone."""
        quiet = None
        if self.quiet_hours is not None:
            quiet = QuietHours(*self.quiet_hours, tz=self.zone(local_zone))
        return ScheduleSettings(
            off_shift_critical_alarms=self.off_shift_critical_alarms,
            quiet_hours=quiet,
            quiet_hours_critical_alarms=self.quiet_hours_critical_alarms,
            reminder_lead=self.reminder_lead,
            check_lead=self.check_lead,
        )


@dataclass(frozen=True)
class FeedSettings:
    """One `[[feeds]]` entry: what the adapter needs (`config`), plus whether to run it.

    `enabled` lives here rather than in FeedConfig because an adapter never
    sees a disabled feed; the Settings window and `shiftbell feed list` do.
    """

    config: FeedConfig
    enabled: bool = True

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def kind(self) -> str:
        return self.config.kind


@dataclass(frozen=True)
class Settings:
    receiver: ReceiverSettings = field(default_factory=ReceiverSettings)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    alarm: AlarmSettings = field(default_factory=AlarmSettings)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    # In file order; names are unique (the loader skips a repeated name).
    feeds: tuple[FeedSettings, ...] = ()
    # The [[schedules]] entries, in file order, names unique.
    schedules: tuple[ScheduleSourceConfig, ...] = ()
    # The [[phones]] entries: where an alarm nobody answers goes (phones/).
    phones: tuple[PhoneConfig, ...] = ()

    @property
    def enabled_feeds(self) -> tuple[FeedConfig, ...]:
        """The feeds to run."""
        return tuple(feed.config for feed in self.feeds if feed.enabled)

    def feed(self, name: str) -> FeedSettings | None:
        return next((feed for feed in self.feeds if feed.name == name), None)

    def schedule_source(self, name: str) -> ScheduleSourceConfig | None:
        return next((entry for entry in self.schedules if entry.name == name), None)

    def phone(self, name: str) -> PhoneConfig | None:
        return next((entry for entry in self.phones if entry.name == name), None)
