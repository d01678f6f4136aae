"""2xx means durable: a full disk, then space back, on the real app.

The data dir is a 4 MB tmpfs the test fills. Seen before the fix: the receiver answered
201 to alerts it could not save, never wrote them later, and after a restart 300 of 300
were gone.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.desktop import wait_until
from tests.faults.helpers import HeadlessApp, mount_tmpfs

pytestmark = pytest.mark.e2e


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB file system where the app keeps its data; unmounted afterwards."""
    yield from mount_tmpfs(tmp_path / "data", "size=4m")


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    subprocess.run(
        ["dd", "if=/dev/zero", f"of={filler}", "bs=64k"],
        check=False,
        capture_output=True,
    )
    return filler


def test_while_the_disk_is_full_the_receiver_says_503_and_writes_it_all_once_space_is_back(
    small_disk: Path, headless_app: HeadlessApp
) -> None:
    app = headless_app(env={"XDG_DATA_HOME": str(small_disk)})
    app.start()
    first = app.api("POST", "alerts", {"title": "Disk almost full", "key": "disk"})
    assert first.status_code == 201

    filler = fill(small_disk)
    refused = app.api(
        "POST", "alerts", [{"title": f"Node {n} down", "key": f"n{n}"} for n in range(50)]
    )
    assert refused.status_code == 503, refused.text
    assert refused.headers["Retry-After"] == "30"
    assert "cannot save" in refused.json()["error"]
    ack = app.api("POST", "ack-all")
    assert ack.status_code == 503
    sent = app.cli("send", "One more", check=False)
    assert sent.returncode == 1 and "cannot save" in sent.stderr
    assert "cannot save" in app.problems()
    # Shown and alarming all the same: the board follows what was sent.
    assert len(app.status()) == 52

    filler.unlink()
    wait_until(lambda: "cannot save" not in app.problems(), 10, message="saving works again")
    assert app.proc is not None
    app.proc.send_signal(signal.SIGKILL)  # nothing gets a chance to save on the way out
    app.proc.wait(5)
    app.stop()
    app.start()
    after = app.status()
    assert len(after) == 52
    # Acknowledged while full, and "One more", sent after that, still firing.
    assert {a["title"] for a in after if a["status"] == "firing"} == {"One more"}


def test_an_acknowledgement_made_while_the_disk_is_full_survives_a_kill(
    small_disk: Path, headless_app: HeadlessApp
) -> None:
    """Kept in the session's runtime dir (not on the full disk) until it can be saved."""
    app = headless_app(env={"XDG_DATA_HOME": str(small_disk)})
    app.start()
    alert_id = app.cli("send", "Disk almost full", "--severity", "critical").stdout.strip()
    filler = fill(small_disk)
    assert app.api("POST", f"alerts/{alert_id}/ack").status_code == 503
    assert app.proc is not None
    app.proc.send_signal(signal.SIGKILL)  # before the disk has room again
    app.proc.wait(5)
    app.stop()
    filler.unlink()
    app.start()
    assert app.alert(alert_id)["status"] == "acknowledged"
    assert "acknowledgement(s) that could not be saved" in app.log()
