"""Exactly one Shiftbell per user, also when two start at the same instant.

Seen before the fix: both kept running on one database, one without a receiver.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from tests.desktop import PulseSink, wait_until
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome, shiftbell_command

pytestmark = pytest.mark.e2e


def test_two_started_together_leave_one_running(pulse_sink: PulseSink, tmp_path: Path) -> None:
    host = HeadlessHost(pulse_sink.env, tmp_path)
    app = RunningApp(host, ShiftbellHome(tmp_path, ""))
    try:
        both = [
            host.spawn(
                [*shiftbell_command(), "run"],
                name=f"shiftbell-{n}",
                env=app.env,
                stdout=tmp_path / f"run-{n}.log",
            )
            for n in (1, 2)
        ]
        ended = wait_until(
            lambda: [p for p in both if p.poll() is not None],
            40,
            message="the second Shiftbell to hand over and exit",
        )
        assert len(ended) == 1 and ended[0].returncode == 0
        (running,) = (p for p in both if p.poll() is None)
        output = "".join((tmp_path / f"run-{n}.log").read_text(errors="replace") for n in (1, 2))
        assert f"Shiftbell is already running (pid {running.pid})" in output
        assert app.health()["pid"] == running.pid
        alert_id = app.cli("send", "Payments down", "--severity", "critical").stdout.strip()
        app.cli("ack", "--all")
        assert app.alert(alert_id)["status"] == "acknowledged"
    finally:
        host.stop()


def test_a_receiver_that_cannot_listen_is_a_problem(pulse_sink: PulseSink, tmp_path: Path) -> None:
    host = HeadlessHost(pulse_sink.env, tmp_path)
    app = RunningApp(host, ShiftbellHome(tmp_path, ""))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", app.home.port))
        taken.listen()
        try:
            app.proc = host.spawn(
                [*shiftbell_command(), "run"], name="shiftbell", env=app.env, stdout=None
            )
            wait_until(
                lambda: "The local receiver is not listening" in app.log(),
                20,
                message="the taken port reported as a problem",
            )
            assert app.proc.poll() is None  # it keeps running: feeds still alarm
        finally:
            host.stop()
