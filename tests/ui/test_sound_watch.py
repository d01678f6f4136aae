"""What the sound-server watch makes of the socket it probes, on real Unix sockets."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

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
