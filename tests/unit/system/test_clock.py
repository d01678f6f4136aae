from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from shiftbell.system.clock import SystemClock, local_zone


def test_the_system_clock_is_timezone_aware() -> None:
    assert SystemClock().now().tzinfo is UTC


def test_local_zone_follows_tz_with_its_dst_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Berlin")
    zone = local_zone()
    assert zone == ZoneInfo("Europe/Berlin")
    assert datetime(2026, 7, 1, 12, tzinfo=zone).utcoffset().total_seconds() == 7200  # type: ignore[union-attr]


def test_an_unknown_tz_falls_back_to_a_working_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Nowhere/Atlantis")
    assert datetime(2026, 1, 1, tzinfo=local_zone()).utcoffset() is not None
