"""The window fits a 1024 x 768 screen at scale 1 and 2, whatever the texts.

Seen before the fix: a long feed error made the window at least 1781 px wide (the
Acknowledge buttons and the close box off screen), and at QT_SCALE_FACTOR=2 it opened
larger than the screen.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.desktop import VirtualDesktop, wait_until
from tests.e2e.shiftbell_app import RunningApp, ShiftbellHome

pytestmark = pytest.mark.e2e

# A feed that cannot connect, with a very long URL: its error is a long line.
LONG_URL = "http://127.0.0.1:9/" + "very-long-path-segment/" * 40
BROKEN_FEED = f"""\
[[feeds]]
name = "prod-am"
kind = "alertmanager"
url = "{LONG_URL}"
interval_s = 2
"""


def window_size(desktop: VirtualDesktop) -> tuple[int, int] | None:
    found = desktop.run(
        ["xdotool", "search", "--onlyvisible", "--name", "^Shiftbell$"], check=False
    ).stdout.split()
    if not found:
        return None
    info = desktop.run(["xwininfo", "-id", found[0]], check=False).stdout
    width = re.search(r"Width: (\d+)", info)
    height = re.search(r"Height: (\d+)", info)
    return (int(width[1]), int(height[1])) if width and height else None


@pytest.mark.parametrize("scale", ["1", "2"])
def test_the_window_fits_the_screen_with_a_long_feed_error(
    scale: str, virtual_desktop: VirtualDesktop, tmp_path: Path
) -> None:
    app = RunningApp(virtual_desktop, ShiftbellHome(tmp_path, BROKEN_FEED))
    app.env["QT_SCALE_FACTOR"] = scale
    app.start()
    wait_until(lambda: app.feed("prod-am").get("ok") is False, 15, message="the feed's long error")
    app.cli("send", "Database primary down " * 20, "--severity", "critical")
    app.api("POST", "show")
    size = wait_until(lambda: window_size(virtual_desktop), 10, message="the window")
    assert size[0] <= 1024 and size[1] <= 768, size
