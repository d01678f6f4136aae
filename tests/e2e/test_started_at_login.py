"""`shiftbell autostart on` writes an XDG autostart entry whose Exec line, run as a login
session would run it, starts this Shiftbell; `off` removes it. The real command and app."""

from __future__ import annotations

import configparser
import os
from pathlib import Path

import pytest
from tests.desktop import wait_until
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome
from tests.e2e.test_app_end_to_end import FAST_RAMP

from shiftbell.system.autostart import parse_desktop_exec

pytestmark = pytest.mark.e2e


def test_the_autostart_entry_starts_shiftbell(headless_host: HeadlessHost, tmp_path: Path) -> None:
    app = RunningApp(headless_host, ShiftbellHome(tmp_path / "home", FAST_RAMP))
    assert "Start at login: off" in app.cli("autostart", "status").stdout
    app.cli("autostart", "on")
    entry = tmp_path / "home" / "config" / "autostart" / "shiftbell.desktop"
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.read(entry)
    args = parse_desktop_exec(desktop["Desktop Entry"]["Exec"])
    assert args[-2:] == ["run", "--autostart"]
    assert Path(args[0]).is_file() and os.access(args[0], os.X_OK), args
    assert "Start at login: on" in app.cli("autostart", "status").stdout

    # As the session starts it at login: the Exec line, in the person's environment.
    started = headless_host.spawn(args, name="autostarted", env=app.env)
    wait_until(
        lambda: app.cli("status", check=False).returncode == 0,
        20,
        interval=0.1,
        message="the autostarted Shiftbell's receiver",
    )
    assert app.health()["pid"] == started.pid
    headless_host.stop_process(started)

    app.cli("autostart", "off")
    assert not entry.exists()
    assert "Start at login: off" in app.cli("autostart", "status").stdout
