from pathlib import Path

from shiftbell.system.sound_server import sound_server_socket


def test_the_session_socket_is_under_the_runtime_dir() -> None:
    env = {"XDG_RUNTIME_DIR": "/run/user/1000"}
    assert sound_server_socket(env) == Path("/run/user/1000/pulse/native")


def test_pulse_server_wins_and_tcp_cannot_be_watched() -> None:
    assert sound_server_socket({"PULSE_SERVER": "unix:/tmp/p/native"}) == Path("/tmp/p/native")
    assert sound_server_socket({"PULSE_SERVER": "tcp:host tcp:other"}) is None
    assert sound_server_socket({"PULSE_SERVER": "tcp:host /tmp/s"}) == Path("/tmp/s")
    assert sound_server_socket({}) is None
