"""The phone service is down when an alarm goes unanswered: the person is told (tray, window,
log) that their phone cannot be reached, the page is retried, and it arrives, once, as soon as
the service is back. A problem that clears clears in the window too."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from tests.desktop import wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.e2e.test_phone_escalation import CONFIG, PHONE_AFTER_S, POLL_S, add_pushover
from tests.unit.phones.fake_pushover import FakePushover

pytestmark = pytest.mark.e2e


def test_a_page_to_a_dead_phone_service_is_said_retried_and_delivered_once_when_it_is_back(
    headless_app: Callable[..., RunningApp],
) -> None:
    app = headless_app(CONFIG)
    app.start()
    pushover = FakePushover()
    pushover.start()
    try:
        add_pushover(app, pushover)
        pushover.stop()
        alert_id = app.cli("send", "Core switch down", "--severity", "critical").stdout.strip()
        said = wait_until(
            lambda: "Cannot send alerts to phone pager" in (p := app.problems()) and p,
            PHONE_AFTER_S + 10,
            message="the dead phone service reported",
        )
        assert "cannot reach Pushover" in said and "Retrying every 5 s" in said
        assert "cannot reach a phone" in app.log()
        assert app.alert(alert_id)["status"] == "firing"  # the desktop alarm goes on

        pushover.start()  # the same port: the service is back
        wait_until(lambda: pushover.emergencies, POLL_S * 2 + 5, message="the page, retried")
        wait_until(lambda: "phone" not in app.problems(), 10, message="the problem cleared")
        receipt = next(iter(pushover.receipts))
        wait_until(lambda: pushover.polls(receipt) >= 2, POLL_S * 3 + 5, message="two polls")
        assert len(pushover.emergencies) == 1
    finally:
        pushover.stop()
