"""`shiftbell feed add nagios ...` against a real Nagios 4 with its CGIs under Apache: a
problem rings in the app within an interval with its severity and host, acknowledging from the
CLI shows in Nagios with the comment and stays acknowledged through later polls, un-acknowledging
undoes it, recovery resolves it, and a stopped daemon is said in the feed's status."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.desktop import wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.e2e.test_app_end_to_end import FAST_RAMP
from tests.unit.sources.nagios.nagios_process import PASSWORD, USER, NagiosProcess

pytestmark = pytest.mark.e2e

INTERVAL_S = 2


def add_feed(app: RunningApp, nagios: NagiosProcess, name: str) -> None:
    app.cli(
        *("feed", "add", "nagios", name, "--url", nagios.digest_url, "--token-stdin"),
        *("--allow-file-secrets", "--interval", str(INTERVAL_S)),
        stdin=f"{USER}:{PASSWORD}\n",
    )


def test_a_problem_rings_is_acknowledged_in_nagios_and_resolves(
    headless_app: Callable[..., RunningApp], nagios: NagiosProcess
) -> None:
    app = headless_app(FAST_RAMP)
    app.start()
    add_feed(app, nagios, "ops-nagios")
    nagios.set_service("disk", 2, "DISK CRITICAL - /var at 99%")

    def disk() -> dict[str, Any] | None:
        return next((a for a in app.status() if a["key"] == "db1!disk"), None)

    alert = wait_until(disk, INTERVAL_S + 5, message="the Nagios problem in Shiftbell")
    assert alert["severity"] == "critical"
    assert alert["labels"]["host"] == "db1"
    assert alert["title"] == "disk on db1 is CRITICAL"

    app.cli("ack", alert["id"], "--comment", "cleaning /var - Alex")
    wait_until(
        lambda: nagios.service("disk")["problem_has_been_acknowledged"] is True,
        15,
        message="acknowledged in Nagios",
    )
    texts = [c["comment_data"] for c in nagios.comments() if c["entry_type"] == 4]
    assert texts == ["cleaning /var - Alex"]
    # Polls after the acknowledgement see it in Nagios too: it does not ring again. (A new
    # check output in the same state keeps Nagios' acknowledgement and shows a poll happened.)
    nagios.set_service("disk", 2, "DISK CRITICAL - /var at 100%")
    polled = wait_until(
        lambda: (a := disk()) is not None and "100%" in a.get("summary", "") and a,
        INTERVAL_S * 2 + 5,
        message="a poll after the acknowledgement",
    )
    assert polled["status"] == "acknowledged"

    app.cli("unack", alert["id"])
    wait_until(
        lambda: nagios.service("disk")["problem_has_been_acknowledged"] is False,
        15,
        message="the acknowledgement removed in Nagios",
    )
    nagios.set_service("disk", 0, "DISK OK")
    wait_until(lambda: disk() is None, INTERVAL_S * 2 + 5, message="resolved in Shiftbell")


def test_a_stopped_nagios_is_said_in_the_feeds_status(
    headless_app: Callable[..., RunningApp], nagios: NagiosProcess
) -> None:
    app = headless_app(FAST_RAMP)
    app.start()
    add_feed(app, nagios, "ops-nagios")
    wait_until(lambda: app.feed("ops-nagios").get("ok") is True, INTERVAL_S + 10, message="ok")
    nagios.stop_nagios()
    status = wait_until(
        lambda: (f := app.feed("ops-nagios")).get("ok") is False and f,
        INTERVAL_S + 10,
        message="the feed's error",
    )
    assert "is the Nagios daemon running" in str(status) and "ops-nagios" in str(status)
