"""IcsSchedule and shifts_from_ics on calendars written as real exporters write them.

The files are in tests/data/ics: Google (RRULE + EXDATE + RECURRENCE-ID, X-WR-TIMEZONE),
Thunderbird (Europe/Berlin across the 2026-03-29 DST switch, a team calendar), Apple
(America/New_York overnight across the 2026-03-08 switch), Nextcloud (all-day and floating
times) and PagerDuty (a schedule export: SUMMARY "On Call - NAME - SCHEDULE", ATTENDEE email).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

import httpx
import pytest
from tests.helpers.data import TEST_DATA
from tests.unit.sources.ics.fake_calendar import FEED_PATH, TOKEN, CalendarServer

from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedRateLimitedError,
    FeedUnreachableError,
)
from shiftbell.core.schedule import Shift
from shiftbell.sources.ics.schedule import IcsSchedule, parse_location, shifts_from_ics
from shiftbell.sources.schedule import ScheduleSource, Window

T = TypeVar("T")
DATA = TEST_DATA / "ics"
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def read(
    name: str,
    now: str,
    *,
    tz: ZoneInfo = BERLIN,
    who: str = "",
    ahead: timedelta = timedelta(days=14),
) -> list[Shift]:
    window = Window.around(utc(now), lookahead=ahead)
    data = (DATA / name).read_bytes()
    return shifts_from_ics(data, window=window, tz=tz, who=who, source="team")


def spans(shifts: list[Shift]) -> list[tuple[datetime, datetime]]:
    return [(s.start, s.end) for s in shifts]


def run(coro: Awaitable[T]) -> T:
    async def scenario() -> T:
        return await coro

    return asyncio.run(scenario())


def fetch(schedule: IcsSchedule, now: datetime) -> list[Shift]:
    async def scenario() -> list[Shift]:
        try:
            return await schedule.fetch(now)
        finally:
            await schedule.close()

    return asyncio.run(scenario())


# -- reading calendars ---------------------------------------------------------------------


def test_weekly_rotation_applies_exdate_and_the_moved_occurrence() -> None:
    shifts = read("weekly-rotation.ics", "2026-03-10T12:00:00", ahead=timedelta(days=28))

    assert spans(shifts) == [
        # Monday 18:00-08:00 Berlin: 17:00Z while CET...
        (utc("2026-03-09T17:00:00"), utc("2026-03-10T07:00:00")),
        (utc("2026-03-16T17:00:00"), utc("2026-03-17T07:00:00")),
        # 2026-03-23 is an EXDATE; the 2026-03-30 occurrence moved to Tuesday (RECURRENCE-ID)...
        (utc("2026-03-31T16:00:00"), utc("2026-04-01T06:00:00")),
        # ...and after the DST switch the same local hours are 16:00Z.
        (utc("2026-04-06T16:00:00"), utc("2026-04-07T06:00:00")),
    ]
    assert shifts[2].label == "On call: payments (night, moved)"
    assert {s.source for s in shifts} == {"team"}


def test_a_cancelled_event_is_not_a_shift() -> None:
    shifts = read("weekly-rotation.ics", "2026-03-17T12:00:00", ahead=timedelta(days=2))

    assert all("Handover" not in s.label for s in shifts)
    assert spans(shifts) == [(utc("2026-03-16T17:00:00"), utc("2026-03-17T07:00:00"))]


def test_night_shift_on_the_berlin_dst_switch_is_seven_hours() -> None:
    shifts = read("dst-berlin.ics", "2026-03-27T12:00:00")

    assert spans(shifts) == [
        (utc("2026-03-27T23:00:00"), utc("2026-03-28T07:00:00")),
        (utc("2026-03-28T23:00:00"), utc("2026-03-29T06:00:00")),
        (utc("2026-03-29T22:00:00"), utc("2026-03-30T06:00:00")),
    ]
    assert [s.duration for s in shifts] == [timedelta(hours=h) for h in (8, 7, 8)]


def test_new_york_overnight_shift_across_the_us_dst_switch() -> None:
    # Read by someone in Berlin: TZID wins over the person's zone.
    shifts = read("new-york-overnight.ics", "2026-03-07T12:00:00")

    assert spans(shifts) == [
        (utc("2026-03-08T03:00:00"), utc("2026-03-08T10:00:00")),  # 22:00 EST - 06:00 EDT
        (utc("2026-03-09T02:00:00"), utc("2026-03-09T10:00:00")),
        (utc("2026-03-10T02:00:00"), utc("2026-03-10T10:00:00")),
    ]
    assert [s.duration for s in shifts] == [timedelta(hours=h) for h in (7, 8, 8)]


def test_all_day_and_floating_times_are_in_the_persons_zone() -> None:
    in_berlin = read("local-times.ics", "2026-03-13T12:00:00", tz=BERLIN)
    in_new_york = read("local-times.ics", "2026-03-13T12:00:00", tz=NEW_YORK)

    assert spans(in_berlin) == [
        (utc("2026-03-13T23:00:00"), utc("2026-03-15T23:00:00")),  # two whole days
        (utc("2026-03-17T17:00:00"), utc("2026-03-17T22:00:00")),  # floating 18:00-23:00
        (utc("2026-03-18T23:00:00"), utc("2026-03-19T23:00:00")),  # one day, no DTEND
    ]
    assert spans(in_new_york) == [
        (utc("2026-03-14T04:00:00"), utc("2026-03-16T04:00:00")),
        (utc("2026-03-17T22:00:00"), utc("2026-03-18T03:00:00")),
        (utc("2026-03-19T04:00:00"), utc("2026-03-20T04:00:00")),
    ]
    # The reminder has a start and no end: it lasts no time, so it is nobody's shift.
    assert all("Reminder" not in s.label for s in in_berlin)


def test_x_wr_timezone_keeps_a_utc_rule_on_local_hours() -> None:
    # Google writes UTC times and the calendar's zone in X-WR-TIMEZONE; read as plain UTC the
    # 08:00 Berlin shift would move to 09:00 after the switch.
    shifts = read("google-x-wr-timezone.ics", "2026-03-26T12:00:00", tz=NEW_YORK)

    assert [s.start for s in shifts] == [
        utc("2026-03-27T07:00:00"),
        utc("2026-03-28T07:00:00"),
        utc("2026-03-29T06:00:00"),
        utc("2026-03-30T06:00:00"),
    ]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("Bob Keller", ["2026-03-17", "2026-03-19"]),  # SUMMARY, then ATTENDEE;CN=
        ("carol nguyen", ["2026-03-18"]),  # DESCRIPTION
        ("ALICE.MARTIN@example.com", ["2026-03-16"]),  # the (folded) ATTENDEE address
        ("", ["2026-03-16", "2026-03-17", "2026-03-18", "2026-03-19"]),  # no who: all of it
        ("Dana", []),
    ],
)
def test_who_picks_the_persons_shifts_from_a_team_calendar(who: str, expected: list[str]) -> None:
    shifts = read("team-rotation.ics", "2026-03-16T00:00:00", who=who)

    assert [s.start.date().isoformat() for s in shifts] == expected


def test_pagerduty_export_filtered_by_name_and_window() -> None:
    alice = read("pagerduty-export.ics", "2026-03-10T12:00:00", who="alice martin")
    carol = read("pagerduty-export.ics", "2026-03-10T12:00:00", who="carol.nguyen@example.com")

    assert spans(alice) == [
        (utc("2026-03-09T09:00:00"), utc("2026-03-16T09:00:00")),
        (utc("2026-03-23T09:00:00"), utc("2026-03-25T09:00:00")),
    ]
    assert alice[0].label == "On Call - Alice Martin - Payments Primary"
    assert carol == []  # her week starts after the 14 days


@pytest.mark.parametrize(
    ("data", "says"),
    [
        ((DATA / "broken.ics").read_bytes(), "not a readable iCalendar file"),
        ((DATA / "pagerduty-export.ics").read_bytes()[:300], "not a readable iCalendar file"),
        (b"", "not a readable iCalendar file"),
        (b"BEGIN:VEVENT\r\nUID:1\r\nEND:VEVENT\r\n", "not a VCALENDAR"),
        (b"<!DOCTYPE html><html><body>Sign in</body></html>", "a web page, not a calendar"),
    ],
    ids=["bad-date", "truncated", "empty", "event-only", "login-page"],
)
def test_a_calendar_that_cannot_be_read_is_a_payload_error(data: bytes, says: str) -> None:
    window = Window.around(utc("2026-03-10T12:00:00"))
    with pytest.raises(FeedPayloadError, match=says) as raised:
        shifts_from_ics(data, window=window, tz=BERLIN, source="team", where="cal.example.com")

    assert "calendar team" in str(raised.value)


# -- where the calendar is -----------------------------------------------------------------


def test_webcal_is_fetched_as_https() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, content=(DATA / "pagerduty-export.ics").read_bytes())

    schedule = IcsSchedule(
        "pd",
        f"webcal://acme.pagerduty.com{FEED_PATH}",
        tz=BERLIN,
        who="Bob Keller",
        transport=httpx.MockTransport(answer),
    )
    shifts = fetch(schedule, utc("2026-03-17T12:00:00"))

    assert seen == [f"https://acme.pagerduty.com{FEED_PATH}"]
    assert spans(shifts) == [(utc("2026-03-16T09:00:00"), utc("2026-03-23T09:00:00"))]
    assert schedule.warning == ""
    assert isinstance(schedule, ScheduleSource)


def test_credentials_in_the_link_sign_in_and_stay_out_of_messages() -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(403)

    schedule = IcsSchedule(
        "nc",
        "https://dana:app-pass@cloud.example.com/remote.php/dav/calendars/dana/oncall?export",
        tz=BERLIN,
        transport=httpx.MockTransport(answer),
    )
    with pytest.raises(FeedAuthError) as raised:
        fetch(schedule, utc("2026-03-27T12:00:00"))

    assert seen == ["Basic ZGFuYTphcHAtcGFzcw=="]  # dana:app-pass
    assert schedule.where == "cloud.example.com"
    assert "app-pass" not in str(raised.value) and "dana" not in str(raised.value)


def test_plain_http_warns_that_the_link_can_be_read_but_loopback_does_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    remote = IcsSchedule("team", f"http://calendar.example.com{FEED_PATH}", tz=BERLIN)
    local = IcsSchedule("mine", "http://127.0.0.1:8080/cal.ics", tz=BERLIN)

    assert "plain http" in remote.warning and "calendar.example.com" in remote.warning
    assert local.warning == ""
    assert TOKEN not in caplog.text
    assert "plain http" in caplog.text
    run(remote.close())
    run(local.close())


def test_locations() -> None:
    assert parse_location(" https://h.example/a.ics?k=1 ", "x").url == (  # type: ignore[union-attr]
        "https://h.example/a.ics?k=1"
    )
    assert parse_location("webcals://h.example/a", "x").host == "h.example"  # type: ignore[union-attr]
    assert str(parse_location("file:///srv/cal/on-call.ics", "x").path) == (  # type: ignore[union-attr]
        "/srv/cal/on-call.ics"
    )
    assert parse_location("C:\\Users\\dana\\oncall.ics", "x").path.name.endswith("oncall.ics")  # type: ignore[union-attr]
    assert parse_location("~/oncall.ics", "x").path == Path.home() / "oncall.ics"  # type: ignore[union-attr]
    with pytest.raises(FeedConfigError, match="ftp:// links are not supported"):
        parse_location("ftp://files.example/cal.ics", "team")
    with pytest.raises(FeedConfigError, match=r"has no location.*Settings > Schedule > team"):
        parse_location("  ", "team")


def test_a_local_file(tmp_path: Path) -> None:
    path = tmp_path / "on call.ics"
    path.write_bytes((DATA / "dst-berlin.ics").read_bytes())

    by_path = fetch(IcsSchedule("me", str(path), tz=BERLIN), utc("2026-03-27T12:00:00"))
    by_url = fetch(IcsSchedule("me", path.as_uri(), tz=BERLIN), utc("2026-03-27T12:00:00"))

    assert len(by_path) == 3
    assert by_url == by_path


def test_a_missing_file_is_unreachable(tmp_path: Path) -> None:
    schedule = IcsSchedule("me", str(tmp_path / "gone.ics"), tz=BERLIN)

    with pytest.raises(FeedUnreachableError, match=r"calendar me: there is no file .*gone\.ics"):
        fetch(schedule, utc("2026-03-27T12:00:00"))


# -- over HTTP -----------------------------------------------------------------------------


def test_fetched_over_http_like_from_the_file() -> None:
    with CalendarServer((DATA / "weekly-rotation.ics").read_bytes()) as calendar:
        schedule = IcsSchedule("team", calendar.link, tz=BERLIN, lookahead=timedelta(days=28))
        shifts = fetch(schedule, utc("2026-03-10T12:00:00"))

    assert shifts == read("weekly-rotation.ics", "2026-03-10T12:00:00", ahead=timedelta(days=28))
    (sent,) = calendar.server.requests
    assert sent.query == {"format": ["ics"]}
    assert "text/calendar" in sent.headers["Accept"]


@pytest.mark.parametrize(
    ("status", "headers", "error", "says"),
    [
        (401, {}, FeedAuthError, "refused the calendar link \\(401\\).*Settings > Schedule > team"),
        (404, {}, FeedError, "has no calendar at that link \\(404\\)"),
        (429, {"Retry-After": "30"}, FeedRateLimitedError, "slow down \\(429\\); retrying in 30 s"),
        (500, {}, FeedUnreachableError, "server error \\(500\\)"),
    ],
)
def test_http_failures_name_the_calendar_not_its_secret_link(
    status: int, headers: dict[str, str], error: type[FeedError], says: str
) -> None:
    with CalendarServer(b"") as calendar:
        calendar.server.fail_next(status, "nope", headers)
        schedule = IcsSchedule("team", calendar.link, tz=BERLIN)
        with pytest.raises(error, match=says) as raised:
            fetch(schedule, utc("2026-03-10T12:00:00"))

    message = str(raised.value)
    assert message.startswith("calendar team: 127.0.0.1:")
    assert TOKEN not in message
    if status == 429:
        assert isinstance(raised.value, FeedRateLimitedError)
        assert raised.value.retry_after_s == 30


def test_a_dead_server_is_unreachable() -> None:
    with CalendarServer(b"") as calendar:
        link = calendar.link
    schedule = IcsSchedule("team", link, tz=BERLIN)

    with pytest.raises(FeedUnreachableError, match=r"team: cannot reach 127\.0\.0\.1") as e:
        fetch(schedule, utc("2026-03-10T12:00:00"))
    assert TOKEN not in str(e.value)


def test_a_login_page_and_a_huge_answer_are_refused() -> None:
    with CalendarServer(b"\n  <html><body>Please sign in</body></html>") as calendar:
        with pytest.raises(FeedPayloadError, match="a web page, not a calendar"):
            fetch(IcsSchedule("team", calendar.link, tz=BERLIN), utc("2026-03-10T12:00:00"))
        calendar.body = (DATA / "weekly-rotation.ics").read_bytes()
        small = IcsSchedule("team", calendar.link, tz=BERLIN, max_bytes=1024)
        with pytest.raises(FeedPayloadError, match="sent more than 1 KiB"):
            fetch(small, utc("2026-03-10T12:00:00"))
