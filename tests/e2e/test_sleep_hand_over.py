"""The lid closes with a critical alert unanswered: before the machine sleeps, Shiftbell hands
it to the phone, then lets logind go on. logind is a stand-in of the test's own on a real
D-Bus daemon (tests/helpers/fake_logind.py), speaking its documented Inhibit method and
PrepareForSleep / PrepareForShutdown signals."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.desktop import wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.e2e.test_phone_escalation import add_pushover
from tests.unit.phones.fake_pushover import FakePushover

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
LONG = """\
[escalation.critical]
sound = "alarm"
phone_after_s = 3600
"""


class FakeLogind:
    """A D-Bus daemon and the logind stand-in on it; `lines` is what the stand-in printed."""

    def __init__(self, workdir: Path) -> None:
        self.bus = subprocess.Popen(
            ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.bus.stdout is not None
        self.address = self.bus.stdout.readline().strip()
        self.lines: list[str] = []
        self.logind = subprocess.Popen(
            [sys.executable, "-m", "tests.helpers.fake_logind", self.address],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=(workdir / "fake-logind.err").open("wb"),
            text=True,
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        threading.Thread(target=self._read, daemon=True).start()
        wait_until(lambda: "ready" in self.lines, 10, message="the logind stand-in")

    def _read(self) -> None:
        assert self.logind.stdout is not None
        for line in self.logind.stdout:
            self.lines.append(line.strip())

    def send(self, command: str) -> None:
        assert self.logind.stdin is not None
        self.logind.stdin.write(command + "\n")
        self.logind.stdin.flush()

    def saw(self, text: str) -> bool:
        return text in self.lines

    def stop(self) -> None:
        for process in (self.logind, self.bus):
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def logind(tmp_path: Path) -> Iterator[FakeLogind]:
    fake = FakeLogind(tmp_path)
    try:
        yield fake
    finally:
        fake.stop()


def test_going_to_sleep_hands_the_unanswered_critical_to_the_phone_then_lets_go(
    headless_app: Callable[..., RunningApp], logind: FakeLogind
) -> None:
    app = headless_app(LONG, env={"DBUS_SYSTEM_BUS_ADDRESS": logind.address})
    app.start()
    wait_until(
        lambda: logind.saw("inhibited sleep:shutdown Shiftbell delay"),
        10,
        message="Shiftbell's delay lock",
    )
    with FakePushover() as pushover:
        add_pushover(app, pushover)
        app.cli("send", "Core router down", "--severity", "critical")
        app.cli("send", "Backup late", "--severity", "warning")  # never goes to the phone
        wait_until(lambda: "phones: pager" in app.log(), 10, message="the phone in use")
        assert pushover.emergencies == []  # an hour before it would go by itself

        logind.send("sleep")
        [page] = wait_until(lambda: pushover.emergencies, 4, message="the page before sleep")
        assert page["title"] == "Core router down"
        assert "going to sleep" in page["message"]
        # The lock is let go once the page is out, so the machine is not held up.
        wait_until(lambda: logind.saw("released 1"), 5, message="the lock released")

        logind.send("resume")
        wait_until(
            lambda: (
                logind.saw("inhibited sleep:shutdown Shiftbell delay")
                and logind.lines.count("inhibited sleep:shutdown Shiftbell delay") == 2
            ),
            10,
            message="a new lock after waking",
        )
        # Awake again: the check runs (the phone service is asked, quietly).
        wait_until(lambda: "check after waking up" in app.log(), 20, message="the check")
        assert pushover.validations >= 1
        logind.send("shutdown")  # the same alarm stretch: already on the phone
        wait_until(lambda: logind.saw("released 2"), 5, message="the second lock released")
        assert len(pushover.emergencies) == 1
        assert "the machine is about to sleep" in app.log()
