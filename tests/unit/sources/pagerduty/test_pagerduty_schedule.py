"""PagerDutySchedule against a fake /oncalls (fake_pagerduty_oncall.py beside it)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.sources.pagerduty.fake_pagerduty_oncall import ME, FakePagerDutyOnCall, oncall

from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedRateLimitedError,
    FeedUnreachableError,
)
from shiftbell.core.schedule import OPEN_END, Shift
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.pagerduty.schedule import PagerDutySchedule
from shiftbell.sources.schedule import ScheduleSource

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
FEED = "work-pd"


def z(text: str) -> str:
    return f"{text}Z"


def feed(url: str, **options: str) -> FeedConfig:
    return FeedConfig(name=FEED, kind="pagerduty", url=url, options=options)


def fetch(schedule: PagerDutySchedule, now: datetime = NOW) -> list[Shift]:
    async def scenario() -> list[Shift]:
        try:
            return await schedule.fetch(now)
        finally:
            await schedule.close()

    return asyncio.run(scenario())


def test_my_shifts_for_the_next_two_weeks() -> None:
    entries = [
        oncall(z("2026-03-09T09:00:00"), z("2026-03-16T09:00:00")),
        # The same week again through level 2 of another policy: one shift, two labels.
        oncall(
            z("2026-03-09T09:00:00"),
            z("2026-03-16T09:00:00"),
            policy="DB",
            level=2,
            schedule="DB Secondary",
        ),
        # Exactly the same entry twice (two policies sharing the schedule): kept once.
        oncall(z("2026-03-23T09:00:00"), z("2026-03-30T09:00:00")),
        oncall(z("2026-03-23T09:00:00"), z("2026-03-30T09:00:00")),
        oncall(z("2026-03-16T09:00:00"), z("2026-03-23T09:00:00"), user_id="PBOB123"),
        oncall(z("2026-04-06T09:00:00"), z("2026-04-13T09:00:00")),  # after the window
    ]
    with FakePagerDutyOnCall(oncalls=entries) as pd:
        schedule = PagerDutySchedule("pd-shifts", feed(pd.url), pd.token)
        shifts = fetch(schedule)

    assert [(s.start, s.end, s.label) for s in shifts] == [
        (
            datetime(2026, 3, 9, 9, tzinfo=UTC),
            datetime(2026, 3, 16, 9, tzinfo=UTC),
            "DB Secondary (level 2)",
        ),
        (
            datetime(2026, 3, 9, 9, tzinfo=UTC),
            datetime(2026, 3, 16, 9, tzinfo=UTC),
            "Payments Primary",
        ),
        (
            datetime(2026, 3, 23, 9, tzinfo=UTC),
            datetime(2026, 3, 30, 9, tzinfo=UTC),
            "Payments Primary",
        ),
    ]
    assert {s.source for s in shifts} == {"pd-shifts"}
    assert isinstance(schedule, ScheduleSource)
    (asked,) = pd.server.requests_to("/oncalls")
    assert asked.query["user_ids[]"] == [ME["id"]]  # from GET /users/me
    assert asked.query["since"] == ["2026-03-09T12:00:00Z"]
    assert asked.query["until"] == ["2026-03-24T12:00:00Z"]
    assert asked.query["time_zone"] == ["UTC"]
    assert asked.headers["Authorization"] == f"Token token={pd.token}"
    assert asked.headers["Accept"] == "application/vnd.pagerduty+json;version=2"


def test_every_page_is_read() -> None:
    first = datetime(2026, 3, 9, 13, tzinfo=UTC)
    entries = [
        oncall(
            z(f"{first + timedelta(hours=h):%Y-%m-%dT%H:%M:%S}"),
            z(f"{first + timedelta(hours=h, minutes=30):%Y-%m-%dT%H:%M:%S}"),
        )
        for h in range(230)
    ]
    with FakePagerDutyOnCall(oncalls=entries) as pd:
        shifts = fetch(PagerDutySchedule("pd", feed(pd.url), pd.token))

    assert len(shifts) == 230
    assert [r.query["offset"] for r in pd.server.requests_to("/oncalls")] == [
        ["0"],
        ["100"],
        ["200"],
    ]


def test_always_on_call_runs_from_the_window_start_to_open_end() -> None:
    entries = [oncall(None, None, schedule=None, policy="Escalation: infra")]
    with FakePagerDutyOnCall(oncalls=entries) as pd:
        (always,) = fetch(PagerDutySchedule("pd", feed(pd.url), pd.token))

    assert always.start == NOW - timedelta(days=1)
    assert always.end == OPEN_END
    assert always.open_ended
    assert always.label == "Escalation: infra"


def test_an_account_key_needs_user_id() -> None:
    entries = [oncall(z("2026-03-09T09:00:00"), z("2026-03-16T09:00:00"))]
    with FakePagerDutyOnCall(account_key=True, oncalls=entries) as pd:
        with pytest.raises(FeedConfigError, match="set user_id") as raised:
            fetch(PagerDutySchedule("pd-shifts", feed(pd.url), pd.token))
        # The schedule's own user_id, or the feed's, is used as it is: no /users/me.
        own = fetch(PagerDutySchedule("pd", feed(pd.url), pd.token, user_ids=[ME["id"]]))
        feeds = fetch(PagerDutySchedule("pd", feed(pd.url, user_id=ME["id"]), pd.token))

    assert "PagerDuty schedule pd-shifts" in str(raised.value)
    assert "Settings > Schedule > pd-shifts" in str(raised.value)
    assert len(own) == len(feeds) == 1
    assert len(pd.server.requests_to("/users/me")) == 1


def test_oauth_uses_the_feeds_bearer_header() -> None:
    entries = [oncall(z("2026-03-09T09:00:00"), z("2026-03-16T09:00:00"))]
    with FakePagerDutyOnCall("oauth-token", oauth=True, oncalls=entries) as pd:
        shifts = fetch(PagerDutySchedule("pd", feed(pd.url, auth="oauth"), pd.token))

    assert len(shifts) == 1
    assert pd.server.requests_to("/oncalls")[0].headers["Authorization"] == "Bearer oauth-token"


@pytest.mark.parametrize(
    ("status", "headers", "error", "says"),
    [
        (401, {}, FeedAuthError, r"rejected the API key \(401.*Settings > Feeds > work-pd"),
        (429, {"ratelimit-reset": "12"}, FeedRateLimitedError, "rate limit reached"),
        (500, {}, FeedUnreachableError, "server error 500"),
    ],
)
def test_http_failures_are_mapped_and_name_the_schedule(
    status: int, headers: dict[str, str], error: type[FeedError], says: str
) -> None:
    with FakePagerDutyOnCall(oncalls=[]) as pd:
        pd.server.fail_next(status, {"error": {"message": "nope"}}, headers, path_prefix="/oncalls")
        schedule = PagerDutySchedule("pd-shifts", feed(pd.url), pd.token)
        with pytest.raises(error, match=says) as raised:
            fetch(schedule)

    assert str(raised.value).startswith("PagerDuty schedule pd-shifts: PagerDuty")
    if isinstance(raised.value, FeedRateLimitedError):
        assert raised.value.retry_after_s == 12


def test_a_wrong_key_and_a_feed_of_another_kind() -> None:
    with FakePagerDutyOnCall() as pd, pytest.raises(FeedAuthError):
        fetch(PagerDutySchedule("pd", feed(pd.url), "not-the-token"))
    other = FeedConfig(name="ops", kind="opsgenie", url="")
    with pytest.raises(FeedConfigError, match="ops is a opsgenie feed, not PagerDuty"):
        PagerDutySchedule("pd", other, "key")
    with pytest.raises(FeedConfigError, match="at most 90 days"):
        PagerDutySchedule("pd", feed("http://127.0.0.1:9"), "key", lookahead=timedelta(days=90))
