"""A notification goes when its alert is acknowledged or resolved, by any path, its own
Acknowledge button included: dunst left that red bubble on screen."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.desktop import VirtualDesktop, wait_until
from tests.e2e.shiftbell_app import RunningApp, ShiftbellHome

pytestmark = pytest.mark.e2e


def test_acknowledged_by_its_button_or_resolved_the_bubble_goes(
    virtual_desktop: VirtualDesktop, tmp_path: Path
) -> None:
    app = RunningApp(virtual_desktop, ShiftbellHome(tmp_path, ""))
    app.start()
    first = app.cli("send", "Database primary down", "--severity", "critical").stdout.strip()
    virtual_desktop.wait_for_notify("Database primary down", timeout=10)
    virtual_desktop.press_notification_button()
    wait_until(lambda: app.alert(first)["status"] == "acknowledged", 5, message="acknowledged")
    wait_until(
        lambda: virtual_desktop.displayed_notifications() == 0,
        5,
        message="the bubble withdrawn after its own button",
    )

    app.cli("send", "Disk full", "--severity", "critical", "--key", "disk")
    wait_until(virtual_desktop.displayed_notifications, 10, message="the second bubble")
    app.cli("send", "Disk full", "--key", "disk", "--resolve")
    wait_until(
        lambda: virtual_desktop.displayed_notifications() == 0,
        5,
        message="the bubble withdrawn when its alert resolved",
    )
