"""Shiftbell's figures, measured on this machine: `make bench`.

    .venv/bin/python benchmarks/bench.py [--runs 3] [--quick] [--only desktop,cli,scale]

Runs every figure at least `--runs` times (benchmarks/app_figures.py, cli and
scale_figures.py say how each is read), writes them with min / median / max to
benchmarks/results/<UTC time>.json and prints a table. Each median is set against the
newest earlier result of the same machine (the same CPU model, cores and memory) and
the same kind of run (`--quick` shortens the settle and idle windows: its figures are only
compared with quick runs): a ratio above 1 is slower or bigger than last time. No figure
has a pass mark here; the README's Performance section holds the goals.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path[:0] = [str(BENCH), str(REPO)]

from app_figures import Durations, desktop_figures  # noqa: E402
from measure import percentile, summary  # noqa: E402
from scale_figures import scale_run  # noqa: E402
from tests.alertmanager_process import AlertmanagerProcess  # noqa: E402
from tests.desktop import PulseSink, VirtualDesktop  # noqa: E402
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome  # noqa: E402

RESULTS = BENCH / "results"
SCALES = (100, 1_000, 10_000)


def machine() -> dict[str, Any]:
    cpu = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
    }


def cli_figures(sink: PulseSink, runs: int) -> dict[str, list[float]]:
    """Wall time of `shiftbell status` and `shiftbell ack ID` against a running app."""
    found: dict[str, list[float]] = {"cli_status_s": [], "cli_ack_s": []}
    with tempfile.TemporaryDirectory(prefix="shiftbell-cli-") as tmp:
        root = Path(tmp)
        host = HeadlessHost(sink.env, root)
        app = RunningApp(host, ShiftbellHome(root, ""))
        try:
            app.start()
            for run in range(runs):
                app.api("POST", "alerts", {"title": "CLI", "key": f"cli-{run}"}).raise_for_status()
                alert_id = next(a["id"] for a in app.status() if a["key"] == f"cli-{run}")
                for name, args in (("cli_status_s", ["status"]), ("cli_ack_s", ["ack", alert_id])):
                    began = time.monotonic()
                    app.cli(*args)
                    found[name].append(time.monotonic() - began)
        finally:
            host.stop()
    return found


def measure_all(runs: int, quick: bool, only: set[str]) -> dict[str, list[float]]:
    durations = Durations(settle_s=10, idle_s=20, posts=20) if quick else Durations()
    figures: dict[str, list[float]] = {}

    def add(found: dict[str, Any]) -> None:
        for name, value in found.items():
            figures.setdefault(name, []).extend(value if isinstance(value, list) else [value])

    with PulseSink() as sink:
        if "desktop" in only:
            with (
                VirtualDesktop(audio=sink) as desktop,
                tempfile.TemporaryDirectory(prefix="shiftbell-bench-") as tmp,
            ):
                root = Path(tmp)
                (root / "am").mkdir()
                with AlertmanagerProcess(root / "am") as alertmanager:
                    for run in range(runs):
                        add(desktop_figures(desktop, sink, alertmanager, root, run, durations))
                        print(f"desktop run {run + 1} of {runs} done", file=sys.stderr)
        if "cli" in only:
            add(cli_figures(sink, max(runs, 5)))
        if "scale" in only:
            for count in SCALES:
                for _ in range(runs):
                    add(scale_run(sink, count, 12 if quick else 30))
                print(f"{count} alerts done", file=sys.stderr)
    if "post_to_notify_s" in figures:
        figures["post_to_notify_p99_s"] = [percentile(figures["post_to_notify_s"], 0.99)]
    return figures


def previous(
    results: Path, here: dict[str, Any], quick: bool, before: str
) -> dict[str, Any] | None:
    """The newest result in `results` older than `before`, of this machine and kind of run."""
    for path in sorted(results.glob("*.json"), reverse=True):
        if path.stem >= before:
            continue
        try:
            old = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if old.get("machine", {}).get("cpu") != here["cpu"]:
            continue
        if {k: old["machine"].get(k) for k in ("cores", "memory_gb")} != {
            k: here[k] for k in ("cores", "memory_gb")
        }:
            continue
        if bool(old.get("quick")) == quick:
            return dict(old)
    return None


def compare(result: dict[str, Any], earlier: dict[str, Any] | None) -> None:
    """Each figure's median over `earlier`'s, as `ratio` (above 1: slower or bigger)."""
    if earlier is None:
        return
    result["previous"] = earlier["when"]
    for name, figure in result["figures"].items():
        old = earlier.get("figures", {}).get(name, {}).get("median")
        if old:
            figure["ratio"] = round(figure["median"] / old, 3)


def table(result: dict[str, Any]) -> str:
    lines = [
        "| figure | min | median | max | runs | vs. previous |",
        "|---|---|---|---|---|---|",
    ]
    for name, figure in result["figures"].items():
        ratio = figure.get("ratio")
        lines.append(
            f"| {name} | {figure['min']:g} | {figure['median']:g} | {figure['max']:g} "
            f"| {figure['runs']} | {f'{ratio:.2f}x' if ratio else 'first'} |"
        )
    return "\n".join(lines)


def git_commit() -> str:
    answer = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    )
    return answer.stdout.strip()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="shorter windows, for trying out")
    parser.add_argument("--only", default="desktop,cli,scale")
    args = parser.parse_args(argv)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    # As installed (pip and the bundle compile the bytecode): a start must not count the
    # compiling of a checkout where PYTHONDONTWRITEBYTECODE kept it from being saved.
    compileall.compile_dir(REPO / "desktop", quiet=1)
    figures = measure_all(args.runs, args.quick, set(args.only.split(",")))
    here = machine()
    result: dict[str, Any] = {
        "when": stamp,
        "commit": git_commit(),
        "quick": args.quick,
        "machine": here,
        "figures": {name: summary(values) for name, values in sorted(figures.items())},
    }
    compare(result, previous(RESULTS, here, args.quick, stamp))
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{stamp}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(table(result))
    print(f"\n{path.relative_to(REPO)} ({here['cpu']}, {here['cores']} cores)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
