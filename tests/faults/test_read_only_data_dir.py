"""Start-up never dies on a read-only data dir.

Seen before the fix: an uncaught OSError in feeds/token.py ended the app at start-up,
and from autostart nobody saw why.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.desktop import wait_until
from tests.e2e.shiftbell_app import shiftbell_command
from tests.faults.helpers import HeadlessApp, mount_tmpfs

pytestmark = pytest.mark.e2e


@pytest.fixture
def read_only_dir(tmp_path: Path) -> Iterator[Path]:
    yield from mount_tmpfs(tmp_path / "data", "ro,size=1m")


def test_a_read_only_data_dir_starts_in_memory_and_says_so(
    read_only_dir: Path, headless_app: HeadlessApp
) -> None:
    app = headless_app(env={"XDG_DATA_HOME": str(read_only_dir)})
    # Not app.start(): that waits for the CLI to reach it, and the CLI has no token here.
    proc = app.host.spawn([*shiftbell_command(), "run"], name="shiftbell", env=app.env)
    wait_until(lambda: "ready" in app.log(), 20, message="the app to finish starting")
    log = app.log()
    assert "Cannot keep the receiver token" in log
    assert "in memory only" in log  # the alert database
    assert proc.poll() is None
    # The CLI cannot read the token either, and says why instead of a traceback.
    result = app.cli("status", check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
