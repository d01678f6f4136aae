"""A database emptied under the running app is noticed and rebuilt.

Seen before the fix: truncated to 0 bytes while running, it showed no problem and lost
every alert at the next restart.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.desktop import wait_until
from tests.faults.helpers import HeadlessApp

pytestmark = pytest.mark.e2e


def test_a_database_truncated_while_running_is_said_and_its_alerts_kept(
    headless_app: HeadlessApp, tmp_path: Path
) -> None:
    app = headless_app()
    app.start()
    ids = {app.cli("send", f"Node {n} down", "--key", f"n{n}").stdout.strip() for n in range(3)}
    database = tmp_path / "data" / "shiftbell" / "shiftbell.sqlite3"
    database.write_bytes(b"")  # truncated, as by a faulty backup tool or a full disk

    problems = wait_until(
        lambda: "emptied" in (text := app.problems()) and text,
        45,  # the check runs every 30 s: "within a minute"
        message="the emptied database reported",
    )
    assert "A new one was started with the active alerts" in problems
    assert "emptied" in app.log()

    app.stop()
    app.start()
    assert {a["id"] for a in app.status()} == ids
    assert list(database.parent.glob("shiftbell.sqlite3.corrupt-*"))
