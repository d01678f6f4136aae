import random

import pytest

from shiftbell.core.backoff import Backoff, RetryStreak


def test_ceiling_doubles_from_the_base_up_to_the_cap() -> None:
    policy = Backoff(base_s=2, cap_s=300)
    assert [policy.ceiling(n) for n in range(0, 10)] == [0, 2, 4, 8, 16, 32, 64, 128, 256, 300]
    # No overflow however long a source stays down.
    assert policy.ceiling(10_000) == 300


def test_full_jitter_spreads_delays_over_the_whole_range_and_never_exceeds_the_ceiling() -> None:
    policy = Backoff(base_s=2, cap_s=300, floor_s=0.5, rng=random.Random(7))
    delays = [policy.delay_after(5) for _ in range(2000)]
    assert all(0.5 <= d <= 32 for d in delays)
    # Full jitter, not "ceiling plus a little": both halves of the range are used.
    assert min(delays) < 4 and max(delays) > 28
    capped = [policy.delay_after(50) for _ in range(200)]
    assert all(d <= 300 for d in capped) and max(capped) > 250


def test_the_same_seed_gives_the_same_delays() -> None:
    first = Backoff(rng=random.Random(42))
    second = Backoff(rng=random.Random(42))
    assert [first.delay_after(n) for n in range(1, 12)] == [
        second.delay_after(n) for n in range(1, 12)
    ]


def test_a_callable_random_source_is_accepted_and_pins_the_delay() -> None:
    assert Backoff(base_s=2, cap_s=300, rng=lambda: 0.5).delay_after(3) == 4.0
    # A bad source outside [0, 1) cannot push the delay past the ceiling.
    assert Backoff(base_s=2, cap_s=300, rng=lambda: 7.0).delay_after(3) == 8.0


def test_the_floor_stops_hammering_when_the_jitter_draws_zero() -> None:
    assert Backoff(floor_s=0.5, rng=lambda: 0.0).delay_after(1) == 0.5


def test_retry_after_is_never_undercut_and_never_obeyed_beyond_the_maximum() -> None:
    policy = Backoff(base_s=2, cap_s=300, max_retry_after_s=3600, rng=lambda: 0.5)
    assert policy.delay_after(1, retry_after_s=90) == 90  # asked for more than the backoff
    assert policy.delay_after(8, retry_after_s=5) == 128  # backoff already longer
    assert policy.delay_after(1, retry_after_s=86_400) == 3600  # a day is cut to an hour
    assert policy.delay_after(1, retry_after_s=-3) == 1.0  # nonsense is ignored
    assert policy.delay_after(1, retry_after_s=float("nan")) == 1.0
    assert policy.delay_after(0, retry_after_s=30) == 30


def test_no_failure_means_no_wait() -> None:
    assert Backoff(rng=lambda: 0.9).delay_after(0) == 0


def test_a_streak_grows_with_failures_and_resets_on_success() -> None:
    streak = RetryStreak(Backoff(base_s=2, cap_s=300, rng=lambda: 1.0))
    assert [streak.failed() for _ in range(4)] == [2, 4, 8, 16]
    streak.succeeded()
    assert streak.failures == 0
    assert streak.failed() == 2
    assert streak.failed(retry_after_s=60) == 60


def test_inconsistent_settings_are_refused_with_the_values() -> None:
    with pytest.raises(ValueError, match="floor_s <= base_s <= cap_s"):
        Backoff(base_s=10, cap_s=5)
