"""The whole slice on a real virtual desktop.

The real `shiftbell` process runs on Xvfb with a real X tray, a real D-Bus
notification daemon and a PulseAudio null sink whose recording is measured.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from tests.desktop import PulseSink, VirtualDesktop, WindowGeometry, wait_until
from tests.e2e.shiftbell_app import RunningApp, ShiftbellHome

pytestmark = pytest.mark.e2e

# A short ramp so the rise is measured in seconds; the shape is the default one.
FAST_RAMP = """\
[escalation.critical]
sound = "alarm"
volume_start = 0.3
volume_end = 1.0
ramp_s = 4
siren_after_s = 120
raise_window_after_s = 240
"""
LOUD = 0.02
SILENT = 0.005


@pytest.fixture
def app(virtual_desktop: VirtualDesktop, tmp_path: Path) -> RunningApp:
    running = RunningApp(virtual_desktop, ShiftbellHome(tmp_path, FAST_RAMP))
    running.start()
    virtual_desktop.wait_for_tray_icon(timeout=15)
    return running


def test_critical_alert_notifies_ramps_up_and_one_ack_silences_it_for_good(
    app: RunningApp, virtual_desktop: VirtualDesktop, pulse_sink: PulseSink
) -> None:
    recording = pulse_sink.start_recording()
    sent_at = time.monotonic()
    alert_id = app.cli(
        "send",
        "Database primary down",
        "--severity",
        "critical",
        "--summary",
        "db1: connection refused",
        "--key",
        "db1",
    ).stdout.strip()

    call = virtual_desktop.wait_for_notify("Database primary down", timeout=10)
    assert "db1: connection refused" in call
    sound_at = recording.wait_for_sound(LOUD, timeout=10, since=sent_at)

    # The ramp: 30 % to 100 % over 4 s, measured as RMS of what reached the sink.
    early = recording.rms_between(sound_at + 0.1, sound_at + 1.1, timeout=10)
    late = recording.rms_between(sound_at + 4.2, sound_at + 5.2, timeout=10)
    print(f"ramp: RMS {early:.4f} in the first second, {late:.4f} after the ramp")
    assert late > 1.8 * early, (early, late)
    steps = [recording.rms_between(sound_at + t, sound_at + t + 1.0) for t in (0.0, 1.5, 3.0)]
    assert steps == sorted(steps), steps
    assert app.alert(alert_id)["status"] == "firing"
    assert app.alert(alert_id)["level"] >= 1

    acked_at = time.monotonic()
    app.cli("ack", alert_id)
    quiet_at = recording.wait_for_silence(SILENT, timeout=5, since=acked_at)
    print(f"silent {quiet_at - acked_at:.3f} s after `shiftbell ack` started")
    assert quiet_at - acked_at < 0.5, f"silent {quiet_at - acked_at:.3f} s after the ack"
    status = app.alert(alert_id)
    assert status["status"] == "acknowledged"
    assert status["acknowledged_at"] is not None

    assert app.stop() == 0
    app.start()
    assert app.alert(alert_id)["status"] == "acknowledged"
    back_at = time.monotonic()
    assert recording.rms_between(back_at, back_at + 1.5, timeout=10) < SILENT


def test_notification_button_acknowledges_and_tray_shows_the_state(
    app: RunningApp, virtual_desktop: VirtualDesktop, pulse_sink: PulseSink, tmp_path: Path
) -> None:
    recording = pulse_sink.start_recording()
    sent_at = time.monotonic()
    alert_id = app.cli("send", "Checkout error rate 12%", "--severity", "critical").stdout.strip()
    notify = wait_until(
        lambda: next(
            (c for c in virtual_desktop.notify_calls() if "Checkout error rate" in c.summary),
            None,
        ),
        10,
        message="the Notify call",
    )
    assert "Acknowledge" in [label for _, label in notify.actions]
    recording.wait_for_sound(LOUD, timeout=10, since=sent_at)

    icon = virtual_desktop.tray_icons()[0]
    shot = virtual_desktop.screenshot(tmp_path / "firing.png")
    assert _has_red(shot, icon), "the firing-critical tray icon is not drawn red"

    pressed_at = time.monotonic()
    virtual_desktop.press_notification_button()
    recording.wait_for_silence(SILENT, timeout=5, since=pressed_at)
    wait_until(
        lambda: app.alert(alert_id)["status"] == "acknowledged",
        5,
        message="acknowledged through the notification button",
    )

    assert not _window_visible(virtual_desktop)
    virtual_desktop.click_tray_icon()
    wait_until(lambda: _window_visible(virtual_desktop), 10, message="the window on a tray click")


def test_clicking_a_notification_opens_the_window_on_its_alert(
    app: RunningApp, virtual_desktop: VirtualDesktop
) -> None:
    alert_id = app.cli("send", "Payments API down", "--severity", "warning").stdout.strip()
    virtual_desktop.wait_for_notify("Payments API down", timeout=10)
    assert not _window_visible(virtual_desktop)
    _id, key = virtual_desktop.click_notification()
    assert key == "default"
    wait_until(lambda: _window_visible(virtual_desktop), 10, message="the window on a click")
    wait_until(lambda: f"window shown on alert {alert_id}" in app.log(), 5, message="the alert")
    assert app.alert(alert_id)["status"] == "firing"  # a click opens; it acknowledges nothing


def test_the_last_notification_says_that_nothing_watches_any_more(
    app: RunningApp, virtual_desktop: VirtualDesktop
) -> None:
    assert app.stop() == 0
    call = virtual_desktop.wait_for_notify("Shiftbell has stopped", timeout=5)
    assert "Nothing is watching your alerts now" in call


def _has_red(png: Path, icon: WindowGeometry) -> bool:
    """Whether the tray icon's area of a screenshot contains the critical red."""
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    x0, y0 = icon.x, icon.y
    for x in range(x0, x0 + icon.width):
        for y in range(y0, y0 + icon.height):
            color = image.pixelColor(x, y)
            if color.red() > 180 and color.green() < 90 and color.blue() < 90:
                return True
    return False


def test_a_second_shiftbell_brings_the_running_window_forward(
    app: RunningApp, virtual_desktop: VirtualDesktop
) -> None:
    assert not _window_visible(virtual_desktop), "the app starts in the tray"
    second = app.cli("run")
    assert "already running" in second.stdout + second.stderr
    wait_until(lambda: _window_visible(virtual_desktop), 10, message="the running app's window")
    assert app.proc is not None and app.proc.poll() is None, "the first one keeps running"


def _app_windows(desktop: VirtualDesktop) -> list[str]:
    """The app's visible top-level windows (its window, and a menu while one is open)."""
    found = desktop.run(
        ["xdotool", "search", "--onlyvisible", "--classname", "shiftbell"], check=False
    )
    return found.stdout.split()


def _window_visible(desktop: VirtualDesktop) -> bool:
    found = desktop.run(
        ["xdotool", "search", "--onlyvisible", "--name", "^Shiftbell$"], check=False
    )
    return found.returncode == 0


def test_a_link_in_the_details_opens_in_the_browser(
    virtual_desktop: VirtualDesktop, tmp_path: Path
) -> None:
    """From the keyboard, as at 3 a.m.: the notification opens the window on the alert,
    Return opens its menu, and its link goes to the browser (a stub xdg-open on PATH)."""
    opened = tmp_path / "opened.txt"
    stub = tmp_path / "bin" / "xdg-open"
    stub.parent.mkdir()
    stub.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    stub.chmod(0o755)
    app = RunningApp(virtual_desktop, ShiftbellHome(tmp_path, FAST_RAMP))
    app.env["PATH"] = f"{stub.parent}:{app.env.get('PATH', '')}"
    app.start()
    runbook = "https://wiki.example.com/runbooks/disk-full"
    app.cli("send", "Disk full on db1", "--severity", "warning", "--url", runbook)
    virtual_desktop.wait_for_notify("Disk full on db1", timeout=10)
    virtual_desktop.click_notification()
    wait_until(lambda: _window_visible(virtual_desktop), 10, message="the window on a click")
    # The row's menu ends: … Open wiki.example.com, Copy id; Up from none is the last item.
    before = _app_windows(virtual_desktop)
    virtual_desktop.run(["xdotool", "key", "Return"])
    wait_until(lambda: len(_app_windows(virtual_desktop)) > len(before), 5, message="the menu")
    virtual_desktop.run(["xdotool", "key", "--delay", "100", "Up", "Up"])
    virtual_desktop.run(["xdotool", "key", "Return"])
    wait_until(lambda: opened.exists() and opened.read_text().strip(), 10, message="the browser")
    assert opened.read_text().split() == [runbook]
