"""Widget tests run offscreen, whatever display the machine has."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

# Before anything imports PySide6: Qt reads this when the QApplication starts.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_HERE = Path(__file__).resolve().parent

from tests.desktop import PulseSink, in_ci, require_tools  # noqa: E402
from tests.ui.samples import AlertFactory, build_alert  # noqa: E402

from shiftbell.ui.runner import AsyncRunner  # noqa: E402
from shiftbell.ui.window import MainWindow  # noqa: E402

# WORKAROUND: the offscreen platform plugin logs a qWarning for window-manager
# calls it does not implement: propagateSizeHints() whenever a shown window's size
# constraints change (any layout change) and raise(). They say nothing about our
# code, but qt_log_level_fail = WARNING would fail every test that shows a window.
# Only these exact messages are ignored, and only under tests/ui.
OFFSCREEN_NOISE = (
    r"^This plugin does not support propagateSizeHints\(\)$",
    r"^This plugin does not support raise\(\)$",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_NOISE))


@pytest.fixture
def make_alert() -> AlertFactory:
    return build_alert


@pytest.fixture
def main_window(qtbot: QtBot) -> MainWindow:
    """The main window, shown, in UTC."""
    window = MainWindow(tz=UTC)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


@pytest.fixture(scope="session")
def private_pulse() -> Iterator[PulseSink]:
    """A PulseAudio of our own for the rest of the session.

    Qt's multimedia connects to PulseAudio once per process, the first time anything
    multimedia is used, and never reconnects: every widget test that builds an
    AlarmPlayer must use this (through `audio`) so the server is there first.
    """
    require_tools(*PulseSink.TOOLS)
    saved = {
        key: os.environ.get(key)
        for key in ("XDG_RUNTIME_DIR", "PULSE_SERVER", "PULSE_CLIENTCONFIG")
    }
    with PulseSink() as sink:
        os.environ.update(sink.env)
        try:
            yield sink
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


@pytest.fixture
def audio(private_pulse: PulseSink, qapp: object) -> PulseSink:
    from PySide6.QtMultimedia import QMediaDevices

    if not QMediaDevices.audioOutputs():
        message = (
            "Qt multimedia sees no audio output: it was initialised in this process before "
            "the test's PulseAudio started: build every AlarmPlayer through the `audio` fixture"
        )
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return private_pulse


@pytest.fixture
def runner() -> Iterator[AsyncRunner]:
    """The app's worker loop, for windows that run tests and fetches off the UI thread."""
    runner = AsyncRunner(name="ui-test")
    runner.start()
    yield runner
    runner.stop()
