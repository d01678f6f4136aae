"""A source that hangs, resets, errs, rate-limits or talks garbage, through a proxy of
our own in front of the real Alertmanager.

What a person would notice is asserted: the feed's status line, the alerts in
`shiftbell status`, and the silences Alertmanager holds.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.alertmanager_process import AlertmanagerProcess
from tests.desktop import PulseSink, in_ci, wait_until
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome
from tests.faults.proxy import FaultProxy, Rule

pytestmark = pytest.mark.e2e

INTERVAL_S = 2
LABELS = {"alertname": "PostgresDown", "instance": "db1:5432", "severity": "critical"}
LIBFAKETIME = Path("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1")


@pytest.fixture
def proxy(alertmanager: AlertmanagerProcess) -> Iterator[FaultProxy]:
    with FaultProxy(alertmanager.url) as running:
        yield running


def feed_entry(url: str) -> str:
    return (
        f'[[feeds]]\nname = "prod-am"\nkind = "alertmanager"\nurl = "{url}"\n'
        f"interval_s = {INTERVAL_S}\n"
    )


def app_for(
    url: str, pulse_sink: PulseSink, tmp_path: Path, env: dict[str, str] | None = None
) -> tuple[HeadlessHost, RunningApp]:
    host = HeadlessHost(pulse_sink.env, tmp_path)
    app = RunningApp(host, ShiftbellHome(tmp_path, feed_entry(url)))
    app.env.update(env or {})
    return host, app


def active_silences(alertmanager: AlertmanagerProcess) -> list[dict[str, Any]]:
    return [s for s in alertmanager.silences() if s["status"]["state"] == "active"]


def test_a_silence_whose_answer_was_lost_is_found_not_made_twice(
    alertmanager: AlertmanagerProcess, proxy: FaultProxy, pulse_sink: PulseSink, tmp_path: Path
) -> None:
    host, app = app_for(proxy.url, pulse_sink, tmp_path)
    try:
        app.start()
        alertmanager.fire(LABELS, {"summary": "Postgres on db1 is down"})
        alert = wait_until(
            lambda: next(iter(app.status()), None), INTERVAL_S + 5, message="the alert"
        )
        proxy.set(Rule("lose-answer", "POST", "/api/v2/silences", times=1))
        app.cli("ack", alert["id"])
        wait_until(
            lambda: app.alert(alert["id"]).get("ack_delivery") == "confirmed",
            30,
            message="the acknowledgement confirmed at the source after the retry",
        )
        assert proxy.did("POST", "/api/v2/silences", "lose-answer") == 1
        assert len(active_silences(alertmanager)) == 1
        assert app.alert(alert["id"])["status"] == "acknowledged"
    finally:
        host.stop()


def test_hangs_resets_errors_and_garbage_are_said_and_the_feed_comes_back(
    alertmanager: AlertmanagerProcess, proxy: FaultProxy, pulse_sink: PulseSink, tmp_path: Path
) -> None:
    host, app = app_for(proxy.url, pulse_sink, tmp_path)
    try:
        app.start()
        wait_until(lambda: app.feed("prod-am").get("ok"), INTERVAL_S + 5, message="feed ok")
        for rule, words in (
            (Rule("status", status=500), "server error 500"),
            (Rule("status", status=429, headers={"Retry-After": "1"}), "rate limit"),
            (Rule("garbage"), "JSON"),
            (Rule("reset"), "cannot reach Alertmanager"),
            (Rule("hang"), "did not answer in time"),  # httpx's 10 s read timeout
        ):
            proxy.set(rule)
            wait_until(
                lambda w=words: (
                    (f := app.feed("prod-am")).get("ok") is False and w in f.get("message", "")
                ),
                30,
                message=f"the feed's status to say {words!r} after {rule.mode} {rule.status}",
            )
            assert app.proc is not None and app.proc.poll() is None
        proxy.set()
        recovered_at = time.monotonic()
        alertmanager.fire(LABELS, {"summary": "Postgres on db1 is down"})
        wait_until(lambda: app.status(), 30 + INTERVAL_S + 3, message="the alert after recovery")
        assert time.monotonic() - recovered_at < 30 + INTERVAL_S + 3
        assert app.feed("prod-am")["ok"] is True
    finally:
        host.stop()


def test_a_desktop_clock_ten_minutes_ahead_still_silences_at_once(
    alertmanager: AlertmanagerProcess, pulse_sink: PulseSink, tmp_path: Path
) -> None:
    """Seen before the fix: the silence was "pending" and the alert fired again in 3 s."""
    if not LIBFAKETIME.exists() or shutil.which("faketime") is None:
        message = "libfaketime (Debian package faketime) is missing"
        if in_ci():
            pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
        pytest.skip(message)
    skewed = {
        "LD_PRELOAD": str(LIBFAKETIME),
        "FAKETIME": "+10m",
        "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "FAKETIME_NO_CACHE": "1",
    }
    host, app = app_for(alertmanager.url, pulse_sink, tmp_path, skewed)
    try:
        app.start()
        alertmanager.fire(LABELS, {"summary": "Postgres on db1 is down"})
        alert = wait_until(
            lambda: next(iter(app.status()), None), INTERVAL_S + 5, message="the alert"
        )
        app.cli("ack", alert["id"])
        wait_until(
            lambda: active_silences(alertmanager), 10, message="an active (not pending) silence"
        )
        # The next polls still see it silenced: acknowledged, and no second silence.
        later = time.monotonic() + 3 * INTERVAL_S
        wait_until(lambda: time.monotonic() >= later, 3 * INTERVAL_S + 1, interval=0.2)
        assert app.alert(alert["id"])["status"] == "acknowledged"
        assert len(alertmanager.silences()) == 1
        assert os.environ.get("LD_PRELOAD", "") != str(LIBFAKETIME)  # only the app was skewed
    finally:
        host.stop()
