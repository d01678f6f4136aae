"""Soak: a compressed week of events through the real app.

    .venv/bin/python benchmarks/soak.py [--hand-overs 200000] [--feeds 20]

The real `shiftbell` process, headless with a private PulseAudio sink, watches `--feeds`
Alertmanager feeds (a real Debian Alertmanager, polled every 2 s) while a stream of
alerts is fired and resolved through its receiver: each POST is one hand-over from the
worker thread to the Qt main thread, as are the feeds' status updates. PySide6 6.12.0
aborted the app after a few thousand of these. The app must end alive, and its memory
flat: the median RSS of the last quarter at most 10 % above the first quarter's.
Prints one JSON object of results; exits 1 when the app died or memory grew.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from tests.alertmanager_process import AlertmanagerProcess  # noqa: E402
from tests.desktop import PulseSink  # noqa: E402
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome  # noqa: E402

POLL_S = 2
MAX_GROWTH = 0.10


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def feeds(url: str, count: int) -> str:
    return "".join(
        f'[[feeds]]\nname = "am-{n}"\nkind = "alertmanager"\nurl = "{url}"\ninterval_s = {POLL_S}\n'
        for n in range(count)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hand-overs", type=int, default=200_000)
    parser.add_argument("--feeds", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, PulseSink() as sink:
        root = Path(tmp)
        (root / "am").mkdir()
        with AlertmanagerProcess(root / "am") as alertmanager:
            alertmanager.fire({"alertname": "Soak", "severity": "warning"}, {"summary": "soak"})
            host = HeadlessHost(sink.env, root)
            app = RunningApp(host, ShiftbellHome(root, feeds(alertmanager.url, args.feeds)))
            try:
                return soak(app, args.hand_overs, args.feeds)
            finally:
                host.stop()


def soak(app: RunningApp, hand_overs: int, feed_count: int) -> int:
    app.start()
    assert app.proc is not None
    pid = app.proc.pid
    token = (app.home.root / "data" / "shiftbell" / "receiver-token").read_text().strip()
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{app.home.port}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    began = time.monotonic()
    samples: list[float] = []
    posts = 0
    next_sample = began
    while posts + feed_count * (time.monotonic() - began) / POLL_S < hand_overs:
        key = f"k{posts % 50}"
        firing = (posts // 50) % 2 == 0  # fifty alerts fire, then resolve, and again
        body = {"title": f"Soak {key}", "key": key, "severity": "critical"}
        if not firing:
            body["status"] = "resolved"
        answer = client.post("/alerts", json=body)
        if answer.status_code >= 300 and answer.status_code != 404:
            print(f"POST answered {answer.status_code}: {answer.text}", file=sys.stderr)
        posts += 1
        if time.monotonic() >= next_sample:
            if app.proc.poll() is not None:
                break
            samples.append(rss_mb(pid))
            next_sample += 5
    elapsed = time.monotonic() - began
    alive = app.proc.poll() is None and client.get("/health").status_code == 200
    quarter = max(1, len(samples) // 4)
    first = statistics.median(samples[:quarter]) if samples else 0.0
    last = statistics.median(samples[-quarter:]) if samples else 0.0
    growth = (last - first) / first if first else 0.0
    result = {
        "hand_overs": int(posts + feed_count * elapsed / POLL_S),
        "posts": posts,
        "feeds": feed_count,
        "seconds": round(elapsed, 1),
        "alive": alive,
        "rss_first_quarter_mb": round(first, 1),
        "rss_last_quarter_mb": round(last, 1),
        "rss_growth": round(growth, 3),
    }
    print(json.dumps(result, indent=2))
    return 0 if alive and growth <= MAX_GROWTH else 1


if __name__ == "__main__":
    sys.exit(main())
