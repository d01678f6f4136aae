"""`make bench`'s bookkeeping: runs summed up, and each figure set against the last result of
the same machine and the same kind of run (benchmarks/bench.py)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[3] / "benchmarks"
sys.path.insert(0, str(BENCH))
bench = importlib.import_module("bench")
measure = importlib.import_module("measure")

MACHINE = {"cpu": "AMD EPYC", "cores": 2, "memory_gb": 24, "system": "Linux", "python": "3.11"}


def result(when: str, median: float, *, quick: bool = False, **machine: Any) -> dict[str, Any]:
    return {
        "when": when,
        "quick": quick,
        "machine": {**MACHINE, **machine},
        "figures": {"start_to_tray_s": {"min": median, "median": median, "max": median}},
    }


def test_runs_are_summed_up_as_min_median_max() -> None:
    assert measure.summary([0.3, 0.1, 0.2]) == {"min": 0.1, "median": 0.2, "max": 0.3, "runs": 3}
    assert measure.percentile(list(range(1, 101)), 0.99) == 99
    assert measure.percentile([5.0], 0.99) == 5.0


def test_the_ratio_is_to_the_newest_earlier_result_of_this_machine_and_kind(
    tmp_path: Path,
) -> None:
    def keep(when: str, median: float, **extra: Any) -> None:
        (tmp_path / f"{when}.json").write_text(json.dumps(result(when, median, **extra)))

    keep("20261201T000000Z", 2.0)
    keep("20261202T000000Z", 1.0)
    keep("20261203T000000Z", 9.0, quick=True)  # a quick run: not compared with a full one
    keep("20261203T100000Z", 9.0, cpu="Intel Xeon")  # another machine
    keep("20261205T000000Z", 9.0)  # later than the run at hand
    (tmp_path / "20261203T200000Z.json").write_text("{not json")

    earlier = bench.previous(tmp_path, MACHINE, False, "20261204T000000Z")
    assert earlier is not None and earlier["when"] == "20261202T000000Z"
    now = result("20261204T000000Z", 0.5)
    now["figures"]["start_to_tray_s"]["runs"] = 3
    bench.compare(now, earlier)
    assert now["previous"] == "20261202T000000Z"
    assert now["figures"]["start_to_tray_s"]["ratio"] == 0.5
    assert "| start_to_tray_s | 0.5 | 0.5 | 0.5 | 3 | 0.50x |" in bench.table(now)

    assert bench.previous(tmp_path, {**MACHINE, "cores": 8}, False, "20261204T000000Z") is None
