"""What the sound-server watch makes of the socket it probes, on real Unix sockets."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QProcess
from pytestqt.qtbot import QtBot

from shiftbell.ui.sound_watch import SoundServerWatch


@pytest.fixture
def socket_path(tmp_path: Path) -> Path:
    # AF_UNIX paths are limited to 108 bytes; pytest's tmp_path can be longer.
    return tmp_path / "n"


@pytest.fixture
def watch(qapp: object, socket_path: Path) -> Iterator[SoundServerWatch]:
    watch = SoundServerWatch(socket_path, pactl="")
    yield watch
    watch.stop()


def listener(path: Path, backlog: int = 8) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(backlog)
    return server


def test_no_socket_yet_is_waiting_for_a_server(watch: SoundServerWatch) -> None:
    watch.check()
    assert not watch.up
    assert watch.problem_text.startswith("No sound server at ")


def test_a_listening_server_is_up(watch: SoundServerWatch, socket_path: Path) -> None:
    with listener(socket_path):
        watch.check()
        assert watch.up
        assert watch.problem_text == ""


def test_a_socket_left_by_a_killed_server_is_a_server_stopped(
    watch: SoundServerWatch, socket_path: Path
) -> None:
    server = listener(socket_path)
    watch.check()
    server.close()  # the file stays, as after SIGKILL; connecting is refused
    watch.check()
    assert not watch.up
    assert "stopped" in watch.problem_text


def test_a_busy_server_is_not_a_server_gone(watch: SoundServerWatch, socket_path: Path) -> None:
    # Seen in CI on a loaded machine: a server slow to accept was reported as no
    # server at all. With a backlog of 0, one pending connection fills the queue.
    with listener(socket_path, backlog=0):
        pending = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        pending.connect(str(socket_path))
        try:
            watch.check()
        finally:
            pending.close()
        assert watch.up
        assert watch.problem_text == ""


FAKE_PACTL = """#!/bin/sh
# pactl as the watch uses it: state from files in its folder; get-sink-volume waits while
# the file "hold" exists, so a test can keep an older look from finishing.
here=$(dirname "$0")
echo "$1" >> "$here/calls"
case "$1" in
  subscribe) exec cat "$here/events" ;;
  get-sink-mute) echo "Mute: $(cat "$here/mute")" ;;
  get-sink-volume)
    while [ -e "$here/hold" ]; do sleep 0.02; done
    echo "Volume: front-left: 32768 /  50% / -18.06 dB"
    echo "done" >> "$here/calls" ;;
esac
"""


def calls(folder: Path) -> list[str]:
    path = folder / "calls"
    return path.read_text().split() if path.exists() else []


def test_an_older_look_finishing_late_does_not_clear_a_newer_mute(
    qtbot: QtBot, tmp_path: Path, socket_path: Path
) -> None:
    # Seen in CI: a look begun before the mute (mute "no", then its volume step still
    # running) finished after the look the mute's event started, and cleared "muted".
    tool = tmp_path / "pactl"
    tool.write_text(FAKE_PACTL)
    tool.chmod(0o755)
    os.mkfifo(tmp_path / "events")
    (tmp_path / "mute").write_text("no\n")
    (tmp_path / "hold").touch()
    watch = SoundServerWatch(socket_path, pactl=str(tool))
    with listener(socket_path):
        try:
            watch.start()
            qtbot.waitUntil(lambda: "get-sink-volume" in calls(tmp_path), timeout=5000)
            (tmp_path / "mute").write_text("yes\n")
            events = wait_for_reader(tmp_path / "events", qtbot)
            os.write(events, b"Event 'change' on sink #0\n")
            qtbot.waitUntil(lambda: "muted" in watch.problem_text, timeout=5000)

            assert volume_looks_running(watch) >= 1  # the older look is still out
            (tmp_path / "hold").unlink()
            qtbot.waitUntil(lambda: volume_looks_running(watch) == 0, timeout=5000)
            assert "done" in calls(tmp_path)
            assert "muted" in watch.problem_text
            os.close(events)
        finally:
            watch.stop()
            # Deleted by Qt, as the app's parent would, not by Python's collector: a watch
            # collected with its finished pactl processes still queued for deletion made a
            # later test's event loop delete them twice (SIGBUS in QObject::~QObject).
            watch.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def volume_looks_running(watch: SoundServerWatch) -> int:
    # A QProcess is NotRunning only once its finished signal (the answer) was handled.
    return sum(
        1
        for process in watch.findChildren(QProcess)
        if process.arguments()[:1] == ["get-sink-volume"]
        and process.state() != QProcess.ProcessState.NotRunning
    )


def wait_for_reader(fifo: Path, qtbot: QtBot) -> int:
    """The write end of the events FIFO, once the watch's `pactl subscribe` reads it."""
    opened: list[int] = []

    def open_it() -> bool:
        try:
            opened.append(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:  # ENXIO: no reader yet
            return False
        return True

    qtbot.waitUntil(open_it, timeout=5000)
    return opened[0]


def test_a_mute_no_event_told_of_is_found_by_looking_again(
    qtbot: QtBot, tmp_path: Path, socket_path: Path
) -> None:
    # The app looks again every OUTPUT_RECHECK_MS and whenever an alarm begins
    # (AlarmProcess.apply): a mute pactl never reported is said before the alarm is needed.
    tool = tmp_path / "pactl"
    tool.write_text(FAKE_PACTL)
    tool.chmod(0o755)
    os.mkfifo(tmp_path / "events")
    (tmp_path / "mute").write_text("no\n")
    watch = SoundServerWatch(socket_path, pactl=str(tool))
    with listener(socket_path):
        try:
            watch.start()
            events = wait_for_reader(tmp_path / "events", qtbot)
            # The looks at the start, as pactl subscribes, and SUBSCRIBED_LOOK_MS later, all
            # answered (the first is superseded by the second when they overlap).
            qtbot.waitUntil(
                lambda: calls(tmp_path).count("get-sink-mute") == 3 and looks_running(watch) == 0,
                timeout=10_000,
            )
            (tmp_path / "mute").write_text("yes\n")  # and no event
            assert watch.problem_text == ""
            watch.look_again()
            qtbot.waitUntil(lambda: "muted" in watch.problem_text, timeout=5000)
            os.close(events)
        finally:
            watch.stop()
            watch.deleteLater()
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def looks_running(watch: SoundServerWatch) -> int:
    return sum(
        1
        for process in watch.findChildren(QProcess)
        if process.arguments()[:1] in (["get-sink-mute"], ["get-sink-volume"])
        and process.state() != QProcess.ProcessState.NotRunning
    )
