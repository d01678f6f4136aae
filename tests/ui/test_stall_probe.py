"""The stall probe (SHIFTBELL_STALL_PROBE=1, for benchmarks/): the main thread kept from its
event loop shows as the longest stall in /health's timings, and is started afresh when read."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QTimer
from pytestqt.qtbot import QtBot

from shiftbell.runtime.timings import Timings
from shiftbell.ui.stall_probe import StallProbe, probe_wanted


def test_a_blocked_main_thread_is_measured(qtbot: QtBot) -> None:
    timings = Timings()
    probe = StallProbe(timings)
    qtbot.waitUntil(lambda: probe.counting, timeout=2000)

    def block() -> None:
        time.sleep(0.3)  # the stall under test: a merge or redraw holding the main thread

    QTimer.singleShot(0, block)
    qtbot.waitUntil(lambda: timings.longest_stall_s >= 0.25, timeout=3000)
    assert timings.report(reset_stall=True)["longest_stall_ms"] >= 250
    assert timings.report()["longest_stall_ms"] < 250
    assert probe.counting


def test_the_probe_is_off_unless_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SHIFTBELL_STALL_PROBE", raising=False)
    assert not probe_wanted()
    assert "longest_stall_ms" not in Timings().report()
    monkeypatch.setenv("SHIFTBELL_STALL_PROBE", "1")
    assert probe_wanted()


def test_merges_are_kept_per_feed() -> None:
    timings = Timings()
    timings.merged("prod", 0.0123, 40)
    assert timings.report() == {"merge_ms": {"prod": 12.3}, "merged_alerts": {"prod": 40}}
