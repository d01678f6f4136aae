"""What the benchmarks read off a running process tree, and how they sum up runs."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")
TICKS = os.sysconf("SC_CLK_TCK")


def tree(pid: int) -> list[int]:
    """`pid` and every process below it (the alarm's player, `pactl`), alive now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def cpu_seconds(pids: Iterable[int]) -> float:
    """User plus system CPU time of `pids` (and of the children they have waited for)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / TICKS


def timed(action: Callable[[], object]) -> float:
    """Seconds `action()` took, on the monotonic clock."""
    began = time.monotonic()
    action()
    return time.monotonic() - began


def memory_mb(pids: Iterable[int], field: str = "Rss") -> float:
    """The sum of `field` ("Rss" or "Pss", from smaps_rollup) over `pids`, in MB."""
    total = 0
    for pid in pids:
        try:
            lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith(f"{field}:"):
                total += int(line.split()[1])
    return total / 1024


def wait_for(
    check: Callable[[], T | None], timeout: float, what: str, interval: float = 0.005
) -> T:
    """`check()`'s first true answer; AssertionError after `timeout` seconds without one."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {timeout:g} s")
        time.sleep(interval)


def summary(values: Sequence[float]) -> dict[str, float | int]:
    """min / median / max (and how many) of one figure's runs."""
    return {
        "min": round(min(values), 4),
        "median": round(statistics.median(values), 4),
        "max": round(max(values), 4),
        "runs": len(values),
    }


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile: the value `share` of `values` are at or below."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]
