"""GrafanaOnCallSchedule against a fake OnCall schedules API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.sources.grafana_oncall.fake_grafana_oncall_schedules import (
    ALICE,
    BOB,
    FakeGrafanaOnCallSchedules,
    final_shift,
)

from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedPayloadError,
    FeedRateLimitedError,
)
from shiftbell.core.schedule import Shift
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.grafana_oncall.schedule import GrafanaOnCallSchedule

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
TOKEN = "oncall-token"


def feed(url: str) -> FeedConfig:
    return FeedConfig(name="grafana", kind="grafana-oncall", url=f"{url}/api/v1/")


def fetch(schedule: GrafanaOnCallSchedule) -> list[Shift]:
    async def scenario() -> list[Shift]:
        try:
            return await schedule.fetch(NOW)
        finally:
            await schedule.close()

    return asyncio.run(scenario())


def oncall_with_three_schedules() -> FakeGrafanaOnCallSchedules:
    oncall = FakeGrafanaOnCallSchedules(TOKEN, page_size=2)
    oncall.add(
        "SBM7DV7BKFUYU",
        "Primary",
        [
            final_shift(ALICE, "2026-03-09T09:00:00Z", "2026-03-09T17:00:00Z"),
            final_shift(BOB, "2026-03-10T09:00:00Z", "2026-03-10T17:00:00Z"),
            final_shift(ALICE, "2026-03-11T09:00:00Z", "2026-03-11T17:00:00Z"),
            final_shift(ALICE, "2026-03-30T09:00:00Z", "2026-03-30T17:00:00Z"),  # too late
        ],
    )
    oncall.add(
        "S3Z477AHDXTMF",
        "Databases",
        [final_shift(ALICE, "2026-03-12T22:00:00Z", "2026-03-13T06:00:00Z")],
    )
    oncall.add(
        "SXX0NOBODYX01",
        "Frontend",
        [final_shift(BOB, "2026-03-12T09:00:00Z", "2026-03-12T17:00:00Z")],
    )
    return oncall


def test_my_final_shifts_across_every_schedule_and_page() -> None:
    with oncall_with_three_schedules() as oncall:
        schedule = GrafanaOnCallSchedule("irm", feed(oncall.url), TOKEN, user="Alice@Example.com")
        shifts = fetch(schedule)

    assert [(s.start.isoformat(), s.label) for s in shifts] == [
        ("2026-03-09T09:00:00+00:00", "Primary"),
        ("2026-03-11T09:00:00+00:00", "Primary"),
        ("2026-03-12T22:00:00+00:00", "Databases"),
    ]
    listing = oncall.server.requests_to("/api/v1/schedules/", "GET")
    # Two pages of schedules, two of Primary's shifts, one each of the others: every `next`
    # (which names oncall.internal) was followed on the configured server.
    assert len(listing) == 2 + 2 + 1 + 1
    finals = [r for r in listing if r.path.endswith("/final_shifts")]
    assert {(r.query["start_date"][0], r.query["end_date"][0]) for r in finals} == {
        ("2026-03-09", "2026-03-24")
    }
    assert all(r.headers["Authorization"] == TOKEN for r in listing)


def test_by_username_and_only_the_named_schedules() -> None:
    with oncall_with_three_schedules() as oncall:
        schedule = GrafanaOnCallSchedule(
            "irm", feed(oncall.url), TOKEN, user="alice", schedules=["databases", "SXX0NOBODYX01"]
        )
        shifts = fetch(schedule)

    assert [s.label for s in shifts] == ["Databases"]
    finals = [r.path for r in oncall.server.requests_to("/api/v1/schedules/") if "final" in r.path]
    assert sorted(finals) == [
        "/api/v1/schedules/S3Z477AHDXTMF/final_shifts",
        "/api/v1/schedules/SXX0NOBODYX01/final_shifts",
    ]


def test_an_unknown_schedule_and_a_missing_user_say_what_to_set() -> None:
    with oncall_with_three_schedules() as oncall:
        unknown = GrafanaOnCallSchedule(
            "irm", feed(oncall.url), TOKEN, user="alice", schedules=["Ops"]
        )
        with pytest.raises(
            FeedConfigError, match=r"no schedule 'Ops'.*Primary, Databases, Frontend"
        ):
            fetch(unknown)
    with pytest.raises(FeedConfigError, match="set user to your OnCall email"):
        GrafanaOnCallSchedule("irm", feed("http://127.0.0.1:9"), TOKEN, user=" ")


def test_refused_token_and_rate_limit() -> None:
    with oncall_with_three_schedules() as oncall:
        with pytest.raises(FeedAuthError, match="Grafana OnCall schedule irm: Grafana OnCall"):
            fetch(GrafanaOnCallSchedule("irm", feed(oncall.url), "wrong", user="alice"))
        oncall.server.fail_next(429, "", {"Retry-After": "60"}, path_prefix="/api/v1/schedules/S")
        with pytest.raises(FeedRateLimitedError) as raised:
            fetch(GrafanaOnCallSchedule("irm", feed(oncall.url), TOKEN, user="alice"))

    assert raised.value.retry_after_s == 60


def test_a_shift_time_that_is_not_a_date_names_the_schedule_once() -> None:
    oncall = FakeGrafanaOnCallSchedules(TOKEN)
    oncall.add("SBM7DV7BKFUYU", "Primary", [final_shift(ALICE, "soon", "2026-03-11T09:00:00Z")])
    with oncall, pytest.raises(FeedPayloadError) as raised:
        fetch(GrafanaOnCallSchedule("irm", feed(oncall.url), TOKEN, user="alice"))
    assert str(raised.value) == (
        "Grafana OnCall schedule irm: Grafana OnCall sent a shift time that is not a date ('soon')"
    )


def test_a_window_longer_than_oncall_answers_for_is_refused() -> None:
    with pytest.raises(FeedConfigError, match="at most 365 days at a time; shorten the days"):
        GrafanaOnCallSchedule(
            "irm", feed("http://127.0.0.1:9"), TOKEN, user="alice", lookahead=timedelta(days=400)
        )
