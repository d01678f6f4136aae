"""A timer that measures its own lateness: how long the main thread was kept from the
event loop (a storm's merge, a redraw), the stall a person sees as a frozen window.

Off unless `SHIFTBELL_STALL_PROBE=1`: waking 50 times a second costs idle CPU, which a
tray app running for weeks should not spend on measuring itself (benchmarks/ turns it on).
"""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QObject, Qt, QTimer

from shiftbell.runtime.timings import Timings

PERIOD_S = 0.02


def probe_wanted() -> bool:
    return os.environ.get("SHIFTBELL_STALL_PROBE", "") not in ("", "0")


class StallProbe(QObject):
    def __init__(self, timings: Timings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timings = timings
        timings.stall_probe = True
        # Counted from its first beat: until the event loop runs, start-up is not a stall.
        self._due: float | None = None
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(round(PERIOD_S * 1000))
        self._timer.timeout.connect(self._beat)
        self._timer.start()

    @property
    def counting(self) -> bool:
        """Whether it has beaten once (what happens before that does not count)."""
        return self._due is not None

    def _beat(self) -> None:
        now = time.monotonic()
        if self._due is not None:
            self._timings.stalled(max(0.0, now - self._due))
        self._due = now + PERIOD_S
