"""In-test doubles of the sources' feeds and a rig around a real desk, store and fake clock,
for the feed runner's and the acknowledgement sender's tests; waiting is on virtual time."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from tests.helpers.virtual_time import VirtualTime

from shiftbell.core.alert import Alert, Incoming, Severity
from shiftbell.core.backoff import Backoff
from shiftbell.core.clock import FakeClock
from shiftbell.core.feed_status import FeedStatus
from shiftbell.runtime.desk import AlertDesk
from shiftbell.runtime.feed_runner import FeedRunner
from shiftbell.sources.feed import AckReceipt, EventSink, FeedConfig
from shiftbell.store.alert_store import AlertStore

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
NEVER = object()


class PollingDouble:
    """A PollingFeed adapter double: scripted fetch and acknowledge outcomes, calls recorded."""

    def __init__(
        self,
        clock: FakeClock,
        name: str = "prod",
        *,
        interval_s: float = 15.0,
        stale_after_s: float = 120.0,
    ) -> None:
        self.config = FeedConfig(
            name,
            "alertmanager",
            "http://127.0.0.1:9093",
            interval_s=interval_s,
            stale_after_s=stale_after_s,
        )
        self.clock = clock
        self.alerts: list[Incoming] | BaseException = []
        self.hang = False
        self.gate: asyncio.Event | None = None
        self.fetched_at: list[datetime] = []
        self.ack_outcome: AckReceipt | BaseException = AckReceipt("silence-1")
        self.acked: list[tuple[datetime, str]] = []
        self.ack_labels: list[tuple[tuple[str, str], ...]] = []
        self.unacked: list[tuple[str, str]] = []
        self.resolved: list[tuple[str, str]] = []  # (alert id, the person's comment)
        self.resolve_outcome: BaseException | None = None
        self.ack_hangs = False
        self.acks_at_once = 0
        self.most_acks_at_once = 0
        self.closed = False

    async def fetch(self) -> list[Incoming]:
        self.fetched_at.append(self.clock.now())
        answer = self.alerts  # the source's state when it served the request
        if self.hang:
            await asyncio.Event().wait()
        if self.gate is not None:
            gate, self.gate = self.gate, None
            await gate.wait()
        if isinstance(answer, BaseException):
            raise answer
        return list(answer)

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        self.acked.append((self.clock.now(), alert.id))
        self.ack_labels.append(alert.labels)
        self.acks_at_once += 1
        self.most_acks_at_once = max(self.most_acks_at_once, self.acks_at_once)
        try:
            if self.ack_hangs:
                await asyncio.Event().wait()
            await asyncio.sleep(0)  # a moment on the wire, so requests can overlap
            if isinstance(self.ack_outcome, BaseException):
                raise self.ack_outcome
            return self.ack_outcome
        finally:
            self.acks_at_once -= 1

    async def resolve(self, alert: Alert) -> None:
        self.resolved.append((alert.id, alert.ack_comment))
        if isinstance(self.resolve_outcome, BaseException):
            raise self.resolve_outcome

    async def unacknowledge(self, alert: Alert, receipt: AckReceipt) -> None:
        self.unacked.append((alert.id, receipt.reference))

    async def test(self) -> str:
        return "ok"

    async def close(self) -> None:
        self.closed = True


class StreamDouble:
    """A StreamFeed adapter double: the test pushes events, errors or a clean close."""

    def __init__(self, clock: FakeClock, name: str = "push") -> None:
        self.config = FeedConfig(name, "ntfy", "http://127.0.0.1:8080")
        self.clock = clock
        self.connected_at: list[datetime] = []
        self.refuse: BaseException | None = None
        self.events: asyncio.Queue[Incoming | BaseException | None] = asyncio.Queue()
        self.closed = False

    async def stream(self, sink: EventSink, connected: Callable[[], None]) -> None:
        self.connected_at.append(self.clock.now())
        if self.refuse is not None:
            raise self.refuse
        connected()
        while True:
            event = await self.events.get()
            if event is None:
                return
            if isinstance(event, BaseException):
                raise event
            sink(event)

    async def acknowledge(self, alert: Alert) -> AckReceipt:
        return AckReceipt(local_only=True)

    async def test(self) -> str:
        return "ok"

    async def close(self) -> None:
        self.closed = True


class Rig:
    """A real desk (optionally on a real store), a fake clock, and a feed runner on virtual time."""

    def __init__(self, store: AlertStore | None = None, clock: FakeClock | None = None) -> None:
        self.clock = clock or FakeClock(T0)
        self.time = VirtualTime(self.clock)
        self.store = store
        self.desk = AlertDesk(self.clock, store)
        self.statuses: list[FeedStatus] = []
        self.removed: list[str] = []
        self.feed_runner = FeedRunner(
            self.desk,
            self.clock,
            store,
            on_status=self.statuses.append,
            on_removed=self.removed.append,
            # Every jitter draws the ceiling: the backoff schedule is exact (2, 4, 8 ... s).
            backoff=Backoff(base_s=2, cap_s=300, rng=lambda: 1.0),
            sleep=self.time.sleep,
        )

    def status(self, name: str) -> FeedStatus:
        return next(s for s in reversed(self.statuses) if s.name == name)

    def alerts(self, feed_id: str) -> list[Alert]:
        return [a for a in self.desk.active() if a.key.feed_id == feed_id]

    def alert(self, alert_id: str) -> Alert:
        alert = self.desk.get(alert_id)
        assert alert is not None, f"no active alert {alert_id}"
        return alert


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(test())  # type: ignore[arg-type]


def disk(source_id: str = "disk", **fields: object) -> Incoming:
    values: dict[str, object] = {
        "title": "Disk full",
        "severity": Severity.CRITICAL,
        "labels": (("alertname", "DiskFull"), ("instance", "db1")),
    }
    values.update(fields)
    return Incoming(source_id, **values)  # type: ignore[arg-type]
