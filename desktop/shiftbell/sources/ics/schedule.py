"""An on-call calendar in iCalendar (ICS) form: a URL or a file.

PagerDuty, Opsgenie, Grafana OnCall and any calendar app export schedules this way. The
location is one of:

- `https://...`: fetched with httpx. `webcal://` and `webcals://` are the same link for
  calendar apps and are fetched as https.
- `http://...`: fetched, but `warning` says so and it is logged once: such links carry a
  secret token, and over plain http anyone on the network can read it (and the shifts).
  Loopback addresses are exempt. It is allowed rather than refused because some intranet
  calendars offer nothing else; the person decides.
- `file://...` or a path (`~` expanded; a relative path is taken from the current directory,
  so whoever stores it should store it absolute).

The URL itself is the credential (PagerDuty's looks like
`webcal://ACME.pagerduty.com/private/TOKEN/feed/SCHEDULE`), so messages and logs name only
its host, never its path or query.

Reading. `icalendar` parses; `recurring-ical-events` expands RRULE/RDATE, drops EXDATE and
applies RECURRENCE-ID overrides (a moved or changed occurrence), and converts calendars that
rely on `X-WR-TIMEZONE` (Google's exports) to standard ones first. Times are read as:

- `TZID=...`: that zone (IANA names, Windows names as Outlook writes them, or the calendar's
  own VTIMEZONE); an unknown TZID is treated as floating.
- UTC (`...Z`): as is.
- floating (no zone): the person's local zone, `tz`.
- all-day (`VALUE=DATE`): the whole day(s) from local midnight to local midnight in `tz`.

Known limit: an event whose length is given as a DURATION of hours (not DTEND) and that
spans a DST switch comes out an hour off, because recurring-ical-events adds the duration on
the wall clock; the exporters above all write DTEND.

Events marked `STATUS:CANCELLED` are not shifts. Every shift is returned in UTC (see
schedules/base.py). A calendar that cannot be read in full raises `FeedPayloadError`: a
half-read calendar could silently drop a shift, so the cache keeps the last good copy instead.

Whose shifts. A team calendar holds everybody's shifts. `who` (case-insensitive, matched as
a substring) keeps the events that mention the person in SUMMARY, DESCRIPTION or ATTENDEE
(address or CN). PagerDuty exports `SUMMARY:On Call - Alice Smith - Primary` with
`ATTENDEE:alice@example.com`; Opsgenie and Grafana OnCall put the person's name or username
in SUMMARY. Use the full name or email: "al" also matches "Sally". Without `who` every event
is one of the person's shifts (a personal export).

The options are declared in __init__.py.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from urllib.request import url2pathname

import httpx
import icalendar
import recurring_ical_events

from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedRateLimitedError,
    FeedUnreachableError,
)
from shiftbell.core.schedule import Shift
from shiftbell.sources.http import make_client, retry_after_seconds
from shiftbell.sources.schedule import (
    DEFAULT_LOOKAHEAD,
    DEFAULT_LOOKBEHIND,
    TEAM_AHEAD,
    Window,
    shift_or_none,
    tidy,
    where_to_fix,
)
from shiftbell.sources.spec import ScheduleRequest

log = logging.getLogger(__name__)

NOUN = "calendar"
# Large enough for years of a busy team's rotation; small enough that a wrong link to a
# video or a log file is refused before it fills memory.
MAX_BYTES = 10 * 1024 * 1024
ACCEPT = "text/calendar, text/plain;q=0.9, */*;q=0.5"
# Floating times and all-day dates are local; querying a day wider on both sides makes sure
# an event is found whatever the offset between local time and UTC, then the exact window
# is applied to the converted times.
_QUERY_MARGIN = timedelta(days=1)
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


@dataclass(frozen=True)
class _Remote:
    url: str  # what is fetched (webcal mapped to https)
    host: str  # what messages may show


@dataclass(frozen=True)
class _LocalFile:
    path: Path


class IcsSchedule:
    """One ICS calendar, by URL or file. See the module docstring.

    `warning` is "" or one line for the person about the location (plain http).
    """

    noun = NOUN

    def __init__(
        self,
        name: str,
        location: str,
        *,
        tz: tzinfo,
        who: str = "",
        lookbehind: timedelta = DEFAULT_LOOKBEHIND,
        lookahead: timedelta = DEFAULT_LOOKAHEAD,
        transport: httpx.AsyncBaseTransport | None = None,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.name = name
        self._tz = tz
        self._who = who.strip()
        self._lookbehind = lookbehind
        self.lookahead = lookahead
        self._max_bytes = max_bytes
        self._where = parse_location(location, name)
        self.warning = ""
        self._client: httpx.AsyncClient | None = None
        self._data: bytes | None = None
        if isinstance(self._where, _Remote):
            if self._where.url.startswith("http:") and not _is_loopback(self._where.host):
                self.warning = (
                    f"calendar {name} is fetched over plain http: anyone on the network can "
                    f"read its secret link and your shifts; use https if {self._where.host} "
                    f"offers it"
                )
                log.warning("%s", self.warning)
            origin = urlunsplit((*urlsplit(self._where.url)[:2], "", "", ""))
            self._client = make_client(origin, {"Accept": ACCEPT}, transport)

    @property
    def where(self) -> str:
        """The location as it may be shown: the host of a URL, or the file's path."""
        if isinstance(self._where, _Remote):
            return self._where.host
        return str(self._where.path)

    async def fetch(self, now: datetime) -> list[Shift]:
        data = await self._read()
        self._data = data
        window = Window.around(now, self._lookbehind, self.lookahead)
        return shifts_from_ics(
            data, window=window, tz=self._tz, who=self._who, source=self.name, where=self.where
        )

    async def fetch_team(self, now: datetime) -> list[Shift]:
        """A team calendar (read for one person, `who`): everyone's shifts of the coming
        week, from the copy `fetch` just read, each labelled with its event's summary."""
        if not self._who or self._data is None:
            return []
        window = Window.around(now, timedelta(0), TEAM_AHEAD)
        return shifts_from_ics(
            self._data, window=window, tz=self._tz, source=self.name, where=self.where, team=True
        )

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()

    # -- reading --------------------------------------------------------------------------

    async def _read(self) -> bytes:
        if isinstance(self._where, _LocalFile):
            return await self._read_file(self._where.path)
        assert self._client is not None
        return await self._download(self._client, self._where)

    async def _read_file(self, path: Path) -> bytes:
        try:
            size = path.stat().st_size
            if size > self._max_bytes:
                raise self._too_large(str(path))
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            # Unreachable rather than misconfigured: sync tools replace files by removing them.
            raise FeedUnreachableError(
                f"calendar {self.name}: there is no file {path}: check the path in "
                f"{where_to_fix(self.name)}"
            ) from None
        except OSError as exc:
            raise FeedUnreachableError(
                f"calendar {self.name}: cannot read {path}: {exc.strerror or exc}"
            ) from None

    async def _download(self, client: httpx.AsyncClient, remote: _Remote) -> bytes:
        host = remote.host
        try:
            # The whole link, as is: httpx would add a slash to a base URL's path.
            async with client.stream("GET", remote.url) as response:
                if not 200 <= response.status_code < 300:
                    raise self._status_error(response, host)
                chunks: list[bytes] = []
                total = 0
                async for chunk in response.aiter_bytes():
                    total += len(chunk)
                    if total > self._max_bytes:
                        raise self._too_large(host)
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.TimeoutException:
            raise FeedUnreachableError(
                f"calendar {self.name}: {host} did not answer in time"
            ) from None
        except httpx.HTTPError as exc:
            raise FeedUnreachableError(
                f"calendar {self.name}: cannot reach {host}: {_reason(exc, remote.url)}"
            ) from None

    def _status_error(self, response: httpx.Response, host: str) -> FeedError:
        status = response.status_code
        fix = where_to_fix(self.name)
        if status in (401, 403):
            return FeedAuthError(
                f"calendar {self.name}: {host} refused the calendar link ({status}): it may "
                f"have been reset or revoked; copy the current link into {fix}"
            )
        if status in (404, 410):
            return FeedError(
                f"calendar {self.name}: {host} has no calendar at that link ({status}): it may "
                f"have been reset or deleted; copy the current link into {fix}"
            )
        if status == 429:
            retry = retry_after_seconds(response.headers)
            wait = f"; retrying in {retry:.0f} s" if retry is not None else ""
            return FeedRateLimitedError(
                f"calendar {self.name}: {host} asked to slow down (429){wait}", retry
            )
        if status >= 500:
            return FeedUnreachableError(
                f"calendar {self.name}: {host} answered with a server error ({status})"
            )
        return FeedError(f"calendar {self.name}: {host} refused the request ({status})")

    def _too_large(self, where: str) -> FeedPayloadError:
        return FeedPayloadError(
            f"calendar {self.name}: {where} sent more than {_size(self._max_bytes)}, which is "
            f"not an on-call calendar: check the link in {where_to_fix(self.name)}"
        )


def shifts_from_ics(
    data: bytes,
    *,
    window: Window,
    tz: tzinfo,
    who: str = "",
    source: str,
    where: str = "",
    team: bool = False,
) -> list[Shift]:
    """The shifts in an ICS document that overlap `window`, for `who` (all when empty).
    `team`: label each with the person on it (the attendees' names, else the summary).

    Raises FeedPayloadError, naming `source` (and `where` it came from), when the document is
    not a calendar or any part of it cannot be read.
    """
    origin = f"{where} " if where else ""
    text = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text[:1] == b"<":
        raise FeedPayloadError(
            f"calendar {source}: {origin}answered with a web page, not a calendar: use the "
            f"calendar's ICS (webcal) export link, not the page that shows the schedule, in "
            f"{where_to_fix(source)}"
        )
    try:
        events = _expand(text, window)
        shifts = [
            _shift(event, tz=tz, who=who.casefold(), source=source, team=team) for event in events
        ]
    except FeedPayloadError:
        raise
    except Exception as exc:
        # icalendar and recurring-ical-events raise ValueError, KeyError, TypeError and their
        # own errors for the many ways a calendar can be broken. Whatever it is, the calendar
        # cannot be read, and the cache must keep the last good copy rather than crash.
        log.debug("calendar %s: parse failure", source, exc_info=True)
        detail = str(exc).replace("\n", " ")[:200] or type(exc).__name__
        raise FeedPayloadError(
            f"calendar {source}: {origin}sent something that is not a readable iCalendar "
            f"file ({detail})"
        ) from None
    return tidy(s for s in shifts if s is not None and window.overlaps(s.start, s.end))


def _expand(text: bytes, window: Window) -> list[Any]:
    calendar = icalendar.Calendar.from_ical(text)
    if calendar.name != "VCALENDAR":
        raise ValueError(f"the document is a {calendar.name}, not a VCALENDAR")
    query = recurring_ical_events.of(calendar)
    return list(query.between(window.start - _QUERY_MARGIN, window.end + _QUERY_MARGIN))


def _shift(event: Any, *, tz: tzinfo, who: str, source: str, team: bool = False) -> Shift | None:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return None
    if who and not _mentions(event, who):
        return None
    label = str(event.get("SUMMARY", "")).strip()
    if team:
        names = [str(getattr(a, "params", {}).get("CN", "")).strip() for a in _attendees(event)]
        label = ", ".join(n for n in names if n) or label
    # An event with a start and no end or duration lasts no time at all: not a shift.
    return shift_or_none(_instant(event.start, tz), _instant(event.end, tz), source, label)


def _instant(value: date | datetime, tz: tzinfo) -> datetime:
    """An aware UTC datetime: floating times and all-day dates are in the local zone `tz`."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=tz)
    else:
        aware = datetime.combine(value, time(0), tzinfo=tz)
    return aware.astimezone(UTC)


def _mentions(event: Any, who: str) -> bool:
    texts = [str(event.get("SUMMARY", "")), str(event.get("DESCRIPTION", ""))]
    for attendee in _attendees(event):
        texts.append(str(attendee))
        params = getattr(attendee, "params", {})
        texts.append(str(params.get("CN", "")))
    return any(who in text.casefold() for text in texts)


def _attendees(event: Any) -> list[Any]:
    attendees = event.get("ATTENDEE", [])
    return attendees if isinstance(attendees, list) else [attendees]


def parse_location(location: str, name: str) -> _Remote | _LocalFile:
    """What `location` points at; FeedConfigError when it is neither a URL we fetch nor a path."""
    text = location.strip()
    if not text:
        raise FeedConfigError(
            f"calendar {name} has no location: set its ICS link or file in {where_to_fix(name)}"
        )
    if _WINDOWS_DRIVE.match(text):
        return _LocalFile(Path(text))
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        parts = parts._replace(scheme="https")
        scheme = "https"
    if scheme in ("http", "https"):
        if not parts.hostname:
            raise FeedConfigError(
                f"calendar {name}: the link has no host: check it in {where_to_fix(name)}"
            )
        hostname = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        host = hostname + (f":{parts.port}" if parts.port else "")
        return _Remote(urlunsplit(parts), host)
    if scheme == "file":
        return _LocalFile(Path(url2pathname(parts.path)))
    if scheme:
        raise FeedConfigError(
            f"calendar {name}: {scheme}:// links are not supported: use an https:// or "
            f"webcal:// link or a file, in {where_to_fix(name)}"
        )
    return _LocalFile(Path(text).expanduser().absolute())


def _is_loopback(host: str) -> bool:
    hostname = urlsplit(f"//{host}").hostname or ""
    if hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname).is_loopback
    except ValueError:
        return False


def _size(count: int) -> str:
    mib = 1024 * 1024
    return f"{count / mib:g} MiB" if count >= mib else f"{count / 1024:g} KiB"


def _reason(exc: httpx.HTTPError, url: str) -> str:
    # httpx's messages rarely carry the URL, but when they do it must not leak the token.
    text = (str(exc) or type(exc).__name__).replace(url, "<calendar link>")
    return text[:200]


def open_schedule(request: ScheduleRequest) -> IcsSchedule:
    """The calendar for a `[[schedules]]` entry (the declaration in __init__.py calls this)."""
    return IcsSchedule(
        request.config.name,
        request.config.location,
        tz=request.tz,
        who=request.options["who"] or "",
        lookbehind=request.lookbehind,
        lookahead=request.lookahead,
        transport=request.transport,
    )
