"""Quit cleanly on SIGTERM / SIGINT while Qt's event loop runs.

Python runs signal handlers only between bytecodes, and Qt's C++ loop may sit in
poll() for minutes; a wakeup fd watched by a QSocketNotifier wakes it at once.
"""

from __future__ import annotations

import contextlib
import signal
import socket

from PySide6.QtCore import QCoreApplication, QSocketNotifier


def install_quit_on_signals(app: QCoreApplication) -> None:
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    signal.set_wakeup_fd(writer.fileno())
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, app)

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(64)

    notifier.activated.connect(drain)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: app.quit())
    # The sockets and the notifier must live as long as the app.
    app._shiftbell_signal_sockets = (reader, writer, notifier)  # type: ignore[attr-defined]
