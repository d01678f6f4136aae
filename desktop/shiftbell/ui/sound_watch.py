"""Watching the sound server, so the alarm follows it.

Where the server speaks the PulseAudio protocol (PulseAudio, or PipeWire's
pipewire-pulse), its socket tells whether it runs: a probe connects to it once a
second (every 5 s while `pactl subscribe` runs), and a new socket file (another inode)
means a restarted server. `pactl subscribe`, where pactl is installed, adds what the
probe cannot see at once: an output added or removed, the default output changed, and
(through `pactl get-sink-mute` / `get-sink-volume`) an output muted or turned all the
way down.

Signals:
    changed(): the server came (back), restarted, or its outputs changed: the player
        must be started anew to play on what is there now.
    gone(): the server stopped.
    problem(str): why the alarm cannot be heard ("" when it can), as a sentence.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

log = logging.getLogger(__name__)

PROBE_MS = 1000
# While `pactl subscribe` runs, its end tells at once that the server went: the probe is
# then only a safety net, and waking the app every second for it cost most of its idle CPU.
SUBSCRIBED_PROBE_MS = 5000
# A safety net under the events: an output muted by a route pactl does not report (a
# missed event) is found within this long, or when an alarm begins (AlarmProcess.apply).
# Each look runs pactl twice: once a minute, that was a quarter of the app's idle CPU.
OUTPUT_RECHECK_MS = 300_000
# `pactl subscribe` prints nothing once it listens, so its start cannot be waited on: a
# mute in its first moments is found by a look this long after it started.
SUBSCRIBED_LOOK_MS = 2000
SETTLE_MS = 300
# Below this the alarm is as good as silent on most speakers.
AUDIBLE_PERCENT = 5
_EVENT = re.compile(r"Event '(?P<what>new|remove|change)' on (?P<on>sink|server)\b(?!-)")
_PERCENT = re.compile(r"(\d+)%")


class SoundServerWatch(QObject):
    changed = Signal()
    gone = Signal()
    problem = Signal(str)

    def __init__(
        self, socket_path: Path, pactl: str | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.socket_path = socket_path
        self._pactl = pactl if pactl is not None else (shutil.which("pactl") or "")
        self._up: bool | None = None
        self._inode: int | None = None
        self._server_problem = ""
        self._output_problem = ""
        self._problem = ""
        self._subscriber: QProcess | None = None
        self._probe = QTimer(self)
        self._probe.setInterval(PROBE_MS)
        self._probe.timeout.connect(self._on_probe)
        self._recheck = QTimer(self)
        self._recheck.setInterval(OUTPUT_RECHECK_MS)
        self._recheck.timeout.connect(self.look_again)
        self._looks = 0  # the output checks started; only the latest one's answer counts
        # Bursts of events (one plug-in is several) make one restart of the player.
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._outputs_settled)
        self._subscribed_look = QTimer(self)
        self._subscribed_look.setSingleShot(True)
        self._subscribed_look.setInterval(SUBSCRIBED_LOOK_MS)
        self._subscribed_look.timeout.connect(self.look_again)

    def start(self) -> None:
        self.check()
        self._probe.start()
        self._recheck.start()

    def stop(self) -> None:
        self._probe.stop()
        self._recheck.stop()
        self._settle.stop()
        self._subscribed_look.stop()
        self._stop_subscriber()

    @property
    def up(self) -> bool:
        return bool(self._up)

    @property
    def problem_text(self) -> str:
        return self._problem

    def _on_probe(self) -> None:
        self.check()

    def check(self) -> None:
        """Probe the socket now (also called when `pactl subscribe` ends)."""
        inode = _listening(self.socket_path)
        if inode is not None:
            if self._up and inode == self._inode:
                return
            restarted = self._up is False or (self._inode is not None and inode != self._inode)
            first = self._up is None
            self._up, self._inode = True, inode
            if restarted:
                log.warning("the sound server at %s is back", self.socket_path)
            elif first:
                log.info("the alarm plays through the sound server at %s", self.socket_path)
            self._set_server_problem("")
            self._start_subscriber()
            self._check_output()
            self.changed.emit()
            return
        if self._up is False:
            return
        first = self._up is None
        self._up = False
        self._stop_subscriber()
        if first:
            log.warning("waiting for a sound server at %s", self.socket_path)
            text = f"No sound server at {self.socket_path}: the alarm cannot sound until one runs."
        else:
            log.error("the sound server at %s stopped", self.socket_path)
            text = (
                f"The sound server ({self.socket_path}) stopped: the alarm cannot sound "
                "until it is back."
            )
        self._set_server_problem(text)
        self.gone.emit()

    # -- pactl -------------------------------------------------------------------------------

    def _start_subscriber(self) -> None:
        if not self._pactl:
            return
        self._stop_subscriber()
        process = QProcess(self)
        process.setProgram(self._pactl)
        process.setArguments(["subscribe"])
        process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        process.readyReadStandardOutput.connect(lambda: self._on_events(process))
        process.finished.connect(lambda *_: self._subscriber_ended(process))
        # A mute between the first look and the subscription would go unseen: look again
        # once it listens (seen in CI on a loaded machine).
        process.started.connect(self._check_output)
        process.started.connect(self._subscribed_look.start)
        process.start()
        self._subscriber = process
        self._probe.setInterval(SUBSCRIBED_PROBE_MS)

    def _stop_subscriber(self) -> None:
        process, self._subscriber = self._subscriber, None
        self._probe.setInterval(PROBE_MS)
        if process is not None:
            process.kill()
            process.waitForFinished(1000)
            process.deleteLater()

    def _subscriber_ended(self, process: QProcess) -> None:
        if process is self._subscriber:
            # pactl ends when the server does: find out now, not at the next probe.
            self._subscriber = None
            self._probe.setInterval(PROBE_MS)
            process.deleteLater()
            self._inode = None  # so the next check starts a subscriber again if it is up
            QTimer.singleShot(0, self.check)

    def look_again(self) -> None:
        """Ask now whether the output is muted or turned down (where pactl runs)."""
        if self._subscriber is not None:
            self._check_output()

    def _on_events(self, process: QProcess) -> None:
        text = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
        for found in _EVENT.finditer(text):
            if found["on"] == "sink" and found["what"] == "change":
                self._check_output()  # a volume or mute change only
            else:
                self._settle.start()

    def _outputs_settled(self) -> None:
        log.info("sound outputs changed: the alarm's player starts anew on the default output")
        self._check_output()
        self.changed.emit()

    def _check_output(self) -> None:
        """Ask whether the default output is muted or turned down; reports through `problem`."""
        if not self._pactl:
            return
        # Checks overlap (an event while the last one runs) and their two steps can finish
        # in any order: an older "not muted" arriving after a newer "muted" would clear it.
        self._looks += 1
        look = self._looks

        def volume(mute_text: str) -> None:
            if look != self._looks:
                return
            if "yes" in mute_text.lower():
                self._set_output_problem(
                    "The sound output is muted: the alarm cannot be heard. Unmute it."
                )
                return
            _run(self, self._pactl, ["get-sink-volume", "@DEFAULT_SINK@"], loudness)

        def loudness(volume_text: str) -> None:
            if look != self._looks:
                return
            levels = [int(p) for p in _PERCENT.findall(volume_text)]
            if levels and max(levels) < AUDIBLE_PERCENT:
                self._set_output_problem(
                    f"The sound output is at {max(levels)} % volume: the alarm cannot be "
                    "heard. Turn it up."
                )
            else:
                self._set_output_problem("")

        _run(self, self._pactl, ["get-sink-mute", "@DEFAULT_SINK@"], volume)

    # -- problems ----------------------------------------------------------------------------

    def _set_server_problem(self, text: str) -> None:
        self._server_problem = text
        if text:
            self._output_problem = ""
        self._publish()

    def _set_output_problem(self, text: str) -> None:
        self._output_problem = text
        self._publish()

    def _publish(self) -> None:
        text = self._server_problem or self._output_problem
        if text != self._problem:
            self._problem = text
            self.problem.emit(text)


def _listening(path: Path) -> int | None:
    """The socket's inode if a server accepts connections on it, else None."""
    try:
        inode = os.stat(path).st_ino
    except OSError:
        return None
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        try:
            probe.connect(str(path))
        except (BlockingIOError, TimeoutError):
            # A full accept queue: a server holds the socket and is busy (a loaded
            # machine), which is not a server gone. Only a refusal or no file is.
            return inode
        except OSError:
            return None
    return inode


def _run(parent: QObject, program: str, args: list[str], then: Callable[[str], None]) -> None:
    """Run a short command without blocking the UI; `then` gets its output if it succeeds."""
    process = QProcess(parent)

    def finished(code: int, _status: QProcess.ExitStatus) -> None:
        output = bytes(process.readAllStandardOutput().data()).decode("utf-8", "replace")
        process.deleteLater()
        if code == 0:
            then(output)

    process.finished.connect(finished)
    process.start(program, args)
