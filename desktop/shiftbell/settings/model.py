"""What a person can configure, as typed values with their defaults.

The parts of the app get these objects, never raw keys, so a misspelt option is
a type error at development time and a clear message at load time (toml_store),
not a silent default somewhere deep in the UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from shiftbell.core.escalation import EscalationSettings

DEFAULT_RECEIVER_PORT = 8974


class NotificationBackend(StrEnum):
    """Which notification system shows alerts; AUTO picks the best one that works here."""

    AUTO = "auto"
    DESKTOP_NOTIFIER = "desktop-notifier"
    PLYER = "plyer"
    TRAY = "tray"


@dataclass(frozen=True)
class ReceiverSettings:
    """The local receiver: HTTP on 127.0.0.1 for `shiftbell send` and Alertmanager."""

    port: int = DEFAULT_RECEIVER_PORT


@dataclass(frozen=True)
class NotificationSettings:
    backend: NotificationBackend = NotificationBackend.AUTO
    snooze_choices_min: tuple[int, ...] = (5, 15, 60)


@dataclass(frozen=True)
class AlarmSettings:
    """Where the alarm plays; `output_device=""` is the system's default output."""

    output_device: str = ""


@dataclass(frozen=True)
class Settings:
    receiver: ReceiverSettings = field(default_factory=ReceiverSettings)
    escalation: EscalationSettings = field(default_factory=EscalationSettings)
    notifications: NotificationSettings = field(default_factory=NotificationSettings)
    alarm: AlarmSettings = field(default_factory=AlarmSettings)
