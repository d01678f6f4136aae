"""Which port a user's receiver takes, where their CLI finds it, and whose a port is."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from tests.helpers.loop_thread import LoopThread

from shiftbell.cli.common import receiver_port
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import FeedError
from shiftbell.receiver.address import AUTO_PORT, DEFAULT_RECEIVER_PORT, ports_to_try
from shiftbell.receiver.port_file import read_port, write_port
from shiftbell.receiver.port_owner import listener_uid
from shiftbell.receiver.server import LocalReceiver, ReceiverCommands
from shiftbell.runtime.desk import AlertDesk
from shiftbell.system.paths import AppPaths


def test_a_configured_port_is_the_only_one_tried() -> None:
    assert ports_to_try(9100, remembered=8975) == [9100]


def test_automatic_tries_the_port_of_last_time_first_then_the_usual_range() -> None:
    ports = ports_to_try(AUTO_PORT, remembered=8990)
    assert ports[:3] == [8990, DEFAULT_RECEIVER_PORT, DEFAULT_RECEIVER_PORT + 1]
    assert ports.count(8990) == 1 and len(ports) == 100
    assert ports_to_try(AUTO_PORT, remembered=None)[0] == DEFAULT_RECEIVER_PORT


def test_the_port_file_round_trips_and_junk_reads_as_no_port(tmp_path: Path) -> None:
    path = tmp_path / "data" / "receiver-port"
    assert read_port(path) is None
    write_port(path, 8975)
    assert read_port(path) == 8975
    for junk in ("", "port", "-1", "70000", "\x00\xff"):
        path.write_text(junk, encoding="latin-1")
        assert read_port(path) is None


TABLE = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:230E 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001        0 1 1
   1: 0100007F:230F 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1002        0 2 1
   2: 00000000:2310 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1003        0 3 1
   3: 0A00000A:2311 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1004        0 4 1
"""


def test_the_listeners_owner_is_read_from_the_kernels_table(tmp_path: Path) -> None:
    table = tmp_path / "tcp"
    table.write_text(TABLE)
    assert listener_uid(8974, table) == 1001  # 127.0.0.1:8974, listening
    assert listener_uid(8975, table) is None  # a connection, not a listener
    assert listener_uid(8976, table) == 1003  # 0.0.0.0 is reachable on 127.0.0.1 too
    assert listener_uid(8977, table) is None  # another address only
    assert listener_uid(8974, tmp_path / "missing") is None


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="Linux only")
def test_a_real_listener_is_ours() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert listener_uid(port) == os.getuid()
    assert listener_uid(port) is None


def test_the_cli_reads_the_port_the_users_app_wrote_down(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "config", tmp_path / "data", tmp_path / "log")
    paths.config_dir.mkdir(parents=True)
    assert receiver_port(paths) == DEFAULT_RECEIVER_PORT  # no file, no app yet
    write_port(paths.port_file, 8977)
    assert receiver_port(paths) == 8977
    paths.config_file.write_text("[receiver]\nport = 9100\n")
    assert receiver_port(paths) == 9100  # a configured port is the port


def _receiver(port: int, fallback: list[int]) -> LocalReceiver:
    desk = AlertDesk(FakeClock())
    commands = ReceiverCommands(show_window=lambda: None, test_alarm=lambda: None)
    return LocalReceiver(
        desk, "t", port, fallback_ports=fallback, level_of=lambda a: 0, commands=commands
    )


def test_the_receiver_moves_on_from_a_taken_port_and_says_when_all_are_taken() -> None:
    loop = LoopThread()
    with socket.socket() as taken, socket.socket() as spare:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        spare.bind(("127.0.0.1", 0))
        busy, free = taken.getsockname()[1], spare.getsockname()[1]
        spare.close()
        receiver = _receiver(busy, [free])
        try:
            loop.run(receiver.start())
            assert receiver.port == free
        finally:
            loop.run(receiver.stop())
        with pytest.raises(FeedError, match="are all in use: set a free"):
            loop.run(_receiver(busy, [busy]).start())
    loop.close()
