"""The app with many alerts firing at once: 100, 1,000 and 10,000 from a real Alertmanager.

One run per count: a fresh Alertmanager holding `count` firing alerts (one in ten critical),
the real app headless on a PulseAudio null sink polling it every 5 s, with the stall probe
on (`SHIFTBELL_STALL_PROBE=1`: a 20 ms timer on the main thread that records how late it
fires). Once every alert is on the board, over the next `window_s`:

- merge time per poll: the board, database and notices' share of a poll, as the app
  reports it in `GET /api/v1/health` (`timings.merge_ms`), the median of the polls seen;
- the longest main-thread stall, from the first poll that brought the alerts on;
- CPU of the process tree while they fire (seconds per second, i.e. cores);
- `shiftbell status --json` wall time.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from app_figures import listening
from measure import cpu_seconds, timed, tree, wait_for
from tests.alertmanager_process import AlertmanagerProcess
from tests.desktop import PulseSink
from tests.e2e.shiftbell_app import HeadlessHost, ShiftbellHome, shiftbell_command

POLL_S = 5


def fill(alertmanager: AlertmanagerProcess, count: int) -> None:
    for start in range(0, count, 1000):
        alertmanager.post_alerts(
            [
                {
                    "labels": {
                        "alertname": f"Node{n}Down",
                        "instance": f"node-{n}",
                        "severity": "critical" if n % 10 == 0 else "warning",
                    },
                    "annotations": {"summary": f"node-{n} is down"},
                }
                for n in range(start, min(count, start + 1000))
            ]
        )


def scale_run(sink: PulseSink, count: int, window_s: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="shiftbell-scale-") as tmp:
        root = Path(tmp)
        (root / "am").mkdir()
        with AlertmanagerProcess(root / "am") as alertmanager:
            fill(alertmanager, count)
            config = (
                f'[[feeds]]\nname = "am"\nkind = "alertmanager"\nurl = "{alertmanager.url}"\n'
                f"interval_s = {POLL_S}\n"
            )
            home = ShiftbellHome(root, config)
            host = HeadlessHost(sink.env, root)
            env = {**home.env(host.env), "SHIFTBELL_STALL_PROBE": "1"}
            proc = host.spawn([*shiftbell_command(), "run", "--headless"], env=env)
            try:
                return measure(proc, home, env, count, window_s)
            finally:
                host.stop()


def measure(
    proc: subprocess.Popen[bytes],
    home: ShiftbellHome,
    env: dict[str, str],
    count: int,
    window_s: float,
) -> dict[str, float]:
    token_file = home.root / "data" / "shiftbell" / "receiver-token"
    wait_for(lambda: listening(home.port) and token_file.exists(), 30, "the receiver")
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{home.port}/api/v1",
        headers={"Authorization": f"Bearer {token_file.read_text().strip()}"},
        timeout=60,
    )

    def timings() -> dict[str, Any]:
        answer = client.get("/health")
        answer.raise_for_status()
        return dict(answer.json().get("timings", {}))

    def all_in() -> bool:
        assert proc.poll() is None, "the app exited"
        return bool(timings().get("merged_alerts", {}).get("am") == count)

    wait_for(all_in, 120, f"{count} alerts merged", interval=0.2)
    stall_since_start = timings()["longest_stall_ms"]
    merges: list[float] = []
    last = None
    began, cpu_before = time.monotonic(), cpu_seconds(tree(proc.pid))
    while time.monotonic() - began < window_s:
        time.sleep(0.5)
        merge = timings()["merge_ms"]["am"]
        if merge != last:
            merges.append(merge)
            last = merge
    cpu = (cpu_seconds(tree(proc.pid)) - cpu_before) / (time.monotonic() - began)
    stall = max(stall_since_start, timings()["longest_stall_ms"])
    status_s = timed(
        lambda: subprocess.run(
            [*shiftbell_command(), "status", "--json"], env=env, check=True, capture_output=True
        )
    )
    client.close()
    return {
        f"alerts_{count}_merge_ms": statistics.median(merges),
        f"alerts_{count}_longest_stall_ms": stall,
        f"alerts_{count}_cpu_cores": cpu,
        f"alerts_{count}_status_json_s": status_s,
    }
