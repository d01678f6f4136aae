"""Alert storm: how fast alerts go through the desk into SQLite, and the receiver round trip.

    .venv/bin/python benchmarks/alert_storm.py [--alerts N]

Targets (on the 2-core reference machine): a storm of 1000 alerts is taken in under
10 s with every one saved before it is shown (≥ 100 alerts/s), and a `POST /api/v1/alerts`
answers in under 50 ms at the median. Prints the numbers; exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "desktop"))

import httpx

from shiftbell.core.alert import Incoming, Severity
from shiftbell.receiver.server import LocalReceiver, ReceiverCommands
from shiftbell.runtime.desk import AlertDesk
from shiftbell.store.alert_store import AlertStore
from shiftbell.system.clock import SystemClock

STORM_TARGET_PER_S = 100.0
POST_TARGET_MS = 50.0


def storm(count: int, directory: Path) -> float:
    store = AlertStore.open(directory / "storm.sqlite3")
    desk = AlertDesk(SystemClock(), store)
    start = time.perf_counter()
    for i in range(count):
        desk.ingest("bench", [Incoming(f"k{i}", f"alert {i}", Severity.WARNING)])
    elapsed = time.perf_counter() - start
    store.close()
    return count / elapsed


async def post_latency(requests: int) -> list[float]:
    desk = AlertDesk(SystemClock())
    receiver = LocalReceiver(
        desk,
        "bench-token",
        0,
        level_of=lambda _: 0,
        commands=ReceiverCommands(show_window=lambda: None, test_alarm=lambda: None),
    )
    await receiver.start()
    timings = []
    try:
        async with httpx.AsyncClient(
            base_url=receiver.url, headers={"Authorization": "Bearer bench-token"}
        ) as client:
            for i in range(requests):
                begin = time.perf_counter()
                answer = await client.post("/api/v1/alerts", json={"title": f"t{i}", "key": str(i)})
                timings.append((time.perf_counter() - begin) * 1000)
                answer.raise_for_status()
    finally:
        await receiver.stop()
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rate = storm(args.alerts, Path(tmp))
    timings = asyncio.run(post_latency(200))
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[18]
    print(f"storm: {args.alerts} alerts, {rate:.0f} alerts/s saved")
    print(f"  target: >= {STORM_TARGET_PER_S:.0f} alerts/s")
    print(f"POST /api/v1/alerts: median {median:.1f} ms, p95 {p95:.1f} ms")
    print(f"  target: median < {POST_TARGET_MS:.0f} ms")
    return 0 if rate >= STORM_TARGET_PER_S and median < POST_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
