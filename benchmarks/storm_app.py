"""The real app in a storm: 10,000 active alerts.

    .venv/bin/python benchmarks/storm_app.py [--alerts N] [--runs 3]

Runs the real `shiftbell` process headless with a private PulseAudio sink, posts N
firing alerts (one in ten critical), then measures: the app's CPU while they fire
(10 s, after 5 s to settle), `shiftbell status --json` and `shiftbell ack --all` wall
time, and start-up with them stored against an empty start-up. Targets: CPU under
10 % of a core, each command under 2 s, start-up at most 1.5x the empty one. Prints
min / median / max over the runs and exits 1 when a median misses its target.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "benchmarks"), str(REPO)]

from measure import cpu_seconds, timed  # noqa: E402
from tests.desktop import PulseSink  # noqa: E402
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome  # noqa: E402

TARGETS = {"cpu_percent": 10.0, "status_json_s": 2.0, "ack_all_s": 2.0, "start_ratio": 1.5}


def one_run(count: int, root: Path, sink: PulseSink) -> dict[str, float]:
    host = HeadlessHost(sink.env, root)
    app = RunningApp(host, ShiftbellHome(root, ""))
    try:
        empty_start = timed(app.start)
        for start in range(0, count, 1000):
            batch = [
                {
                    "title": f"Node {n} down",
                    "key": f"n{n}",
                    "severity": "critical" if n % 10 == 0 else "warning",
                }
                for n in range(start, min(count, start + 1000))
            ]
            app.api("POST", "alerts", batch).raise_for_status()
        assert app.proc is not None
        time.sleep(5)  # the first notifications and the window catch up
        before, began = cpu_seconds([app.proc.pid]), time.monotonic()
        time.sleep(10)
        cpu = 100 * (cpu_seconds([app.proc.pid]) - before) / (time.monotonic() - began)
        status_s = timed(lambda: app.cli("status", "--json"))
        ack_s = timed(lambda: app.cli("ack", "--all"))
        app.stop()
        full_start = timed(lambda: app.start(timeout=60))
        return {
            "cpu_percent": cpu,
            "status_json_s": status_s,
            "ack_all_s": ack_s,
            "start_ratio": full_start / empty_start,
        }
    finally:
        host.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: list[dict[str, float]] = []
    with PulseSink() as sink:
        for run in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp:
                results.append(one_run(args.alerts, Path(tmp), sink))
            print(f"run {run + 1}: " + ", ".join(f"{k} {v:.2f}" for k, v in results[-1].items()))
    missed = False
    for name, target in TARGETS.items():
        values = [r[name] for r in results]
        median = statistics.median(values)
        ok = median <= target
        missed = missed or not ok
        print(
            f"{name}: min {min(values):.2f} median {median:.2f} max {max(values):.2f} "
            f"(target <= {target:g}) {'ok' if ok else 'MISSED'}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
