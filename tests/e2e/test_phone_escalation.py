"""The real app escalates an unanswered critical alert to the phone, over real HTTP to fakes of
Pushover and ntfy, and hears the phone's acknowledgement: acknowledged in Shiftbell and at the
alert's source (a PagerDuty fake). Answered on the desktop, the phone stops ringing; a restart
pages nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from tests.desktop import wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.unit.phones.fake_pushover import APP_TOKEN, USER_KEY, FakePushover
from tests.unit.sources.ntfy.fake_ntfy import FakeNtfy
from tests.unit.sources.pagerduty.fake_pagerduty import FakePagerDuty

pytestmark = pytest.mark.e2e

PHONE_AFTER_S = 3
CONFIG = f"""\
[escalation.critical]
sound = "alarm"
ramp_s = 4
phone_after_s = {PHONE_AFTER_S}
"""
INCIDENT = "PT4KHLK"  # triggered, high urgency: critical
POLL_S = 5  # how often Shiftbell asks about its pages


def add_pushover(app: RunningApp, pushover: FakePushover) -> None:
    app.cli(
        *("phone", "add", "pushover", "pager", "--url", pushover.url, "--token-stdin"),
        *("--option", f"user={USER_KEY}", "--option", "retry_s=30", "--allow-file-secrets"),
        stdin=APP_TOKEN + "\n",
    )


def test_a_critical_nobody_answers_reaches_the_phone_once_and_the_phone_acknowledges_it(
    headless_app: Callable[..., RunningApp],
) -> None:
    app = headless_app(CONFIG)
    app.start()
    with FakePagerDuty() as pagerduty, FakePushover() as pushover:
        add_pushover(app, pushover)
        app.cli(
            *("feed", "add", "pagerduty", "work-pd", "--url", pagerduty.url),
            *("--interval", "5", "--token-stdin", "--allow-file-secrets"),
            stdin=pagerduty.token + "\n",
        )
        alert = wait_until(
            lambda: next((a for a in app.status() if a["key"] == INCIDENT), None),
            15,
            message="the incident alarming in Shiftbell",
        )
        [page] = wait_until(
            lambda: pushover.emergencies, PHONE_AFTER_S + 10, message="the page at Pushover"
        )
        assert page["title"] == "The server is on fire."
        # At its time: not before phone_after_s of alarming (one tick of slack), and soon after.
        alarming = (
            float(page["received_at"]) - datetime.fromisoformat(alert["alarm_since"]).timestamp()
        )
        assert PHONE_AFTER_S - 1.1 <= alarming <= PHONE_AFTER_S + 5, alarming
        receipt = next(iter(pushover.receipts))
        # Two polls of the receipt later (10 s of ticks), still the one page.
        wait_until(lambda: pushover.polls(receipt) >= 2, POLL_S * 3 + 5, message="two polls")
        assert len(pushover.emergencies) == 1

        pushover.acknowledge(receipt, "pixel-7")
        acked = wait_until(
            lambda: (a := app.alert(str(alert["id"])))["status"] == "acknowledged" and a,
            POLL_S + 10,
            message="the phone's acknowledgement in Shiftbell",
        )
        assert acked["ack_comment"] == "Acknowledged on the phone (pixel-7)"
        wait_until(
            lambda: pagerduty.status_of(INCIDENT) == "acknowledged",
            15,
            message="acknowledged at PagerDuty",
        )
        assert len(pushover.emergencies) == 1
        assert "sent alert" in app.log() and "acknowledged on phone pager" in app.log()


def test_ntfy_button_acknowledges_a_desktop_answer_stops_pushover_and_a_restart_pages_nothing_twice(
    headless_app: Callable[..., RunningApp],
) -> None:
    app = headless_app(CONFIG)
    app.start()
    with FakeNtfy() as ntfy, FakePushover() as pushover:
        app.cli("phone", "add", "ntfy", "me", "--url", ntfy.url, "--option", "topic=alex-7f3k")
        add_pushover(app, pushover)
        first = app.cli("send", "Disk full on db1", "--severity", "critical").stdout.strip()
        [message] = wait_until(
            lambda: ntfy.messages("alex-7f3k"), PHONE_AFTER_S + 10, message="the page at ntfy"
        )
        assert message["priority"] == 5 and message["title"] == "Disk full on db1"
        wait_until(lambda: pushover.emergencies, 10, message="the page at Pushover")
        first_receipt = next(iter(pushover.receipts))

        assert ntfy.press(message, "Acknowledge").status_code == 200
        wait_until(
            lambda: app.alert(first)["status"] == "acknowledged",
            POLL_S + 10,
            message="ntfy's Acknowledge button heard",
        )
        # Answered on one phone: the other stops ringing.
        wait_until(lambda: pushover.cancelled(first_receipt), POLL_S + 10, message="cancelled")

        second = app.cli("send", "API down", "--severity", "critical").stdout.strip()
        wait_until(lambda: len(pushover.emergencies) == 2, PHONE_AFTER_S + 10, message="page 2")
        second_receipt = next(r for r in pushover.receipts if r != first_receipt)
        app.stop()
        app.start()
        wait_until(lambda: pushover.polls(second_receipt) >= 2, POLL_S * 3 + 10, message="polls")
        assert len(pushover.emergencies) == 2  # the restart sent nothing again
        assert len(ntfy.messages("alex-7f3k")) == 2

        app.cli("ack", second)
        wait_until(lambda: pushover.cancelled(second_receipt), POLL_S + 10, message="cancelled")
        assert app.alert(first)["ack_comment"] == "Acknowledged on the phone (ntfy)"
