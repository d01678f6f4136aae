import threading

from shiftbell.core.alert import Alert, Incoming, Severity, Status
from shiftbell.core.board import Changes
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import StoreError
from shiftbell.runtime.desk import AlertDesk


class FlakyStore:
    """A real in-memory store whose disk can be made to fail, to test the desk's reaction."""

    def __init__(self) -> None:
        self.saved: dict[str, Alert] = {}
        self.full = False

    def load_active(self) -> list[Alert]:
        return [a for a in self.saved.values() if a.is_active]

    def record(self, changes: Changes, via: str = "") -> None:
        if self.full:
            raise StoreError("cannot save alerts to /x.sqlite3: the disk is full")
        for alert in changes.all:
            self.saved[alert.id] = alert

    def history(self, limit: int = 200) -> list[Alert]:
        return [a for a in self.saved.values() if a.status is not Status.FIRING][:limit]


def test_listeners_see_every_change_in_order_from_many_threads() -> None:
    desk = AlertDesk(FakeClock())
    seen: list[str] = []
    desk.subscribe(lambda changes: seen.extend(a.key.source_id for a in changes.new))

    def feed(prefix: str) -> None:
        for i in range(50):
            desk.ingest("local", [Incoming(f"{prefix}{i}", "t", Severity.INFO)])

    threads = [threading.Thread(target=feed, args=(p,)) for p in "abcd"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 200 and len(set(seen)) == 200
    assert len(desk.active()) == 200
    for prefix in "abcd":
        mine = [s for s in seen if s.startswith(prefix)]
        assert mine == [f"{prefix}{i}" for i in range(50)]


def test_no_change_means_no_notification() -> None:
    desk = AlertDesk(FakeClock())
    calls: list[Changes] = []
    desk.subscribe(calls.append)
    desk.ingest("local", [Incoming("a", "t")])
    desk.ingest("local", [Incoming("a", "t")])
    assert len(calls) == 1


def test_a_failing_listener_does_not_stop_the_others() -> None:
    desk = AlertDesk(FakeClock())
    got: list[Changes] = []

    def broken(_: Changes) -> None:
        raise RuntimeError("boom")

    desk.subscribe(broken)
    desk.subscribe(got.append)
    desk.ingest("local", [Incoming("a", "t")])
    assert len(got) == 1


def test_full_disk_is_reported_and_nothing_is_lost_in_memory() -> None:
    store = FlakyStore()
    desk = AlertDesk(FakeClock(), store)
    problems: list[str] = []
    desk.subscribe_problems(problems.append)
    store.full = True
    alert = desk.ingest("local", [Incoming("a", "Disk full", Severity.CRITICAL)]).new[0]
    assert problems == ["cannot save alerts to /x.sqlite3: the disk is full"]
    assert desk.store_problem.endswith("the disk is full")
    assert desk.get(alert.id) == alert
    store.full = False
    desk.acknowledge(alert.id, "test")
    assert problems[-1] == ""
    assert store.saved[alert.id].status is Status.ACKNOWLEDGED


def test_desk_restores_active_alerts_from_the_store() -> None:
    store = FlakyStore()
    clock = FakeClock()
    first = AlertDesk(clock, store)
    alert = first.ingest("local", [Incoming("a", "t", Severity.CRITICAL)]).new[0]
    first.acknowledge(alert.id, "test")
    second = AlertDesk(clock, store)
    restored = second.get(alert.id)
    assert restored is not None and restored.status is Status.ACKNOWLEDGED
