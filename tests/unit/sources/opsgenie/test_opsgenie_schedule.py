"""OpsgenieSchedule against a fake schedule timeline API (Opsgenie and JSM Ops)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from tests.unit.sources.opsgenie.fake_opsgenie_schedules import (
    CLOUD_ID,
    FakeOpsgenieSchedules,
    period,
    user,
)

from shiftbell.core.errors import FeedConfigError, FeedUnreachableError
from shiftbell.core.schedule import Shift
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.opsgenie.schedule import OpsgenieSchedule

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SCHEDULE_ID = "d875a1b4-9b4e-4219-a7e3-0c26936d18de"
DANA = user("dana@example.com", "4513b7ea-3b91-438f-b7e4-e3e54af9147c")
EVAN = user("evan@example.com", "b5b92115-bfe7-43eb-8c2a-e467f2e5ddc4")


def feed(url: str, **options: str) -> FeedConfig:
    return FeedConfig(name="og", kind="opsgenie", url=url, options=options)


def fetch(schedule: OpsgenieSchedule) -> list[Shift]:
    async def scenario() -> list[Shift]:
        try:
            return await schedule.fetch(NOW)
        finally:
            await schedule.close()

    return asyncio.run(scenario())


def add_payments(fake: FakeOpsgenieSchedules) -> None:
    fake.add(
        SCHEDULE_ID,
        "Payments_Schedule",
        {
            "Weekdays": [
                period("2026-03-09T08:00:00Z", "2026-03-09T18:00:00Z", DANA),
                period("2026-03-10T08:00:00Z", "2026-03-10T18:00:00Z", EVAN),
                period("2026-03-11T08:00:00Z", "2026-03-11T18:00:00Z", DANA),
            ],
            "Nights": [
                # A team slot: the people are in flattenedRecipients.
                {
                    **period(
                        "2026-03-12T18:00:00Z",
                        "2026-03-13T08:00:00Z",
                        {"type": "team", "id": "t-1", "name": "payments"},
                    ),
                    "flattenedRecipients": [EVAN, DANA],
                },
                period("2026-03-30T18:00:00Z", "2026-03-31T08:00:00Z", DANA),  # too late
            ],
        },
    )


def test_my_periods_from_the_final_timeline() -> None:
    with FakeOpsgenieSchedules() as og:
        add_payments(og)
        schedule = OpsgenieSchedule(
            "og-shifts",
            feed(og.url),
            og.api_key,
            schedules=["Payments_Schedule"],
            user="DANA@example.com",
        )
        shifts = fetch(schedule)

    assert [(s.start.isoformat(), s.end.isoformat(), s.label) for s in shifts] == [
        ("2026-03-09T08:00:00+00:00", "2026-03-09T18:00:00+00:00", "Payments_Schedule / Weekdays"),
        ("2026-03-11T08:00:00+00:00", "2026-03-11T18:00:00+00:00", "Payments_Schedule / Weekdays"),
        ("2026-03-12T18:00:00+00:00", "2026-03-13T08:00:00+00:00", "Payments_Schedule / Nights"),
    ]
    (asked,) = og.server.requests
    assert asked.query["identifierType"] == ["name"]
    assert asked.query["intervalUnit"] == ["days"]
    assert asked.query["interval"] == ["16"]
    assert asked.query["date"] == ["2026-03-09T12:00:00Z"]
    assert asked.headers["Authorization"] == f"GenieKey {og.api_key}"


def test_by_schedule_id_and_user_id() -> None:
    with FakeOpsgenieSchedules() as og:
        add_payments(og)
        shifts = fetch(
            OpsgenieSchedule(
                "og", feed(og.url), og.api_key, schedules=[SCHEDULE_ID], user=EVAN["id"]
            )
        )

    assert [s.start.day for s in shifts] == [10, 12]
    assert og.server.requests[0].query["identifierType"] == ["id"]


def test_jsm_ops_speaks_responders_with_basic_auth() -> None:
    with FakeOpsgenieSchedules(jsm=True) as jsm:
        add_payments(jsm)
        schedule = OpsgenieSchedule(
            "jsm",
            feed(jsm.url, api="jsm", cloud_id=CLOUD_ID, email=jsm.email),
            jsm.token,
            schedules=[SCHEDULE_ID],
            user="dana@example.com",
        )
        shifts = fetch(schedule)

    assert [s.start.day for s in shifts] == [9, 11, 12]
    (asked,) = jsm.server.requests
    assert asked.path == f"/jsm/ops/api/{CLOUD_ID}/v1/schedules/{SCHEDULE_ID}/timeline"
    assert "identifierType" not in asked.query


def test_unknown_schedule_server_error_and_missing_options() -> None:
    with FakeOpsgenieSchedules() as og:
        add_payments(og)
        unknown = OpsgenieSchedule(
            "og", feed(og.url), og.api_key, schedules=["Ops"], user="dana@example.com"
        )
        with pytest.raises(FeedConfigError, match=r"og: Opsgenie has no schedule 'Ops' \(404\)"):
            fetch(unknown)
        og.server.fail_next(503)
        with pytest.raises(FeedUnreachableError, match="server error 503"):
            fetch(
                OpsgenieSchedule("og", feed(og.url), og.api_key, schedules=[SCHEDULE_ID], user="x")
            )
    with pytest.raises(FeedConfigError, match="set schedules"):
        OpsgenieSchedule("og", feed("http://127.0.0.1:9"), "key", schedules=[], user="dana")
    with pytest.raises(FeedConfigError, match="set user"):
        OpsgenieSchedule("og", feed("http://127.0.0.1:9"), "key", schedules=["x"], user="")
