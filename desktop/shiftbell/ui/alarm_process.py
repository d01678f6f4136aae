"""The alarm as the app uses it: an AlarmPlayer in a process that is started anew when needed.

Why a process: see ui/sound_worker.py. This side keeps what should sound (the last
AlarmState), starts the player process when something is to sound (and ends it
IDLE_EXIT_MS after the last sound), hands it every change, and starts it again

- when the sound server comes back, restarts, or its outputs change (SoundServerWatch),
- when the player process dies (at most a few times a minute; then it says so).

A new player gets the current state at once, so a looping alarm carries on; the ramp
and the siren step come from the escalation policy, which is not in the player.

Signals:
    problem(str): why the alarm cannot sound, as a sentence; "" once it can.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QProcessEnvironment, QTimer, Signal

from shiftbell.core.escalation import SILENT, AlarmState
from shiftbell.system.own_command import module_command
from shiftbell.ui.alarm_wire import state_to_json
from shiftbell.ui.output_override import OutputOverride
from shiftbell.ui.sound_watch import SoundServerWatch

log = logging.getLogger(__name__)

RESTART_DELAY_MS = 1000
# The player holds Qt Multimedia and a connection to the sound server, about 70 MB for a
# process that is silent nearly all of a shift. So it runs while something sounds, and when
# the sound server or its outputs change (to find out at once whether the alarm can sound
# there), and ends this long after the last sound. Starting it again costs the next alarm's
# first beep under half a second, against a ramp of a minute.
IDLE_EXIT_MS = 10_000
MAX_RESTARTS_PER_MINUTE = 5


class AlarmProcess(QObject):
    problem = Signal(str)

    def __init__(
        self,
        output_device: str = "",
        sound_server: Path | None = None,
        parent: QObject | None = None,
        raise_output: bool = True,
        every_output: bool = False,
    ) -> None:
        """`sound_server` is the PulseAudio-protocol socket to follow (None: none to watch);
        `raise_output`: unmute and raise the default output while a loop sounds
        (ui/output_override.py)."""
        super().__init__(parent)
        self._device = output_device
        self._every_output = every_output
        self.output_override = OutputOverride(raise_output and sound_server is not None)
        self._state: AlarmState = SILENT
        self._sent: str = ""
        self._process: QProcess | None = None
        self._ready = False
        self._stopping = False
        self._worker_problem = ""
        self._problem = ""
        self._restarts: deque[float] = deque(maxlen=MAX_RESTARTS_PER_MINUTE)
        self._output = b""
        self._restart_timer = QTimer(self)
        self._restart_timer.setSingleShot(True)
        self._restart_timer.setInterval(RESTART_DELAY_MS)
        self._restart_timer.timeout.connect(self._start)
        self._test_asked = False
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.setInterval(IDLE_EXIT_MS)
        self._idle.timeout.connect(self._retire)
        self._watch: SoundServerWatch | None = None
        if sound_server is not None:
            self._watch = SoundServerWatch(sound_server, parent=self)
            self._watch.changed.connect(self.restart)
            self._watch.gone.connect(self._kill)
            self._watch.problem.connect(lambda _text: self._publish())
        # From the event loop: whoever wants `problem` connects after construction.
        QTimer.singleShot(0, self._begin)

    def _begin(self) -> None:
        if self._watch is not None:
            self._watch.start()  # starts the player through `changed` when a server is up
        else:
            self._start()

    # -- what the controller calls -----------------------------------------------------------

    def apply(self, state: AlarmState) -> None:
        """Make the speakers match `state` (called at 4 Hz; only changes are sent)."""
        if state != SILENT and self._state == SILENT and self._watch is not None:
            self._watch.look_again()  # a mute the events missed is said as the alarm begins
        self._state = state
        self.output_override.follow(state)
        if state != SILENT:
            self._idle.stop()
            if self._process is None and not self._restart_timer.isActive():
                self._start()
        elif self._process is not None and not self._idle.isActive():
            self._idle.start()
        self._send_state()

    def test_alarm(self) -> None:
        self._idle.start()  # (again): the test sounds for seconds, then the player may go
        if self._process is None:
            self._test_asked = True  # sent once the new player is ready
            self._start()
            self._test_asked = self._process is not None  # no sound server: no test later
        else:
            self._write({"test": True})

    def shutdown(self) -> None:
        """End the player process (at quit): nothing sounds after this."""
        self._stopping = True
        self.output_override.restore()
        self._restart_timer.stop()
        self._idle.stop()
        if self._watch is not None:
            self._watch.stop()
        self._kill()

    def restart(self) -> None:
        """Start the player anew now (the outputs changed under it)."""
        if self._stopping:
            return
        self._kill()
        self._start()

    # -- the player process ------------------------------------------------------------------

    def _start(self) -> None:
        if self._stopping or self._process is not None:
            return
        if self._watch is not None and not self._watch.up:
            return  # nothing to play on; the watch says when there is
        process = QProcess(self)
        program, *args = module_command("shiftbell.ui.sound_worker")
        process.setProgram(program)
        if self._device:
            args += ["--device", self._device]
        if self._every_output:
            args.append("--every-output")
        process.setArguments(args)
        environment = QProcessEnvironment.systemEnvironment()
        inherited = environment.value("PYTHONPATH")
        environment.insert(
            "PYTHONPATH", os.pathsep.join(p for p in (_package_root(), inherited) if p)
        )
        process.setProcessEnvironment(environment)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedErrorChannel)
        process.readyReadStandardOutput.connect(lambda: self._on_output(process))
        process.finished.connect(lambda code, _status: self._on_finished(process, code))
        self._ready = False
        self._sent = ""
        self._output = b""
        self._process = process
        process.start()
        log.info("alarm sound player started")

    def _retire(self) -> None:
        process = self._process
        if self._state == SILENT and process is not None:
            log.info("alarm sound player ended: nothing to sound (started again when needed)")
            # Not _kill: nothing waits for it to go (that would hold the main thread).
            self._process, self._ready = None, False
            process.finished.connect(process.deleteLater)
            process.kill()

    def _kill(self) -> None:
        process, self._process = self._process, None
        self._ready = False
        if process is not None:
            process.kill()
            process.waitForFinished(2000)
            process.deleteLater()

    def _on_finished(self, process: QProcess, code: int) -> None:
        if process is not self._process:
            return  # one we ended on purpose
        self._process = None
        process.deleteLater()
        if self._stopping:
            return
        now = time.monotonic()
        self._restarts.append(now)
        recent = [t for t in self._restarts if now - t < 60]
        if len(recent) >= MAX_RESTARTS_PER_MINUTE:
            self._set_worker_problem(
                f"The alarm's sound player keeps stopping (exit code {code}): the alarm "
                "cannot sound. Details are in the log."
            )
            self._restart_timer.setInterval(60_000)
        else:
            log.error("the alarm sound player stopped (exit code %s); starting it again", code)
            self._restart_timer.setInterval(RESTART_DELAY_MS)
        self._restart_timer.start()

    def _on_output(self, process: QProcess) -> None:
        self._output += bytes(process.readAllStandardOutput().data())
        *lines, self._output = self._output.split(b"\n")
        for line in lines:
            try:
                message = json.loads(line)
            except ValueError:
                log.warning("the sound player said something unreadable: %r", line[:200])
                continue
            if not isinstance(message, dict):
                continue
            if "ready" in message:
                self._ready = True
                log.info("alarm sound player ready on %s", message["ready"] or "no output")
                self._send_state()
                if self._test_asked:
                    self._test_asked = False
                    self._write({"test": True})
                if self._state == SILENT and not self._idle.isActive():
                    self._idle.start()
            if "problem" in message:
                self._set_worker_problem(str(message["problem"] or ""))

    def _send_state(self) -> None:
        line = json.dumps({"apply": state_to_json(self._state)})
        if line != self._sent and self._write_line(line):
            self._sent = line

    def _write(self, message: dict[str, object]) -> None:
        self._write_line(json.dumps(message))

    def _write_line(self, line: str) -> bool:
        process = self._process
        if process is None or not self._ready:
            return False  # sent when it is ready
        process.write((line + "\n").encode())
        return True

    # -- problems ----------------------------------------------------------------------------

    def _set_worker_problem(self, text: str) -> None:
        self._worker_problem = text
        if not text:
            self._restarts.clear()
        self._publish()

    def _publish(self) -> None:
        watch = self._watch.problem_text if self._watch is not None else ""
        text = watch or self._worker_problem
        if text != self._problem:
            self._problem = text
            self.problem.emit(text)


def _package_root() -> str:
    """The folder that holds the shiftbell package, so the player imports the same code."""
    return str(Path(__file__).resolve().parents[2])
