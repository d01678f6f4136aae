"""The alert as Shiftbell sees it, whatever source it came from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlsplit

from shiftbell.core.errors import PayloadError


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Read a severity a person or a source wrote; common synonyms are accepted."""
        word = text.strip().lower()
        try:
            return cls(_SEVERITY_SYNONYMS.get(word, word))
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise PayloadError(f"unknown severity {text!r}: use one of {allowed}") from None


_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}
_SEVERITY_SYNONYMS = {
    "information": "info",
    "informational": "info",
    "notice": "info",
    "low": "info",
    "none": "info",
    "warn": "warning",
    "minor": "warning",
    "medium": "warning",
    "error": "critical",
    "crit": "critical",
    "major": "critical",
    "high": "critical",
    "page": "critical",
    "fatal": "critical",
    "emergency": "critical",
}


class Status(StrEnum):
    FIRING = "firing"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class AckDelivery(StrEnum):
    """Where an acknowledgement stands at the alert's source.

    The person's click counts at once (the alarm stops); this says whether the
    source knows yet, so the UI can tell "acknowledged, sending" from "acknowledged
    at source", and show a failure with its reason.
    """

    NONE = "none"  # not acknowledged, or acknowledged at the source by someone else
    LOCAL = "local"  # the source has no acknowledgement (ntfy, Gotify, the local receiver)
    SENDING = "sending"  # queued, not yet confirmed by the source (retried until it is)
    CONFIRMED = "confirmed"  # the source confirmed it
    FAILED = "failed"  # the source refused it for good (e.g. 403); `ack_error` says why


@dataclass(frozen=True)
class Link:
    """A web page about an alert (a runbook, a dashboard, the alert at its source)."""

    title: str
    url: str


def is_web_link(url: str) -> bool:
    """Only http(s) links are opened from an alert: its text comes from outside, and a
    `file:` or custom-scheme link would run whatever handles it on this machine."""
    return url.lower().startswith(("http://", "https://"))


def page_link(title: str, url: str) -> tuple[Link, ...]:
    """`(Link(title, url),)` if `url` is a web link, else `()`: what an adapter got, as links."""
    return (Link(title, url),) if is_web_link(url) else ()


@dataclass(frozen=True)
class AckInfo:
    """Who acknowledged an alert at its source, with what comment, and until when (an
    Alertmanager silence ends), as the source tells it; empty where it does not say.

    Without `by` it is the person's own request still to be sent: `resolve` asks the source
    to resolve (close) the alert rather than acknowledge it.
    """

    by: str = ""
    comment: str = ""
    until: datetime | None = None
    resolve: bool = False


@dataclass(frozen=True, order=True)
class AlertKey:
    """Identity of an alert at its source: which feed, and that feed's own id for it."""

    feed_id: str
    source_id: str


@dataclass(frozen=True)
class Incoming:
    """What a feed reports about one alert, before the board merges it.

    `firing=False` means the source says it is resolved. `acknowledged` is the
    source's own acknowledged state (someone acknowledged it elsewhere).
    """

    source_id: str
    title: str
    severity: Severity = Severity.WARNING
    summary: str = ""
    url: str = ""
    labels: tuple[tuple[str, str], ...] = ()
    links: tuple[Link, ...] = ()
    firing: bool = True
    acknowledged: bool = False
    started_at: datetime | None = None
    ack_info: AckInfo | None = None


@dataclass(frozen=True)
class Alert:
    """One occurrence of an alert, from first firing to resolution.

    `alarm_since` is when the current unacknowledged stretch began: escalation
    counts from it, and it moves when an acknowledged alert fires again harder.
    """

    id: str
    key: AlertKey
    title: str
    severity: Severity
    status: Status
    started_at: datetime
    alarm_since: datetime
    updated_at: datetime
    source: str = ""
    summary: str = ""
    url: str = ""
    labels: tuple[tuple[str, str], ...] = field(default=())
    links: tuple[Link, ...] = field(default=())
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    ack_delivery: AckDelivery = AckDelivery.NONE
    ack_error: str = ""
    ack_info: AckInfo | None = None

    @property
    def is_active(self) -> bool:
        return self.status is not Status.RESOLVED

    @property
    def needs_attention(self) -> bool:
        return self.status is Status.FIRING

    @property
    def origin(self) -> str:
        """Where it came from, for people: the source's name, else the feed's."""
        return self.source or self.key.feed_id

    @property
    def ack_comment(self) -> str:
        """The comment on its acknowledgement: the person's, or the source's."""
        return self.ack_info.comment if self.ack_info is not None else ""

    def web_links(self) -> list[Link]:
        """Every web link of the alert, its own `url` last ("Open wiki.example.com") unless a
        link has it already."""
        links = [link for link in self.links if is_web_link(link.url)]
        if is_web_link(self.url) and all(link.url != self.url for link in links):
            links.append(Link(f"Open {urlsplit(self.url).hostname or 'link'}", self.url))
        return links


def alert_id_for(key: AlertKey, started_at: datetime) -> str:
    """A short id that is stable across restarts and distinct per occurrence.

    Derived, not counted, so the store and the board never have to agree on a
    sequence; eight hex digits are short enough to type in `shiftbell ack`.
    """
    raw = f"{key.feed_id}\x1f{key.source_id}\x1f{started_at.isoformat()}".encode()
    return hashlib.sha1(raw, usedforsecurity=False).hexdigest()[:8]
