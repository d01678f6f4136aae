"""A broken config never stops what was running.

The real app and a real Alertmanager: a typo saved into config.toml and a reload
(what `shiftbell schedule override` did after an unquoted `quiet_hours`) must leave
the feed polling, its alerts firing, and the problem said; a restart on the broken
file runs the feeds of the last good copy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.alertmanager_process import AlertmanagerProcess
from tests.desktop import PulseSink, wait_until
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome

pytestmark = pytest.mark.e2e

INTERVAL_S = 2


def feed_entry(url: str) -> str:
    return (
        f'[[feeds]]\nname = "prod-am"\nkind = "alertmanager"\nurl = "{url}"\n'
        f"interval_s = {INTERVAL_S}\n"
    )


def fire(alertmanager: AlertmanagerProcess, name: str) -> None:
    alertmanager.fire({"alertname": name, "severity": "critical"}, {"summary": name})


def firing(app: RunningApp) -> set[str]:
    return {a["title"] for a in app.status() if a["status"] == "firing"}


def test_a_typo_on_reload_and_at_restart_keeps_the_feed_running(
    alertmanager: AlertmanagerProcess, pulse_sink: PulseSink, tmp_path: Path
) -> None:
    host = HeadlessHost(pulse_sink.env, tmp_path)
    home = ShiftbellHome(tmp_path, feed_entry(alertmanager.url))
    app = RunningApp(host, home)
    try:
        app.start()
        fire(alertmanager, "DiskFull")
        wait_until(lambda: "DiskFull" in firing(app), INTERVAL_S + 5, message="the first alert")

        good = home.config_file.read_text()
        home.config_file.write_text(good + "\n[schedule]\nquiet_hours = 22:00-07:00\n")
        assert app.api("POST", "reload").status_code == 200
        problems = wait_until(
            lambda: "quiet_hours" in (text := app.problems()) and text,
            5,
            message="the config problem reported",
        )
        assert "no feed, schedule or phone was stopped" in problems
        # Still polling: a new alert arrives, the old one still fires.
        fire(alertmanager, "NodeDown")
        wait_until(
            lambda: firing(app) == {"DiskFull", "NodeDown"},
            INTERVAL_S + 5,
            message="a new alert from the feed after the broken reload",
        )
        assert "Problem:" in app.cli("status").stdout

        app.stop()
        app.start()  # on the still-broken file
        assert firing(app) == {"DiskFull", "NodeDown"}
        assert "last good copy" in app.problems()
        fire(alertmanager, "CpuHot")
        wait_until(
            lambda: "CpuHot" in firing(app),
            INTERVAL_S + 5,
            message="the feed of the last good copy polling after a restart",
        )

        home.config_file.write_text(good)  # fixed: the problem goes away
        assert app.api("POST", "reload").status_code == 200
        wait_until(
            lambda: "config.toml" not in app.problems(), 5, message="the problem cleared once fixed"
        )
        assert "CpuHot" in firing(app)
    finally:
        host.stop()
