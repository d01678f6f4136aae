"""`shiftbell feed add zabbix ...` against a real Zabbix 6.0: a problem fired with
zabbix_sender rings in the app within an interval with its severity and host, acknowledging
from the CLI shows in Zabbix with the comment, un-acknowledging undoes it, recovery resolves
it, and a wrong token is said in the feed's status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.desktop import wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.e2e.test_app_end_to_end import FAST_RAMP
from tests.unit.sources.zabbix.zabbix_process import DISK, ZabbixProcess

pytestmark = pytest.mark.e2e

INTERVAL_S = 2


def add_feed(app: RunningApp, zabbix: ZabbixProcess, name: str, token: str) -> None:
    app.cli(
        *("feed", "add", "zabbix", name, "--url", zabbix.url, "--token-stdin"),
        *("--allow-file-secrets", "--interval", str(INTERVAL_S)),
        stdin=f"{token}\n",
    )


def test_a_problem_rings_is_acknowledged_in_zabbix_and_resolves(
    headless_app: Callable[..., RunningApp], zabbix: ZabbixProcess
) -> None:
    app = headless_app(FAST_RAMP)
    app.start()
    add_feed(app, zabbix, "ops-zabbix", zabbix.token)
    event = zabbix.fire(DISK)
    assert event is not None

    def disk() -> dict[str, Any] | None:
        return next((a for a in app.status() if a["key"] == event["eventid"]), None)

    alert = wait_until(disk, INTERVAL_S + 5, message="the Zabbix problem in Shiftbell")
    assert alert["severity"] == "critical"
    assert alert["labels"]["host"] == "db1"
    assert alert["title"] == "Disk full on db1"

    app.cli("ack", alert["id"], "--comment", "cleaning /var - Alex")
    wait_until(
        lambda: zabbix.event(event["eventid"])["acknowledged"] == "1",
        10,
        message="acknowledged in Zabbix",
    )
    messages = [a["message"] for a in zabbix.event(event["eventid"])["acknowledges"]]
    assert messages == ["cleaning /var - Alex"]

    app.cli("unack", alert["id"])
    wait_until(
        lambda: zabbix.event(event["eventid"])["acknowledged"] == "0",
        10,
        message="the acknowledgement removed in Zabbix",
    )
    zabbix.fire(DISK, 0)
    wait_until(lambda: disk() is None, INTERVAL_S * 2 + 5, message="resolved in Shiftbell")


def test_a_wrong_token_is_said_in_the_feeds_status(
    headless_app: Callable[..., RunningApp], zabbix: ZabbixProcess
) -> None:
    app = headless_app(FAST_RAMP)
    app.start()
    add_feed(app, zabbix, "ops-zabbix", "0" * 64)
    status = wait_until(
        lambda: (f := app.feed("ops-zabbix")).get("ok") is False and f,
        INTERVAL_S + 10,
        message="the feed's error",
    )
    assert "Zabbix rejected the API token" in str(status) and "ops-zabbix" in str(status)
