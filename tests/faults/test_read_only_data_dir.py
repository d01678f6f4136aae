"""Start-up never dies on a read-only data dir (issue 7, case 8).

Seen before the fix: an uncaught OSError in feeds/token.py ended the app at start-up,
and from autostart nobody saw why.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.desktop import PulseSink, in_ci, wait_until
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome, shiftbell_command

pytestmark = pytest.mark.e2e


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    if os.geteuid() != 0:
        message = "mounting a read-only tmpfs needs root"
        if in_ci():
            pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
        pytest.skip(message)
    mount = tmp_path / "data"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_read_only_data_dir_starts_in_memory_and_says_so(
    read_only_dir: Path, pulse_sink: PulseSink, tmp_path: Path
) -> None:
    host = HeadlessHost(pulse_sink.env, tmp_path)
    app = RunningApp(host, ShiftbellHome(tmp_path, ""))
    app.env["XDG_DATA_HOME"] = str(read_only_dir)
    try:
        proc = host.spawn([*shiftbell_command(), "run"], name="shiftbell", env=app.env)
        wait_until(lambda: "ready" in app.log(), 20, message="the app to finish starting")
        log = app.log()
        assert "Cannot keep the receiver token" in log
        assert "in memory only" in log  # the alert database
        assert proc.poll() is None
        # The CLI cannot read the token either, and says why instead of a traceback.
        result = app.cli("status", check=False)
        assert result.returncode == 1 and "Traceback" not in result.stderr
    finally:
        host.stop()
