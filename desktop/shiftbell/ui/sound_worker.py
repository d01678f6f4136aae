"""The alarm's sound player, as a process of its own.

WORKAROUND: Qt's multimedia connects to the sound server once per process and never
notices it going away. Seen with PySide6 6.11 on PulseAudio: after the server was
killed and started again, a looping QSoundEffect reported "playing" for good while
the recording stayed at RMS 0.0, and even a QSoundEffect created after the restart
was silent; QMediaDevices never signalled a change. A fresh process plays at once.
So the app runs its AlarmPlayer here and starts this process anew whenever the sound
server or its outputs change (ui/alarm_process.py).

Protocol, one JSON object per line. The app writes to stdin:
    {"apply": {"loop": "alarm"|null, "loop_volume": f, "chime_due": str|null, "chime_volume": f}}
    {"test": true}    sound the test alarm
    {"stop": true}    silence everything now
This process writes to stdout:
    {"ready": "<device description or empty>"}   once, when the player is built
    {"problem": "<sentence or empty>"}           whenever the player's problem changes
End of stdin (the app is gone) ends the process.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import sys
import threading
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QTimer

from shiftbell.ui.alarm import AlarmPlayer
from shiftbell.ui.alarm_wire import state_from_json
from shiftbell.ui.runner import MainThreadCaller

log = logging.getLogger("shiftbell.sound")


def _say(message: dict[str, object]) -> None:
    try:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        QCoreApplication.quit()  # the app is gone


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="shiftbell-sound")
    parser.add_argument("--device", default="", help="an output's description or id")
    parser.add_argument(
        "--every-output", action="store_true", help="loop the alarm on every output too"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    app = QCoreApplication(sys.argv[:1])
    player = AlarmPlayer(output_device=args.device, every_output=args.every_output)
    caller = MainThreadCaller()

    def handle(line: str) -> None:
        try:
            command = json.loads(line)
            if "apply" in command:
                player.apply(state_from_json(command["apply"]))
            elif command.get("test"):
                player.test_alarm()
            elif command.get("stop"):
                player.stop()
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("ignoring a command the app should not have sent: %r (%s)", line, exc)

    def read_commands() -> None:
        for line in sys.stdin:
            if line.strip():
                caller.call(functools.partial(handle, line))
        caller.call(app.quit)

    player.problem.connect(lambda text: _say({"problem": text}))
    # Once the event loop runs: the player's first health check is queued the same way.
    QTimer.singleShot(
        0, lambda: _say({"ready": player.device_description, "problem": player.problem_text})
    )
    threading.Thread(target=read_commands, name="commands", daemon=True).start()
    code = app.exec()
    player.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
