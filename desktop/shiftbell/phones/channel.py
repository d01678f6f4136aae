"""What every phone channel does, and what it is given.

A channel sends a `Page` (one alert, in words for a lock screen) and answers with a handle
the channel itself understands later: Pushover's receipt, the reply key ntfy's Acknowledge
button sends back. Channels that can hear an acknowledgement from the phone (`acknowledges`)
are asked which of their handles were answered; a page the desktop answered first is
cancelled, so the phone stops ringing.

Like the feeds, channels raise only Shiftbell's FeedError subclasses, worded to name the
phone channel and what to fix; nothing here reads a clock or keeps state across restarts
(runtime/phone_escalator.py does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shiftbell.core.alert import Alert

TEST_TITLE = "Shiftbell test"
TEST_TEXT = "Shiftbell can reach this phone: unanswered alarms will come here."
CHECK_TEXT = "Shiftbell's check before your shift: this phone can be reached."


@dataclass(frozen=True)
class PhoneConfig:
    """One `[[phones]]` entry. The secret (token, app key) is never here: it is in the keyring."""

    name: str
    kind: str  # an id from phones/registry.py
    url: str
    options: Mapping[str, str] = field(default_factory=dict)

    @property
    def settings_page(self) -> str:
        """Where the person fixes it (in messages)."""
        return "Phones"


@dataclass(frozen=True)
class Page:
    """One alert as it goes to the phone.

    Attributes:
        alert_id: the alert in Shiftbell.
        key: random, unguessable, one per page: what an answer from the phone names.
        title, text: what the lock screen shows.
        link: the alert's page at its source, or "".
    """

    alert_id: str
    key: str
    title: str
    text: str
    severity: str
    link: str = ""

    @classmethod
    def of(cls, alert: Alert, key: str, *, why: str = "") -> Page:
        severity = alert.severity.value
        lines = [alert.summary] if alert.summary else []
        host = dict(alert.labels).get("host") or dict(alert.labels).get("instance")
        if host:
            lines.append(f"host: {host}")
        lines.append(f"{severity}, from {alert.origin}")
        if why:
            lines.append(why)
        return cls(alert.id, key, alert.title, "\n".join(lines), severity, alert.url)


@dataclass(frozen=True)
class Answer:
    """The phone acknowledged a page: who (a device or user name, "" if the channel cannot
    say) and when (None when it does not say)."""

    handle: str
    by: str = ""
    at: datetime | None = None


class PhoneChannel(Protocol):
    config: PhoneConfig
    acknowledges: bool  # an acknowledgement on the phone comes back (answered)

    async def send(self, page: Page) -> str:
        """Send it; the handle to ask about or cancel it by later."""
        ...

    async def answered(self, handles: Sequence[str], since: datetime) -> list[Answer]:
        """Which of these pages (all sent at or after `since`) the phone acknowledged."""
        ...

    async def cancel(self, handle: str) -> None:
        """The alert was answered elsewhere: stop ringing the phone for it, if the channel can."""
        ...

    async def test(self) -> None:
        """Send a test message (a normal, quiet one)."""
        ...

    async def check(self) -> str:
        """The pre-shift check: does the service accept us? Quiet on the phone where the
        service allows; returns what it saw, raises FeedError when it does not."""
        ...

    async def aclose(self) -> None: ...
