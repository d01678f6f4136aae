"""ScheduleKeeper on a virtual clock: real ICS files and a real HTTP calendar server, the last
good copy kept through failures, backoff, removal; OverrideStore round trips."""

import asyncio
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from tests.helpers.data import TEST_DATA
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.virtual_time import VirtualTime, settle, until
from tests.unit.sources.ics.fake_calendar import TOKEN, CalendarServer
from tests.unit.sources.pagerduty.fake_pagerduty_oncall import FakePagerDutyOnCall, oncall

from shiftbell.core.clock import FakeClock
from shiftbell.core.schedule import OnCallSchedule, Override, on_call_state
from shiftbell.runtime.schedule_cache import Freshness, Problem, ScheduleCache, ScheduleCopy
from shiftbell.runtime.schedule_keeper import OverrideStore, ScheduleKeeper
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.schedule import ScheduleSourceConfig
from shiftbell.store.credentials import SecretStore

DATA = TEST_DATA / "ics"
BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)  # a Tuesday; Monday nights are on call


class Rig:
    def __init__(self, tmp_path: Path) -> None:
        self.clock = FakeClock(START)
        self.time = VirtualTime(self.clock)
        self.cache = ScheduleCache(tmp_path / "schedules")
        self.secrets = SecretStore(tmp_path / "data", backend=MemoryKeyring())
        self.updates: list[tuple[OnCallSchedule, list[ScheduleCopy]]] = []
        self.feeds: dict[str, FeedConfig] = {}
        self.keeper = self.make()

    def make(self) -> ScheduleKeeper:
        return ScheduleKeeper(
            self.cache,
            self.secrets,
            self.clock,
            BERLIN,
            on_update=lambda schedule, copies: self.updates.append((schedule, copies)),
            feeds_lookup=self.feeds.get,
            sleep=self.time.sleep,
            rng=random.Random(7),
        )

    @property
    def last(self) -> list[ScheduleCopy]:
        return self.updates[-1][1]


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(test(), 20))


def ics(name: str, location: str, interval_s: float = 900) -> ScheduleSourceConfig:
    return ScheduleSourceConfig(name, "ics", location, {}, interval_s)


def test_a_calendar_file_is_fetched_at_once_and_again_every_interval(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    calendar = tmp_path / "rota.ics"
    calendar.write_bytes((DATA / "weekly-rotation.ics").read_bytes())

    async def scenario() -> None:
        await rig.keeper.apply([ics("team", str(calendar))])
        # First the cache alone (nothing yet: a never-fetched schedule, on call throughout)...
        assert rig.updates[0][1] == [ScheduleCopy("team", "calendar")]
        assert not rig.updates[0][0].covers(START)
        await until(lambda: len(rig.updates) == 2, "the first fetch")
        schedule, copies = rig.updates[-1]
        assert copies[0].freshness is Freshness.FRESH and copies[0].fetched_at == START
        state = on_call_state(schedule, None, START)
        assert not state.on_call
        assert state.next_shift is not None
        assert state.next_shift.start == datetime(2026, 3, 16, 17, 0, tzinfo=UTC)
        await rig.time.advance(899)
        assert len(rig.updates) == 2
        await rig.time.advance(1)
        await until(lambda: len(rig.updates) == 3, "the second fetch")
        assert rig.last[0].fetched_at == START + timedelta(seconds=900)
        await rig.keeper.stop()

    run(scenario)


def test_a_broken_calendar_keeps_the_last_good_copy_and_retries_sooner(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    good = (DATA / "weekly-rotation.ics").read_bytes()
    with CalendarServer(good) as server:
        rig.secrets.set("team", server.link, scope="schedule")

        async def scenario() -> None:
            await rig.keeper.apply([ics("team", "keyring")])
            await until(lambda: len(rig.updates) == 2, "the first fetch")
            shifts = rig.last[0].shifts
            assert shifts and rig.last[0].problem is Problem.NONE
            server.body = (DATA / "broken.ics").read_bytes()
            await rig.time.advance(900)
            await until(lambda: len(rig.updates) == 3, "the failed fetch")
            schedule, copies = rig.updates[-1]
            assert copies[0].shifts == shifts  # the last good copy, still reported
            assert copies[0].problem is Problem.UNREADABLE
            assert copies[0].freshness is Freshness.STALE
            assert TOKEN not in copies[0].error
            assert schedule.next_shift_after(START) == shifts[1]  # still Monday 16th, 18:00
            # Backoff: well before the 900 s interval (first ceiling 30 s, floor 5 s).
            server.body = good
            await rig.time.advance(30)
            await until(lambda: len(rig.updates) == 4, "the retry")
            assert rig.last[0].problem is Problem.NONE
            await rig.keeper.stop()

        run(scenario)


def test_cache_reports_at_start_offline_and_removal_forgets(tmp_path: Path) -> None:
    rig = Rig(tmp_path)
    calendar = tmp_path / "rota.ics"
    calendar.write_bytes((DATA / "weekly-rotation.ics").read_bytes())

    async def first() -> None:
        await rig.keeper.apply([ics("team", str(calendar))])
        await until(lambda: len(rig.updates) == 2, "the first fetch")
        await rig.keeper.stop()

    run(first)
    fetched = rig.last[0]
    calendar.unlink()  # offline after a restart: the file is gone
    rig.updates.clear()
    rig.keeper = rig.make()

    async def second() -> None:
        await rig.keeper.apply([ics("team", str(calendar))])
        assert rig.updates[0][1] == [fetched]  # straight from the cache, before any fetch
        assert rig.updates[0][0].covers(START)
        await until(lambda: len(rig.updates) == 2, "the failed fetch")
        assert rig.last[0].shifts == fetched.shifts and rig.last[0].problem is not Problem.NONE
        await rig.keeper.apply([])
        assert rig.updates[-1][1] == [] and rig.cache.load("team") is None
        await settle()
        assert len(rig.updates) == 3  # nothing runs any more
        await rig.time.advance(3600)
        assert len(rig.updates) == 3

    run(second)


def test_missing_link_or_feed_says_what_to_do(tmp_path: Path) -> None:
    rig = Rig(tmp_path)

    async def scenario() -> None:
        vendor = ScheduleSourceConfig("pd", "pagerduty", "", {"feed": "work-pd"}, 300.0)
        await rig.keeper.apply([ics("team", "keyring"), vendor])
        await until(lambda: len(rig.updates) == 3, "both failures")
        by_name = {copy.name: copy for copy in rig.last}
        assert by_name["team"].problem is Problem.MISCONFIGURED
        assert "shiftbell schedule add LINK --name team" in by_name["team"].error
        assert by_name["pd"].problem is Problem.MISCONFIGURED
        assert "feed work-pd, which is not configured" in by_name["pd"].error
        assert not rig.updates[-1][0].covers(START)  # nothing known: on call, the safe side
        await rig.keeper.stop()

    run(scenario)


def test_a_vendor_schedule_signs_in_through_its_feed_and_obeys_retry_after(
    tmp_path: Path,
) -> None:
    rig = Rig(tmp_path)
    entries = [oncall("2026-03-09T09:00:00Z", "2026-03-16T09:00:00Z")]
    with FakePagerDutyOnCall(oncalls=entries) as pd:
        rig.feeds["work-pd"] = FeedConfig(name="work-pd", kind="pagerduty", url=pd.url)
        rig.secrets.set("work-pd", pd.token)
        config = ScheduleSourceConfig("pd", "pagerduty", "", {"feed": "work-pd"}, 300)

        async def scenario() -> None:
            await rig.keeper.apply([config])
            await until(lambda: len(rig.updates) == 2, "the first fetch")
            assert rig.last[0].problem is Problem.NONE
            assert on_call_state(rig.updates[-1][0], None, START).on_call
            pd.server.fail_next(429, "slow down", {"Retry-After": "600"}, path_prefix="/oncalls")
            await rig.time.advance(300)
            await until(lambda: len(rig.updates) == 3, "the rate-limited fetch")
            assert rig.last[0].problem is Problem.RATE_LIMITED
            assert rig.last[0].shifts  # the last good copy
            await rig.time.advance(599)  # longer than both the backoff and the interval
            assert len(rig.updates) == 3
            await rig.time.advance(1)
            await until(lambda: len(rig.updates) == 4, "the fetch after Retry-After")
            assert rig.last[0].problem is Problem.NONE
            await rig.keeper.stop()

        run(scenario)


def test_override_store_round_trip(tmp_path: Path) -> None:
    store = OverrideStore(tmp_path / "data")
    assert store.load() is None and store.clear() is False
    override = Override(on_call=False, until=START + timedelta(hours=4), since=START)
    store.save(override)
    assert OverrideStore(tmp_path / "data").load() == override  # a "restart"
    assert store.active(START + timedelta(hours=3)) == override
    assert store.active(START + timedelta(hours=4)) is None
    assert store.clear() is True and store.load() is None


def test_override_store_ignores_a_damaged_file(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = OverrideStore(tmp_path)
    store.path.write_text('{"version": 1, "on_call": false, "until": "noon"}', encoding="utf-8")
    assert store.load() is None
    assert "unreadable override" in caplog.text
