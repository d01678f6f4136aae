"""The snooze survives a restart; a damaged file means no snooze."""

from datetime import UTC, datetime
from pathlib import Path

from shiftbell.core.alert import Severity
from shiftbell.core.snooze import Snooze, SnoozedAlert
from shiftbell.store.snooze_store import SnoozeStore

WHEN = datetime(2026, 12, 3, 3, 25, tzinfo=UTC)


def test_a_snooze_is_kept_and_forgotten(tmp_path: Path) -> None:
    store = SnoozeStore(tmp_path)
    snooze = Snooze(WHEN, (SnoozedAlert("a1", WHEN, Severity.CRITICAL),))
    store.save(snooze)
    assert SnoozeStore(tmp_path).load() == snooze
    store.save(None)
    assert store.load() is None and not store.path.exists()


def test_a_damaged_file_is_no_snooze(tmp_path: Path) -> None:
    store = SnoozeStore(tmp_path)
    for text in (b"{", b"\xff", b'{"version": 1, "until": "03:25", "covered": []}', b"[]"):
        store.path.write_bytes(text)
        assert store.load() is None


def test_each_alerts_own_snooze_is_kept_beside_the_snooze_of_everything(tmp_path: Path) -> None:
    store = SnoozeStore(tmp_path)
    everything = Snooze(WHEN, (SnoozedAlert("a1", WHEN, Severity.CRITICAL),))
    own = {"a2": Snooze(WHEN, (SnoozedAlert("a2", WHEN, Severity.WARNING),))}
    store.save(None, own)
    assert store.load() is None and SnoozeStore(tmp_path).load_alerts() == own
    store.save(everything, own)
    assert (store.load(), store.load_alerts()) == (everything, own)
    store.save(None, {})
    assert not store.path.exists()


def test_a_version_1_file_is_still_the_snooze_of_everything(tmp_path: Path) -> None:
    store = SnoozeStore(tmp_path)
    store.path.write_text(
        '{"version": 1, "until": "2026-12-03T03:25:00+00:00", '
        '"covered": [{"id": "a1", "alarm_since": "2026-12-03T03:25:00+00:00", '
        '"severity": "critical"}]}'
    )
    assert store.load() == Snooze(WHEN, (SnoozedAlert("a1", WHEN, Severity.CRITICAL),))
    assert store.load_alerts() == {}
