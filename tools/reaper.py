"""Run a command (the test suite) and, when it ends however it ends, stop every process it
left behind: a pytest that dies of a signal never runs its fixtures' teardown, and the
session's servers (Icinga 2, Nagios' Apache, Zabbix and its PostgreSQL, Xvfb, PulseAudio)
would go on running after CI.

Linux: this process becomes a child subreaper (prctl PR_SET_CHILD_SUBREAPER), so whatever
the command started, even in a new session, is reparented here when its parent dies.
Usage: python tools/reaper.py COMMAND [ARG...]; exits with the command's status.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36
GRACE_S = 5.0


def children() -> dict[int, str]:
    """This process's children, by pid, with their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # The state and the ppid follow the command name, which is in parentheses.
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == os.getpid() and state != "Z":  # a zombie is only to be reaped
            found[int(entry.name)] = command.strip()[:120]
    return found


def reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def stop_leftovers() -> None:
    reap()
    left = children()
    if not left:
        return
    for pid, command in left.items():
        print(f"reaper: stopping {pid} left running: {command}", file=sys.stderr)
    for pid in left:
        _signal(pid, signal.SIGTERM)
    deadline = time.monotonic() + GRACE_S
    while time.monotonic() < deadline:
        reap()
        if not children():
            return
        time.sleep(0.1)
    while left := children():  # what ignored SIGTERM, and what it started meanwhile
        for pid in left:
            _signal(pid, signal.SIGKILL)
        time.sleep(0.1)
        reap()


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def main(command: list[str]) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("reaper: cannot become a subreaper; running without", file=sys.stderr)
    code = subprocess.call(command)
    stop_leftovers()
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
