"""Fixtures of the end-to-end tests: a real virtual desktop and a recordable sound card.

Each test gets fresh ones (start-up is about a second) so no test can see
another's notifications, tray icons or sound.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from pathlib import Path

import pytest
from tests.alertmanager_process import AlertmanagerProcess
from tests.desktop import PulseSink, VirtualDesktop, require_tools
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Remember each phase's report on the item, so fixtures can tell that a test failed."""
    report = yield
    setattr(item, f"_report_{report.when}", report)
    return report


def _failed(request: pytest.FixtureRequest) -> bool:
    report = getattr(request.node, "_report_call", None)
    return report is not None and report.failed


@pytest.fixture
def pulse_sink(request: pytest.FixtureRequest) -> Iterator[PulseSink]:
    """A private PulseAudio server with a null sink; ``start_recording()`` measures it."""
    require_tools(*PulseSink.TOOLS)
    with PulseSink() as sink:
        yield sink
        if _failed(request):
            print(sink.dump_logs())


@pytest.fixture
def virtual_desktop(
    request: pytest.FixtureRequest, pulse_sink: PulseSink
) -> Iterator[VirtualDesktop]:
    """Xvfb + openbox + trayer + session bus + dunst, sharing ``pulse_sink`` for sound."""
    require_tools(*VirtualDesktop.TOOLS)
    with VirtualDesktop(audio=pulse_sink) as desktop:
        yield desktop
        if _failed(request):
            print(desktop.dump_logs())


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[AlertmanagerProcess]:
    """A real Alertmanager (the Debian binary) on a free loopback port."""
    workdir = tmp_path / "am"
    workdir.mkdir()
    with AlertmanagerProcess(workdir) as process:
        yield process


@pytest.fixture
def headless_host(pulse_sink: PulseSink, tmp_path: Path) -> Iterator[HeadlessHost]:
    """No display, the recordable sink; stops every app started on it."""
    host = HeadlessHost(pulse_sink.env, tmp_path)
    try:
        yield host
    finally:
        host.stop()


@pytest.fixture
def headless_app(pulse_sink: PulseSink, tmp_path: Path) -> Iterator[Callable[..., RunningApp]]:
    """Makes the real app, headless with the recordable sink; stops all it started."""
    host = HeadlessHost(pulse_sink.env, tmp_path)

    def make(config: str = "", env: dict[str, str] | None = None) -> RunningApp:
        """An app with its own XDG dirs in tmp_path and `config` after the receiver port."""
        app = RunningApp(host, ShiftbellHome(tmp_path, config))
        app.env.update(env or {})
        return app

    try:
        yield make
    finally:
        host.stop()
