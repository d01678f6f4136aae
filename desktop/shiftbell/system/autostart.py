"""Starting Shiftbell when the person logs in, the way each platform does it for a user:
an XDG autostart entry on Linux, a LaunchAgent on macOS, the per-user Run key on Windows.

A pager that is not running when the shift starts misses its pages, so Shiftbell offers this
on first run. The entry starts `shiftbell run --autostart`: the tray only, waiting for the
panel's tray to appear (see app.py).
"""

from __future__ import annotations

import os
import plistlib
import shlex
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import platformdirs

from shiftbell.system.atomic_file import write_atomically
from shiftbell.system.own_command import module_command

AUTOSTART_ARGS = ("run", "--autostart")
DESKTOP_FILE = "shiftbell.desktop"
LAUNCH_AGENT = "org.shiftbell.Shiftbell"
RUN_KEY = r"Software\Microsoft\Windows\CurrentVersion\Run"
RUN_VALUE = "Shiftbell"
# Where the person's "asked once" answer is kept, in the data dir.
ASKED_FILE = "autostart-asked"


def shiftbell_command() -> list[str]:
    """How to start this Shiftbell from a login session: the installed command
    (/usr/bin/shiftbell, or the venv's in a checkout), else this Python with `-m shiftbell`."""
    if getattr(sys, "frozen", False):  # a package's bundle: sys.executable is the program
        on_path = shutil.which("shiftbell")
        if on_path and Path(on_path).resolve() == Path(sys.executable).resolve():
            return [on_path]  # /usr/bin/shiftbell, the name the package installs
        return [sys.executable]
    beside = Path(sys.executable).with_name("shiftbell.exe" if os.name == "nt" else "shiftbell")
    if beside.is_file():
        return [str(beside)]
    launched = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if launched is not None and launched.name == "shiftbell" and launched.is_file():
        return [str(launched.resolve())]
    return module_command("shiftbell")


class Autostart(Protocol):
    @property
    def where(self) -> str:
        """Where the entry lives, for messages."""
        ...

    def enabled(self) -> bool: ...

    def enable(self, command: Sequence[str]) -> None: ...

    def disable(self) -> None: ...


@dataclass
class XdgAutostart:
    """~/.config/autostart/shiftbell.desktop (XDG Autostart Specification)."""

    folder: Path

    @property
    def path(self) -> Path:
        return self.folder / DESKTOP_FILE

    @property
    def where(self) -> str:
        return str(self.path)

    def enabled(self) -> bool:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        # Desktops also honour Hidden=true as "switched off" (GNOME's own switch writes it).
        return "\nHidden=true" not in text

    def enable(self, command: Sequence[str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        text = "\n".join(
            [
                "[Desktop Entry]",
                "Type=Application",
                "Name=Shiftbell",
                "Comment=Alarms for people on call",
                f"Exec={_desktop_exec([*command, *AUTOSTART_ARGS])}",
                "Icon=shiftbell",
                "Terminal=false",
                "X-GNOME-Autostart-enabled=true",
                "",
            ]
        )
        write_atomically(self.path, text.encode())

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class LaunchAgent:
    """~/Library/LaunchAgents/org.shiftbell.Shiftbell.plist, loaded by launchd at login."""

    folder: Path

    @property
    def path(self) -> Path:
        return self.folder / f"{LAUNCH_AGENT}.plist"

    @property
    def where(self) -> str:
        return str(self.path)

    def enabled(self) -> bool:
        return self.path.is_file()

    def enable(self, command: Sequence[str]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        plist = {
            "Label": LAUNCH_AGENT,
            "ProgramArguments": [*command, *AUTOSTART_ARGS],
            "RunAtLoad": True,
            # Started once per login: a Shiftbell the person quit stays quit until next time.
            "KeepAlive": False,
            "ProcessType": "Interactive",
        }
        write_atomically(self.path, plistlib.dumps(plist))

    def disable(self) -> None:
        self.path.unlink(missing_ok=True)


class RunKey(Protocol):
    """The few calls on HKEY_CURRENT_USER\\...\\Run that Windows' winreg offers."""

    def get(self, name: str) -> str | None: ...

    def set(self, name: str, value: str) -> None: ...

    def delete(self, name: str) -> None: ...


@dataclass
class WindowsRun:
    """The per-user Run key: Windows starts what it names at login."""

    key: RunKey
    where: str = f"HKEY_CURRENT_USER\\{RUN_KEY}\\{RUN_VALUE}"

    def enabled(self) -> bool:
        return bool(self.key.get(RUN_VALUE))

    def enable(self, command: Sequence[str]) -> None:
        self.key.set(RUN_VALUE, _windows_command_line([*command, *AUTOSTART_ARGS]))

    def disable(self) -> None:
        self.key.delete(RUN_VALUE)


def for_this_platform() -> Autostart:
    if sys.platform == "darwin":
        return LaunchAgent(Path.home() / "Library" / "LaunchAgents")
    if sys.platform == "win32":
        from shiftbell.system.windows_run_key import WinregRunKey

        return WindowsRun(WinregRunKey())
    return XdgAutostart(platformdirs.user_config_path() / "autostart")


def _desktop_exec(args: Sequence[str]) -> str:
    """An Exec= value: arguments quoted as the Desktop Entry Specification asks (double
    quotes around any with a reserved character; "%" doubled, as it starts field codes)."""
    quoted = []
    for arg in args:
        arg = arg.replace("%", "%%")
        if arg and not any(c in arg for c in " \t\n\"'\\><~|&;$*?#()`"):
            quoted.append(arg)
        else:
            escaped = "".join("\\" + c if c in '"`$\\' else c for c in arg)
            quoted.append(f'"{escaped}"')
    return " ".join(quoted)


def _windows_command_line(args: Sequence[str]) -> str:
    """A command line as Windows' CreateProcess reads it back."""
    return subprocess.list2cmdline(list(args))


def parse_desktop_exec(value: str) -> list[str]:
    """The arguments of an Exec= value (for the tests and `autostart status`)."""
    return [arg.replace("%%", "%") for arg in shlex.split(value)]


def set_start_at_login(entry: Autostart, on: bool, data_dir: Path) -> None:
    """The person's choice, from the first-run question, Settings or the CLI: the entry made
    or removed, then never asked again. Raises OSError (and asks again next time) when the
    entry cannot be written."""
    if on:
        entry.enable(shiftbell_command())
    else:
        entry.disable()
    note_asked(data_dir)


def asked(data_dir: Path) -> bool:
    """Whether the person was asked (or chose, in Settings or with `shiftbell autostart`)."""
    return (data_dir / ASKED_FILE).exists()


def note_asked(data_dir: Path) -> None:
    """Never ask again; a data dir that cannot be written means asking again next time."""
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        (data_dir / ASKED_FILE).touch()
    except OSError:
        pass
