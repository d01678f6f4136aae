"""The `shiftbell` command against a real receiver on 127.0.0.1, with its own dirs per test."""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.helpers.loop_thread import LoopThread

from shiftbell.cli import main
from shiftbell.cli.app_commands import duration_seconds, format_age, status_line
from shiftbell.core.alert import Alert, Status
from shiftbell.core.board import Changes
from shiftbell.core.clock import FakeClock
from shiftbell.receiver.address import LOCAL_FEED_ID
from shiftbell.receiver.server import LocalReceiver, ReceiverCommands
from shiftbell.receiver.token import load_or_create_token
from shiftbell.runtime.desk import AlertDesk
from shiftbell.sources.build import AlertAbilities
from shiftbell.system.paths import AppPaths

SOURCE_ROOT = Path(__file__).resolve().parents[2] / "desktop"


class RecordingStore:
    """Stands in for the SQLite store, to see through which path an ack came."""

    def __init__(self) -> None:
        self.vias: list[str] = []

    def load_active(self) -> list[Alert]:
        return []

    def record(self, changes: Changes, via: str = "") -> None:
        self.vias.append(via)

    def history(self, limit: int = 200) -> list[Alert]:
        return []


@dataclass
class App:
    """A receiver playing the running app, with the dirs the CLI will look in."""

    desk: AlertDesk
    store: RecordingStore
    receiver: LocalReceiver
    paths: AppPaths
    calls: list[str] = field(default_factory=list)


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("SHIFTBELL_URL", raising=False)
    paths = AppPaths.default()
    assert str(paths.data_dir).startswith(str(tmp_path))
    return paths


@contextmanager
def _start(dirs: AppPaths, token: str) -> Iterator[App]:
    loop = LoopThread()
    store = RecordingStore()
    desk = AlertDesk(FakeClock(), store)
    calls: list[str] = []
    commands = ReceiverCommands(
        show_window=lambda: calls.append("show"),
        test_alarm=lambda: calls.append("test-alarm"),
        snooze=lambda minutes: calls.append(f"snooze {minutes}"),
        snooze_alert=lambda alert_id, seconds: calls.append(f"snooze {alert_id} {seconds:g}"),
    )
    receiver = LocalReceiver(
        desk,
        token,
        0,
        level_of=lambda a: 0,
        commands=commands,
        why_no_silence=AlertAbilities(lambda _feed: None).why_no_silence,
        why_no_resolve=AlertAbilities(lambda _feed: None, [LOCAL_FEED_ID]).why_no_resolve,
    )
    loop.run(receiver.start())
    try:
        yield App(desk, store, receiver, dirs, calls)
    finally:
        loop.run(receiver.stop())
        loop.close()


@pytest.fixture
def app(dirs: AppPaths, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    with _start(dirs, load_or_create_token(dirs.data_dir)) as running:
        monkeypatch.setenv("SHIFTBELL_URL", running.receiver.url)
        yield running


@pytest.fixture
def dead_url(dirs: AppPaths, monkeypatch: pytest.MonkeyPatch) -> str:
    """An address where nothing listens: a port that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("SHIFTBELL_URL", url)
    return url


# -- send ------------------------------------------------------------------------------------


def test_send_prints_the_new_alert_id(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "send",
            "Backup failed",
            "--severity",
            "critical",
            "--summary",
            "exit 2",
            "--url",
            "https://ci.example.internal/412",
            "--key",
            "backup",
        ]
    )
    out = capsys.readouterr().out.strip()
    assert code == 0
    [alert] = app.desk.active()
    assert out == alert.id
    assert (alert.title, alert.severity.value, alert.summary) == (
        "Backup failed",
        "critical",
        "exit 2",
    )
    assert alert.url == "https://ci.example.internal/412"
    assert alert.key.source_id == "backup"


def test_send_with_labels_to_filter_and_group_by(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["send", "Disk full", "--label", "host=db1", "--label", "team = dba"]) == 0
    [alert] = app.desk.active()
    assert dict(alert.labels) == {"host": "db1", "team": "dba"}
    with pytest.raises(SystemExit) as exited:
        main(["send", "x", "--label", "db1"])
    assert exited.value.code == 2
    assert "'db1' is not NAME=VALUE (host=db1)" in capsys.readouterr().err


def test_resolve_one_sent_here_by_its_id(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    main(["send", "Backup failed"])
    alert_id = capsys.readouterr().out.strip()
    assert main(["resolve", alert_id, "--comment", "reran it"]) == 0
    assert capsys.readouterr().out == f"Resolved {alert_id}: Backup failed.\n"
    assert app.desk.active() == []
    assert main(["resolve", alert_id]) == 1
    assert f"no active alert with id '{alert_id}'" in capsys.readouterr().err


def test_send_resolve_by_key(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    main(["send", "Disk full", "--key", "disk"])
    first_id = capsys.readouterr().out.strip()
    assert main(["send", "Disk full", "--key", "disk", "--resolve"]) == 0
    assert capsys.readouterr().out.strip() == first_id
    assert app.desk.active() == []


def test_send_resolve_of_unknown_key_says_so(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["send", "Disk full", "--key", "gone", "--resolve"]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no active alert with key 'gone'; nothing to resolve" in captured.err


def test_send_resolve_without_key_is_a_usage_error(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["send", "Disk full", "--resolve"]) == 2
    assert "--resolve needs --key" in capsys.readouterr().err
    assert app.desk.active() == []


def test_send_with_an_unknown_severity_is_refused_by_argparse(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["send", "x", "--severity", "huge"])
    assert exited.value.code == 2
    assert "invalid choice: 'huge'" in capsys.readouterr().err


# -- status ----------------------------------------------------------------------------------


def test_status_when_empty(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 0
    assert capsys.readouterr().out == "All clear: no active alerts.\n"


def test_status_lines_and_json(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    main(["send", "Queue depth above 10k", "--severity", "critical"])
    main(["send", "Cert expires soon", "--severity", "info"])
    capsys.readouterr()

    assert main(["status"]) == 0
    lines = capsys.readouterr().out.splitlines()
    by_severity = sorted(app.desk.active(), key=lambda a: -a.severity.rank)
    assert len(lines) == 2
    for line, alert in zip(lines, by_severity, strict=True):
        assert line.startswith(f"{alert.id}  {alert.severity.value:<8}  firing")
        assert line.endswith(f"  {alert.title}")

    assert main(["status", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [a["id"] for a in listed] == [a.id for a in by_severity]
    assert listed[0]["started_at"] == "2026-01-01T12:00:00+00:00"


def test_status_line_and_age_format() -> None:
    now = datetime(2026, 1, 1, 13, 5, 30, tzinfo=UTC)
    line = status_line(
        {
            "id": "ab12cd34",
            "severity": "critical",
            "status": "acknowledged",
            "started_at": "2026-01-01T12:00:00+00:00",
            "title": "Disk full",
        },
        now,
    )
    assert line == "ab12cd34  critical  acknowledged   1h05m  Disk full"
    assert [format_age(s) for s in (-3, 45, 600, 3 * 3600 + 300, 2 * 86400 + 4 * 3600)] == [
        "0s",
        "45s",
        "10m",
        "3h05m",
        "2d04h",
    ]


# -- ack -------------------------------------------------------------------------------------


def test_ack_one_via_cli(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    main(["send", "Disk full", "--key", "disk"])
    alert_id = capsys.readouterr().out.strip()
    assert main(["ack", alert_id]) == 0
    assert capsys.readouterr().out == f"Acknowledged {alert_id}: Disk full\n"
    assert app.desk.active()[0].status is Status.ACKNOWLEDGED
    assert app.store.vias[-1] == "cli"


def test_ack_with_a_comment_via_cli(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    main(["send", "Disk full", "--key", "disk"])
    alert_id = capsys.readouterr().out.strip()
    assert main(["ack", alert_id, "--comment", "cleaning /var"]) == 0
    assert app.desk.active()[0].ack_comment == "cleaning /var"


def test_silence_via_cli_needs_a_source_that_can(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["send", "Disk full", "--key", "disk"])
    alert_id = capsys.readouterr().out.strip()
    # The local receiver's alerts have no source to silence at: refused, and why.
    assert main(["silence", alert_id, "1h", "--comment", "x"]) == 1
    assert "cannot be silenced: the local receiver has no silence" in capsys.readouterr().err
    assert app.desk.active()[0].status is Status.FIRING


def test_unack_via_cli_makes_it_fire_again(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    main(["send", "Disk full", "--key", "disk"])
    alert_id = capsys.readouterr().out.strip()
    main(["ack", alert_id])
    capsys.readouterr()
    assert main(["unack", alert_id]) == 0
    assert capsys.readouterr().out == f"Un-acknowledged {alert_id}: Disk full fires again.\n"
    assert app.desk.active()[0].status is Status.FIRING
    assert main(["unack", "nope1234"]) == 1
    assert "no active alert with id 'nope1234'" in capsys.readouterr().err


def test_ack_all(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ack", "--all"]) == 0
    assert capsys.readouterr().out == "Nothing to acknowledge: no firing alerts.\n"
    main(["send", "one"])
    main(["send", "two"])
    capsys.readouterr()
    assert main(["ack", "--all"]) == 0
    assert capsys.readouterr().out == "Acknowledged 2 alerts.\n"
    assert {a.status for a in app.desk.active()} == {Status.ACKNOWLEDGED}


def test_ack_unknown_id_fails_with_the_receivers_message(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ack", "nope1234"]) == 1
    assert capsys.readouterr().err == (
        "shiftbell: the receiver answered 404: no active alert with id 'nope1234'\n"
    )


def test_ack_needs_an_id_or_all(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["ack"])
    assert exited.value.code == 2
    assert "one of the arguments ID --all is required" in capsys.readouterr().err


# -- commands --------------------------------------------------------------------------------


def test_test_alarm_and_snooze_reach_the_app(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test-alarm"]) == 0
    assert main(["snooze", "15"]) == 0
    assert app.calls == ["test-alarm", "snooze 15"]
    assert "Alarm snoozed for 15 minutes." in capsys.readouterr().out


def test_snooze_one_alert_for_a_duration(app: App, capsys: pytest.CaptureFixture[str]) -> None:
    main(["send", "Disk full", "--key", "disk"])
    alert_id = capsys.readouterr().out.strip()
    assert main(["snooze", alert_id, "1h30m"]) == 0
    assert app.calls == [f"snooze {alert_id} 5400"]
    assert capsys.readouterr().out.startswith(f"Snoozed {alert_id}: Disk full until ")
    assert main(["snooze", alert_id, "soon"]) == 1
    assert "'soon' is not a duration: use 15m, 1h, 1h30m or 90s" in capsys.readouterr().err
    assert main(["snooze", "nope1234", "15m"]) == 1
    assert "no active alert with id 'nope1234'" in capsys.readouterr().err
    assert main(["snooze", "abc"]) == 1  # one word: minutes, and this is none
    assert "give 1 to 1440 minutes" in capsys.readouterr().err


def test_durations_read_as_people_write_them() -> None:
    assert [duration_seconds(t) for t in ("90s", "15m", "15", "1h30m", "2d", "1.5h")] == [
        90,
        900,
        900,
        5400,
        172800,
        5400,
    ]


def test_token_prints_url_token_and_alertmanager_snippet(
    dirs: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["token"]) == 0
    out = capsys.readouterr().out
    token = dirs.token_file.read_text().strip()
    assert f"Token:        {token}" in out
    assert "Receiver URL: http://127.0.0.1:8974" in out
    assert 'url: "http://127.0.0.1:8974/api/v1/alertmanager"' in out
    assert f'credentials: "{token}"' in out


# -- not running, wrong token ----------------------------------------------------------------


def test_not_running_is_exit_1_with_a_hint(
    dead_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["status"]) == 1
    assert capsys.readouterr().err == (
        "shiftbell: Shiftbell is not running: start it with `shiftbell` "
        f"(no receiver at {dead_url}).\n"
    )


def test_port_comes_from_the_config_file(
    dirs: AppPaths, app: App, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SHIFTBELL_URL")
    dirs.config_dir.mkdir(parents=True, exist_ok=True)
    dirs.config_file.write_text(f"[receiver]\nport = {app.receiver.port}\n")
    assert main(["status"]) == 0
    assert capsys.readouterr().out == "All clear: no active alerts.\n"


def test_broken_config_warns_and_tries_the_default_port(
    dirs: AppPaths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    dirs.config_dir.mkdir(parents=True, exist_ok=True)
    dirs.config_file.write_text("[receiver\nport = 1\n")
    assert main(["token"]) == 0
    captured = capsys.readouterr()
    assert f"shiftbell: warning: cannot read {dirs.config_file}" in captured.err
    assert "Receiver URL: http://127.0.0.1:8974" in captured.out


def test_wrong_token_is_exit_1(
    dirs: AppPaths, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    load_or_create_token(dirs.data_dir)
    with _start(dirs, "a-token-from-another-data-dir") as other:
        monkeypatch.setenv("SHIFTBELL_URL", other.receiver.url)
        assert main(["send", "x"]) == 1
        assert other.desk.active() == []
    assert "the receiver at http://127.0.0.1:" in capsys.readouterr().err


# -- run -------------------------------------------------------------------------------------


def test_run_when_running_brings_the_window_forward(
    app: App, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([]) == 0
    assert main(["run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert (
        out
        == [f"Shiftbell is already running (pid {os.getpid()}); brought its window forward."] * 2
    )
    assert app.calls == ["show", "show"]


@pytest.mark.parametrize(
    ("argv", "show", "headless"),
    [
        ([], False, False),
        (["--show"], True, False),
        (["run", "--show", "--headless"], True, True),
        (["--show", "run"], True, False),
    ],
)
def test_run_starts_the_app_when_none_answers(
    dead_url: str,
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    show: bool,
    headless: bool,
) -> None:
    seen: list[argparse.Namespace] = []

    def run_app(args: argparse.Namespace) -> int:
        seen.append(args)
        return 3

    fake_app = types.ModuleType("shiftbell.app")
    fake_app.run_app = run_app  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "shiftbell.app", fake_app)
    assert main(argv) == 3
    [args] = seen
    assert (args.command, args.show, args.headless) == ("run", show, headless)


def test_cli_never_imports_qt(dirs: AppPaths, dead_url: str) -> None:
    script = (
        "import sys\n"
        "from shiftbell.cli import main\n"
        "codes = [main(['token']), main(['status']), main(['ack', '--all'])]\n"
        "assert codes == [0, 1, 1], codes\n"
        # One request on loopback needs no HTTP stack, no keyring and no Qt (issue 13).
        "heavy = ('PySide6', 'aiohttp', 'httpx', 'keyring', 'shiftbell.settings')\n"
        "loaded = [m for m, module in sys.modules.items() if module is not None]\n"
        "assert not [m for m in loaded if m.startswith(heavy)], sorted(loaded)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(SOURCE_ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
