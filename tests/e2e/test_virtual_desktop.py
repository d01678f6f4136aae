"""The e2e test support itself works: notifications, buttons, tray, sound and its measurement.

These tests pin down the instruments before the app's e2e tests rely on them:
if one of these fails, an app test failing on the same desktop says nothing
about the app.
"""

from __future__ import annotations

import math
import subprocess
import sys
import textwrap
from array import array
from pathlib import Path

import pytest
from tests.desktop import PulseSink, VirtualDesktop, require_tools, wait_until

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
ALARM_WAV = REPO / "resources" / "sounds" / "alarm.wav"
APP_ICON = REPO / "resources" / "icons" / "shiftbell.svg"


def _read_when(path: Path, text: str, timeout: float) -> str:
    """Wait until ``path`` contains ``text``; return the whole content."""

    def check() -> str | None:
        content = path.read_text() if path.exists() else ""
        return content if text in content else None

    return wait_until(check, timeout, message=f"{text!r} in {path.name}")


def test_notification_appears_and_its_button_can_be_pressed(
    virtual_desktop: VirtualDesktop, tmp_path: Path
) -> None:
    require_tools("notify-send")
    out = tmp_path / "notify-send.out"
    proc = virtual_desktop.spawn(
        ["notify-send", "-A", "ack=Acknowledge", "--wait", "Disk full", "db-1: 99% used"],
        name="notify-send",
        stdout=out,
    )
    virtual_desktop.wait_for_notify("member=Notify")
    [call] = virtual_desktop.notify_calls()
    assert (call.summary, call.body) == ("Disk full", "db-1: 99% used")
    assert call.actions == [("ack", "Acknowledge")]

    notification_id, key = virtual_desktop.press_notification_button()

    assert key == "ack"
    assert notification_id > 0
    assert proc.wait(timeout=5) == 0
    assert out.read_text().strip() == "ack"


def _sine(seconds: float, freq: float, amplitude: float) -> bytes:
    """Mono s16le sine with 5 ms fades, so its own edges do not click."""
    n = round(seconds * PulseSink.RATE)
    fade = round(0.005 * PulseSink.RATE)
    pcm = array("h")
    for i in range(n):
        gain = min(1.0, i / fade, (n - 1 - i) / fade)
        pcm.append(round(32767 * amplitude * gain * math.sin(2 * math.pi * freq * i / 48000)))
    if sys.byteorder != "little":
        pcm.byteswap()
    return pcm.tobytes()


def test_tone_is_measured_loud_and_the_silence_after_it_quiet(
    pulse_sink: PulseSink, tmp_path: Path
) -> None:
    tone = tmp_path / "tone.raw"
    tone.write_bytes(_sine(0.6, 440.0, 0.5))
    recorder = pulse_sink.start_recording()

    pulse_sink.run(
        [
            "pacat",
            "--playback",
            "--raw",
            "--format=s16le",
            "--rate=48000",
            "--channels=1",
            str(tone),
        ]
    )

    # 10 ms windows: the edges of the tone are found to within 10 ms.
    began = recorder.wait_for_sound(threshold=0.1, timeout=5, window_s=0.01)
    ended = recorder.wait_for_silence(threshold=0.002, since=began, timeout=5, window_s=0.01)
    loud = recorder.rms_between(began + 0.1, began + 0.5)
    quiet = recorder.rms_between(ended + 0.05, ended + 0.3)
    print(f"tone: {ended - began:.3f} s long, RMS {loud:.4f}; after it RMS {quiet:.6f}")
    assert ended - began == pytest.approx(0.6, abs=0.04)
    assert loud == pytest.approx(0.5 / math.sqrt(2), rel=0.05)
    assert quiet < 0.001


TRAY_SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    app = QApplication(sys.argv)
    print("platform", app.platformName(), QSystemTrayIcon.isSystemTrayAvailable(), flush=True)
    icon = QSystemTrayIcon(QIcon(sys.argv[1]))
    icon.activated.connect(lambda reason: print("activated", reason.name, flush=True))
    icon.show()
    sys.exit(app.exec())
    """
)


def test_qt_tray_icon_docks_in_the_tray_and_receives_clicks(
    virtual_desktop: VirtualDesktop, tmp_path: Path
) -> None:
    out = tmp_path / "tray.out"
    virtual_desktop.spawn(
        [sys.executable, "-c", TRAY_SCRIPT, str(APP_ICON)], name="tray-app", stdout=out
    )

    [icon] = virtual_desktop.wait_for_tray_icon(timeout=10)
    assert _read_when(out, "platform", 5).startswith("platform xcb True")
    # trayer sits at the top right of the 1024x768 screen.
    assert icon.y < 32 and icon.x > 512 and icon.width >= 16

    virtual_desktop.click_tray_icon()
    assert "activated Trigger" in _read_when(out, "activated", 5)

    shot = virtual_desktop.screenshot(tmp_path / "desktop.png")
    crop = f"{icon.width}x{icon.height}+{icon.x}+{icon.y}"
    spread = subprocess.run(
        ["convert", str(shot), "-crop", crop, "-format", "%[fx:standard_deviation]", "info:"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert float(spread) > 0.05, "the tray icon's area is blank: the icon was not drawn"


SOUND_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from PySide6.QtCore import QCoreApplication, QTimer, QUrl
    from PySide6.QtMultimedia import QSoundEffect

    app = QCoreApplication(sys.argv)
    effect = QSoundEffect()
    effect.setSource(QUrl.fromLocalFile(sys.argv[1]))
    effect.setLoopCount(QSoundEffect.Loop.Infinite.value)
    effect.setVolume(0.3)

    def louder():
        effect.setVolume(1.0)
        print("loud", time.monotonic(), flush=True)

    def started():
        if effect.status() == QSoundEffect.Status.Ready and not effect.isPlaying():
            effect.play()
            print("play", time.monotonic(), flush=True)
            QTimer.singleShot(1300, louder)
            QTimer.singleShot(2800, app.quit)
        elif effect.status() == QSoundEffect.Status.Error:
            sys.exit("cannot load " + sys.argv[1])

    effect.statusChanged.connect(started)
    started()
    sys.exit(app.exec())
    """
)


def test_sound_effect_volume_is_measurable_as_rms(pulse_sink: PulseSink, tmp_path: Path) -> None:
    recorder = pulse_sink.start_recording()
    # No desktop needed to play sound: offscreen keeps this test fast.
    result = pulse_sink.run(
        [sys.executable, "-c", SOUND_SCRIPT, str(ALARM_WAV)],
        env={"QT_QPA_PLATFORM": "offscreen"},
        timeout=20,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    times = dict(line.split() for line in result.stdout.splitlines())
    play, loud_at = float(times["play"]), float(times["loud"])

    began = recorder.wait_for_sound(threshold=0.02, since=play - 0.1, timeout=5)
    # Whole 0.5 s windows (two alarm cells each), clear of start-up and of the
    # buffered audio still at the old volume after the change.
    quiet = recorder.rms_between(began + 0.3, began + 0.8)
    quiet_later = recorder.rms_between(began + 0.45, began + 0.95)
    loud = recorder.rms_between(loud_at + 0.4, loud_at + 0.9)
    loud_later = recorder.rms_between(loud_at + 0.55, loud_at + 1.05)
    print(
        f"latency {began - play:.3f} s; RMS at 0.3: {quiet:.4f}/{quiet_later:.4f},"
        f" at 1.0: {loud:.4f}/{loud_later:.4f}, ratio {loud / quiet:.2f}"
    )
    assert began - play < 0.5
    assert quiet_later == pytest.approx(quiet, rel=0.05), "alarm loudness is not steady"
    assert loud_later == pytest.approx(loud, rel=0.05), "alarm loudness is not steady"
    assert loud / quiet == pytest.approx(1.0 / 0.3, rel=0.15)
