"""Where the running app's time goes, for `GET /api/v1/health` (`timings`) and benchmarks/.

How long the last merge of each feed's answer took (parsing is the source's; this is the
board, the database and the notices), and, when the stall probe runs (ui/stall_probe.py,
`SHIFTBELL_STALL_PROBE=1`), the longest the main thread was late for a timer. Written from
the loop thread and the main thread, read from the loop thread: plain values under the GIL.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Timings:
    merge_s: dict[str, float] = field(default_factory=dict)
    merged_alerts: dict[str, int] = field(default_factory=dict)
    stall_probe: bool = False
    longest_stall_s: float = 0.0

    def merged(self, feed: str, seconds: float, alerts: int) -> None:
        self.merge_s[feed] = seconds
        self.merged_alerts[feed] = alerts

    def stalled(self, seconds: float) -> None:
        self.longest_stall_s = max(self.longest_stall_s, seconds)

    def report(self, reset_stall: bool = False) -> dict[str, object]:
        """The figures in milliseconds; `reset_stall` starts the longest stall afresh."""
        found: dict[str, object] = {
            "merge_ms": {name: round(s * 1000, 3) for name, s in dict(self.merge_s).items()},
            "merged_alerts": dict(self.merged_alerts),
        }
        if self.stall_probe:
            found["longest_stall_ms"] = round(self.longest_stall_s * 1000, 3)
            if reset_stall:
                self.longest_stall_s = 0.0
        return found
