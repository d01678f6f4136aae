"""RecentIds: the repeat filter ntfy and Gotify share."""

from __future__ import annotations

from shiftbell.sources.streams import SEEN_LIMIT, RecentIds


def test_an_added_id_is_recognised_as_seen() -> None:
    seen: RecentIds[str] = RecentIds()
    seen.add("a1")
    assert "a1" in seen
    assert "a2" not in seen


def test_the_oldest_ids_are_forgotten_beyond_the_limit() -> None:
    seen: RecentIds[int] = RecentIds(limit=3)
    for event_id in (1, 2, 3, 4):
        seen.add(event_id)
    assert 1 not in seen
    assert all(event_id in seen for event_id in (2, 3, 4))


def test_the_default_limit_keeps_two_thousand_ids() -> None:
    seen: RecentIds[int] = RecentIds()
    for event_id in range(SEEN_LIMIT + 1):
        seen.add(event_id)
    assert SEEN_LIMIT == 2000
    assert 0 not in seen
    assert 1 in seen
    assert SEEN_LIMIT in seen
