"""`shiftbell check` on the real app: a feed with a rejected token and a phone service that
refuses are each named with what to fix, the exit status says so, and each is a warning alert
in Shiftbell until a check passes again."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from tests.desktop import wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.unit.sources.ntfy.fake_ntfy import FakeNtfy
from tests.unit.sources.pagerduty.fake_pagerduty import FakePagerDuty

pytestmark = pytest.mark.e2e


def test_check_names_what_would_not_wake_you_and_clears_once_fixed(
    headless_app: Callable[..., RunningApp],
) -> None:
    app = headless_app()
    app.start()
    with FakePagerDuty() as pagerduty, FakeNtfy(token="tk_right") as ntfy:
        app.cli(
            *("feed", "add", "pagerduty", "work-pd", "--url", pagerduty.url),
            *("--interval", "5", "--token-stdin", "--allow-file-secrets"),
            stdin="expired-token\n",
        )
        app.cli("phone", "add", "ntfy", "me", "--url", ntfy.url, "--option", "topic=alex-7f3k")
        wait_until(lambda: app.feed("work-pd").get("ok") is False, 20, message="the feed failing")

        said = app.cli("check", check=False)
        assert said.returncode == 1
        assert "✗ Feed work-pd: PagerDuty rejected the API key (401" in said.stdout
        assert "Settings > Feeds > work-pd" in said.stdout
        assert "✗ Phone me: ntfy rejected the access token (401" in said.stdout
        assert "✓ Sound: works" in said.stdout
        warnings = {a["key"]: a for a in app.status() if a["key"].startswith("check:")}
        # Headless, nobody sees a notification: that is a finding too.
        assert "✗ Notifications: tray balloons only" in said.stdout
        assert set(warnings) == {"check:feed:work-pd", "check:phone:me", "check:notifications"}
        assert warnings["check:feed:work-pd"]["severity"] == "warning"
        assert "Found when asked" in warnings["check:phone:me"]["summary"]

        app.cli("feed", "remove", "work-pd")
        app.cli("phone", "remove", "me")
        wait_until(lambda: not app.feed("work-pd"), 10, message="the feed gone")
        result = json.loads(app.cli("check", "--json", check=False).stdout)
        failed = [item["key"] for item in result["items"] if not item["ok"]]
        assert failed == ["notifications"], result
        left = [a["key"] for a in app.status() if a["key"].startswith("check:")]
        assert left == ["check:notifications"]


def test_check_without_a_running_shiftbell_says_nothing_will_wake_you(
    headless_app: Callable[..., RunningApp],
) -> None:
    app = headless_app()
    said = app.cli("check", check=False)
    assert said.returncode == 1
    assert "Shiftbell is not running: nothing will wake you" in said.stdout
