"""What each platform's start-at-login entry says. Linux's is also started for real in
tests/e2e/test_started_at_login.py; macOS' and Windows' are checked here as files and values."""

from __future__ import annotations

import configparser
import plistlib
import subprocess
import sys
from pathlib import Path

from shiftbell.system.autostart import (
    AUTOSTART_ARGS,
    LaunchAgent,
    WindowsRun,
    XdgAutostart,
    asked,
    note_asked,
    parse_desktop_exec,
    shiftbell_command,
)

COMMAND = ["/opt/shift bell/bin/shiftbell"]  # a space, as in "Program Files"


def test_the_xdg_entry_starts_the_command_in_the_tray_and_can_be_removed(tmp_path: Path) -> None:
    entry = XdgAutostart(tmp_path / "autostart")
    assert not entry.enabled()
    entry.enable(COMMAND)
    assert entry.enabled()
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str  # type: ignore[assignment,method-assign]
    desktop.read(entry.path)
    section = desktop["Desktop Entry"]
    assert section["Type"] == "Application" and section["Name"] == "Shiftbell"
    assert parse_desktop_exec(section["Exec"]) == [*COMMAND, *AUTOSTART_ARGS]
    entry.disable()
    assert not entry.path.exists() and not entry.enabled()
    entry.disable()  # twice is fine


def test_an_entry_the_desktop_switched_off_is_off(tmp_path: Path) -> None:
    entry = XdgAutostart(tmp_path)
    entry.enable(COMMAND)
    entry.path.write_text(entry.path.read_text() + "Hidden=true\n")
    assert not entry.enabled()


def test_percent_signs_and_quotes_survive_the_exec_line(tmp_path: Path) -> None:
    entry = XdgAutostart(tmp_path)
    odd = ['/home/al"ex/100%/shiftbell']
    entry.enable(odd)
    line = next(x for x in entry.path.read_text().splitlines() if x.startswith("Exec="))
    assert "%%" in line
    assert parse_desktop_exec(line.removeprefix("Exec=")) == [*odd, *AUTOSTART_ARGS]


def test_the_launch_agent_runs_at_load_once(tmp_path: Path) -> None:
    agent = LaunchAgent(tmp_path / "LaunchAgents")
    agent.enable(COMMAND)
    plist = plistlib.loads(agent.path.read_bytes())
    assert plist["ProgramArguments"] == [*COMMAND, *AUTOSTART_ARGS]
    assert plist["RunAtLoad"] is True and plist["KeepAlive"] is False
    assert agent.enabled()
    agent.disable()
    assert not agent.enabled()


class DictRunKey:
    """The Run key's values, as winreg would hold them."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def delete(self, name: str) -> None:
        self.values.pop(name, None)


def test_the_run_key_value_is_a_command_line_windows_reads_back() -> None:
    key = DictRunKey()
    run = WindowsRun(key)
    run.enable([r"C:\Users\Al\AppData\Local\Programs\Shift Bell\shiftbell.exe"])
    assert key.values["Shiftbell"] == (
        r'"C:\Users\Al\AppData\Local\Programs\Shift Bell\shiftbell.exe" run --autostart'
    )
    assert run.enabled()
    run.disable()
    assert not run.enabled()


def test_the_command_is_this_installs_shiftbell() -> None:
    command = shiftbell_command()
    shown = subprocess.run([*command, "--version"], capture_output=True, text=True, check=True)
    assert shown.stdout.startswith("shiftbell ")
    if (Path(sys.executable).parent / "shiftbell").exists():
        assert command == [str(Path(sys.executable).parent / "shiftbell")]


def test_the_question_is_asked_once(tmp_path: Path) -> None:
    assert not asked(tmp_path / "data")
    note_asked(tmp_path / "data")
    assert asked(tmp_path / "data")
