"""iso_time: the created-at reader PagerDuty, Opsgenie and Grafana OnCall share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shiftbell.sources.fields import iso_time


def test_a_time_with_its_offset_keeps_it() -> None:
    parsed = iso_time("2024-05-02T09:15:00.123+02:00")
    assert parsed == datetime(2024, 5, 2, 9, 15, 0, 123000, tzinfo=timezone(timedelta(hours=2)))


def test_a_time_in_z_is_utc() -> None:
    assert iso_time("2024-05-02T07:15:00Z") == datetime(2024, 5, 2, 7, 15, tzinfo=UTC)


def test_a_time_without_a_zone_is_read_as_utc() -> None:
    parsed = iso_time("2024-05-02T07:15:00")
    assert parsed == datetime(2024, 5, 2, 7, 15, tzinfo=UTC)
    assert parsed is not None and parsed.tzinfo is UTC


@pytest.mark.parametrize("value", [None, "", "yesterday", 1714634100, ["2024-05-02"]])
def test_anything_unreadable_is_absent(value: object) -> None:
    assert iso_time(value) is None
