"""Two people logged in on one machine each have their own Shiftbell, and each one's
`shiftbell` command talks to their own: the real app twice, with two isolated homes.

Seen before: the second person's Shiftbell could not take port 8974 (no receiver, so no
`shiftbell send`, no webhook), and their CLI talked to the first person's app and got 401.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from tests.desktop import in_ci
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome
from tests.e2e.test_app_end_to_end import FAST_RAMP

from shiftbell.receiver.address import AUTO_PORT_COUNT, DEFAULT_RECEIVER_PORT

pytestmark = pytest.mark.e2e

USUAL_PORTS = range(DEFAULT_RECEIVER_PORT, DEFAULT_RECEIVER_PORT + AUTO_PORT_COUNT)


def person(host: HeadlessHost, root: Path) -> RunningApp:
    """A person's app with the default config: the port is the app's to pick."""
    return RunningApp(host, ShiftbellHome(root, FAST_RAMP, port=0))


def titles(app: RunningApp) -> list[str]:
    return [alert["title"] for alert in app.status()]


def test_two_people_each_get_a_receiver_and_their_cli_finds_their_own(
    headless_host: HeadlessHost, tmp_path: Path
) -> None:
    alice, bob = person(headless_host, tmp_path / "alice"), person(headless_host, tmp_path / "bob")
    alice.start()
    bob.start()
    ports = alice.home.port, bob.home.port
    assert ports[0] != ports[1] and all(port in USUAL_PORTS for port in ports)

    alice.cli("send", "Disk full on db1", "--severity", "warning")
    bob.cli("send", "Certificate expires", "--severity", "info")
    assert titles(alice) == ["Disk full on db1"]
    assert titles(bob) == ["Certificate expires"]

    # Starting Bob's Shiftbell again brings his window forward, not Alice's.
    again = bob.cli("run")
    assert f"already running (pid {bob.health()['pid']})" in again.stdout, again.stdout

    # Each keeps their port across restarts, whoever starts first: a webhook set up for it
    # goes on reaching the right person.
    alice.stop()
    bob.stop()
    bob.start()
    alice.start()
    assert (alice.home.port, bob.home.port) == ports
    assert titles(alice) == ["Disk full on db1"] and titles(bob) == ["Certificate expires"]


def test_the_cli_never_talks_to_another_users_program_on_its_port(
    headless_host: HeadlessHost, tmp_path: Path
) -> None:
    if os.geteuid() != 0:
        message = "listening as another user needs root"
        if in_ci():
            pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
        pytest.skip(message)
    alice = person(headless_host, tmp_path / "alice")
    alice.start()
    port = alice.home.port
    alice.stop()

    # While Alice's Shiftbell is not running, another user's program takes her port.
    stranger = subprocess.Popen(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            sys.executable,
            "-c",
            (
                "import socket, sys\n"
                "s = socket.socket()\n"
                f"s.bind(('127.0.0.1', {port}))\n"
                "s.listen()\n"
                "print('listening', flush=True)\n"
                "c, _ = s.accept()\n"
                "print('connected', flush=True)\n"
                "print(c.recv(4096), flush=True)\n"
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert stranger.stdout is not None and stranger.stdout.readline() == "listening\n"
        refused = alice.cli("status", check=False)
        assert refused.returncode != 0
        assert "belongs to another user's program" in refused.stderr, refused.stderr

        # Alice's Shiftbell starts on another port, and her CLI finds it there.
        alice.start()
        assert alice.home.port != port
        alice.cli("send", "Backup failed", "--severity", "warning")
        assert titles(alice) == ["Backup failed"]
    finally:
        stranger.kill()
        said, _ = stranger.communicate(timeout=5)
    assert "connected" not in said  # not even a connection: the token never left
