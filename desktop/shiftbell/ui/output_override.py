"""A looping alarm is heard even on a muted or turned-down output, as phones override the
ringer: while it sounds the default output is unmuted and at least RAISED_PERCENT loud, and
once it stops the output is put back as it was (only what was changed, on the output that was
changed). Through `pactl`, where the sound server speaks the PulseAudio protocol (PulseAudio,
PipeWire's pipewire-pulse); without pactl nothing is changed and the sound watch still says
when the output is muted.

`pactl` runs on a thread of its own, one call after another in the order asked: a sound
server that hangs costs it up to PACTL_TIMEOUT_S a call, and must never freeze the window
while the person reaches for Acknowledge.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from shiftbell.core.escalation import AlarmState

log = logging.getLogger(__name__)

RAISED_PERCENT = 70
PACTL_TIMEOUT_S = 2.0
# At quit the output is put back before Shiftbell ends, if the sound server answers by then.
RESTORE_WAIT_S = 3 * PACTL_TIMEOUT_S
_PERCENT = re.compile(r"(\d+)%")


@dataclass(frozen=True)
class _Changed:
    """What was changed on which output, to put back."""

    sink: str
    was_muted: bool
    volume_percent: int | None  # None: the volume was left alone


class OutputOverride:
    """`follow(state)` at every alarm change (it returns at once); `restore()` at exit."""

    def __init__(self, enabled: bool = True, pactl: str | None = None) -> None:
        self.enabled = enabled
        self._pactl = pactl if pactl is not None else (shutil.which("pactl") or "")
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="output-override")
        self._lock = threading.Lock()
        self._changed: _Changed | None = None  # written on the worker
        self._raising = False  # what was last asked, on the caller's thread
        self._closed = False

    @property
    def active(self) -> bool:
        """Whether the output is held unmuted and raised now."""
        with self._lock:
            return self._changed is not None

    def follow(self, state: AlarmState) -> None:
        if self._closed:
            return
        looping = state.loop_sound is not None
        if looping and self.enabled and not self._raising:
            self._raising = True
            self._worker.submit(self._override)
        elif not looping and self._raising:
            self._raising = False
            self._worker.submit(self._put_back)

    def restore(self) -> None:
        """Put the output back and wait for it (at quit), within RESTORE_WAIT_S."""
        if self._closed:
            return
        self._closed = True
        self._raising = False
        done = self._worker.submit(self._put_back)
        try:
            done.result(timeout=RESTORE_WAIT_S)
        except FutureTimeout:
            log.warning("the sound server did not answer: the output may stay raised")
        self._worker.shutdown(wait=False)

    # -- on the worker -----------------------------------------------------------------------

    def _put_back(self) -> None:
        with self._lock:
            changed, self._changed = self._changed, None
        if changed is None:
            return
        if changed.volume_percent is not None:
            self._run("set-sink-volume", changed.sink, f"{changed.volume_percent}%")
        if changed.was_muted:
            self._run("set-sink-mute", changed.sink, "1")
        log.info("alarm over: output %s put back as it was", changed.sink)

    def _override(self) -> None:
        if not self._pactl or self.active:
            return
        sink = self._run("get-default-sink").strip()
        if not sink:
            return
        muted = "yes" in self._run("get-sink-mute", sink).lower()
        levels = [int(p) for p in _PERCENT.findall(self._run("get-sink-volume", sink))]
        low = bool(levels) and max(levels) < RAISED_PERCENT
        if not muted and not low:
            return
        if muted:
            self._run("set-sink-mute", sink, "0")
        if low:
            self._run("set-sink-volume", sink, f"{RAISED_PERCENT}%")
        with self._lock:
            self._changed = _Changed(sink, muted, max(levels) if low else None)
        log.warning(
            "alarm: output %s %s so the alarm is heard",
            sink,
            "unmuted" + (f" and raised to {RAISED_PERCENT} %" if low else "")
            if muted
            else f"raised to {RAISED_PERCENT} %",
        )

    def _run(self, *args: str) -> str:
        try:
            done = subprocess.run(
                [self._pactl, *args],
                capture_output=True,
                text=True,
                timeout=PACTL_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("pactl %s failed: %s", " ".join(args), exc)
            return ""
        return done.stdout if done.returncode == 0 else ""
