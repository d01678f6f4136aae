"""`shiftbell feed add icinga2 ...` against a real Icinga 2: a problem rings in the app within
an interval with its severity and host, acknowledging from the CLI shows in Icinga with the
comment, un-acknowledging undoes it, recovery resolves it, and a wrong password is said in
the feed's status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.desktop import wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.e2e.test_app_end_to_end import FAST_RAMP
from tests.unit.sources.icinga2.icinga2_process import PASSWORD, USER, Icinga2Process

pytestmark = pytest.mark.e2e

INTERVAL_S = 2


def add_feed(app: RunningApp, icinga: Icinga2Process, name: str, password: str) -> None:
    app.cli(
        *("feed", "add", "icinga2", name, "--url", icinga.url, "--token-stdin"),
        *("--allow-file-secrets", "--interval", str(INTERVAL_S)),
        *("--option", f"ca_file={icinga.ca_file}"),
        stdin=f"{USER}:{password}\n",
    )


def test_a_problem_rings_is_acknowledged_in_icinga_and_resolves(
    headless_app: Callable[..., RunningApp], icinga: Icinga2Process
) -> None:
    app = headless_app(FAST_RAMP)
    app.start()
    add_feed(app, icinga, "ops-icinga", PASSWORD)
    icinga.set_service("disk", 2, "DISK CRITICAL - /var at 99%")

    def disk() -> dict[str, Any] | None:
        return next((a for a in app.status() if a["key"] == "db1!disk"), None)

    alert = wait_until(disk, INTERVAL_S + 5, message="the Icinga problem in Shiftbell")
    assert alert["severity"] == "critical"
    assert alert["labels"]["host"] == "db1"
    assert alert["title"] == "Disk /var on db1.example.com is CRITICAL"

    app.cli("ack", alert["id"], "--comment", "cleaning /var - Alex")
    wait_until(
        lambda: icinga.objects("services", "db1!disk")["acknowledgement"] == 1,
        10,
        message="acknowledged in Icinga",
    )
    texts = [c["text"] for c in icinga.comments() if c["entry_type"] == 4]
    assert texts == ["cleaning /var - Alex"]

    app.cli("unack", alert["id"])
    wait_until(
        lambda: icinga.objects("services", "db1!disk")["acknowledgement"] == 0,
        10,
        message="the acknowledgement removed in Icinga",
    )
    icinga.set_service("disk", 0, "DISK OK")
    wait_until(lambda: disk() is None, INTERVAL_S * 2 + 5, message="resolved in Shiftbell")


def test_a_wrong_password_is_said_in_the_feeds_status(
    headless_app: Callable[..., RunningApp], icinga: Icinga2Process
) -> None:
    app = headless_app(FAST_RAMP)
    app.start()
    add_feed(app, icinga, "ops-icinga", "wrong-password")
    status = wait_until(
        lambda: (f := app.feed("ops-icinga")).get("ok") is False and f,
        INTERVAL_S + 10,
        message="the feed's error",
    )
    assert "Icinga 2" in str(status) and "ops-icinga" in str(status)
