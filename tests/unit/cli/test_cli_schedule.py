"""`shiftbell schedule add/list/show/override/remove` without the app: tmp XDG dirs, a memory
keyring, a calendar file and a real HTTP calendar server on 127.0.0.1, in a fixed zone."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.helpers.memory_keyring import MemoryKeyring, keyring_in_use
from tests.helpers.vendor_server import free_port
from tests.unit.sources.ics.fake_calendar import TOKEN, CalendarServer

from shiftbell.cli import main
from shiftbell.cli.schedule_args import parse_duration
from shiftbell.runtime.schedule_keeper import OverrideStore
from shiftbell.store.credentials import SecretStore
from shiftbell.system.paths import AppPaths

ZONE = "Asia/Kolkata"  # +05:30 all year: an offset no test machine has by accident


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(now: datetime) -> bytes:
    """On call now (started an hour ago, 5 h left), and again in two days for 12 h."""
    events = [
        (now - timedelta(hours=1), now + timedelta(hours=5), "On call: payments"),
        (now + timedelta(days=2), now + timedelta(days=2, hours=12), "On call: weekend"),
    ]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN"]
    for index, (start, end, summary) in enumerate(events):
        lines += [
            "BEGIN:VEVENT",
            f"UID:shift-{index}@test",
            f"DTSTAMP:{stamp(now)}",
            f"DTSTART:{stamp(start)}",
            f"DTEND:{stamp(end)}",
            f"SUMMARY:{summary}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("SHIFTBELL_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("TZ", ZONE)
    paths = AppPaths.default()
    assert str(paths.config_file).startswith(str(tmp_path))
    return paths


@pytest.fixture
def vault() -> Iterator[MemoryKeyring]:
    with keyring_in_use(MemoryKeyring()) as backend:
        yield backend


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["schedule", *argv])
    out, err = capsys.readouterr()
    assert TOKEN not in out and TOKEN not in err
    return code, out, err


def show(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    code, out, _ = run(capsys, "show", "--json")
    assert code == 0
    report: dict[str, object] = json.loads(out)
    return report


def test_a_calendar_file_round_trip(
    dirs: AppPaths, vault: MemoryKeyring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    path = tmp_path / "rota.ics"
    path.write_bytes(calendar(now))

    assert show(capsys)["on_call"] is True  # no schedule: on call always
    code, out, err = run(capsys, "add", str(path), "--name", "team")
    assert (code, err) == (0, "")
    assert out.splitlines()[:2] == [
        f"Added calendar team to {dirs.config_file}.",
        "It has 2 shifts in the next 14 days.",
    ]
    assert f'location = "{path.resolve()}"' in dirs.config_file.read_text(encoding="utf-8")

    code, out, _ = run(capsys, "list", "--json")
    assert json.loads(out) == [
        {
            "name": "team",
            "kind": "ics",
            "location": str(path.resolve()),
            "interval_s": 900.0,
            "options": {},
        }
    ]

    report = show(capsys)
    assert report["on_call"] is True and report["overridden"] is False
    current = report["current_shift"]
    assert isinstance(current, dict)
    assert current["start"].endswith("+05:30") and current["end"].endswith("+05:30")
    assert datetime.fromisoformat(current["end"]) == (now + timedelta(hours=5)).replace(
        microsecond=0
    )
    assert report["until"] == current["end"]
    nexts = report["next_shifts"]
    assert isinstance(nexts, list) and len(nexts) == 1
    assert nexts[0]["source"] == "team" and nexts[0]["label"] == "On call: weekend"
    assert nexts[0]["start"].endswith("+05:30")
    sources = report["sources"]
    assert isinstance(sources, list)
    assert sources[0]["name"] == "team" and sources[0]["freshness"] == "fresh"

    code, out, _ = run(capsys, "show")
    assert out.splitlines()[0].startswith("On call until ")

    code, out, _ = run(capsys, "override", "off", "--for", "4h")
    assert code == 0 and out.startswith("Off call until ")
    report = show(capsys)
    assert report["on_call"] is False and report["overridden"] is True
    until = datetime.fromisoformat(str(report["until"]))
    assert str(report["until"]).endswith("+05:30")
    assert timedelta(hours=3, minutes=59) < until - now <= timedelta(hours=4, minutes=1)
    override = OverrideStore(dirs.data_dir).load()
    assert override is not None and override.on_call is False
    code, out, _ = run(capsys, "show")
    assert out.startswith("Off call (your override)")

    code, out, _ = run(capsys, "override", "clear")
    assert code == 0 and OverrideStore(dirs.data_dir).load() is None
    assert show(capsys)["on_call"] is True

    code, out, _ = run(capsys, "remove", "team")
    assert code == 0 and out.startswith(f"Removed schedule team from {dirs.config_file}.")
    assert show(capsys)["sources"] == []
    assert run(capsys, "remove", "team")[0] == 1


def test_a_calendar_link_goes_to_the_keyring_not_the_file(
    dirs: AppPaths, vault: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    with CalendarServer(calendar(now)) as server:
        code, out, err = run(capsys, "add", server.link, "--name", "pd")
        assert (code, err) == (0, "")
        assert "It has 2 shifts in the next 14 days." in out
    text = dirs.config_file.read_text(encoding="utf-8")
    assert TOKEN not in text and 'location = "keyring"' in text
    assert SecretStore(dirs.data_dir).get("pd", scope="schedule") == server.link
    assert SecretStore(dirs.data_dir).get("pd") == ""  # not a feed's token
    code, out, _ = run(capsys, "list")
    assert "link in the keyring" in out
    # Offline now (the server is gone): show still answers from the saved copy.
    assert show(capsys)["on_call"] is True
    assert run(capsys, "remove", "pd")[0] == 0
    assert SecretStore(dirs.data_dir).get("pd", scope="schedule") == ""


def test_a_broken_calendar_is_not_added(
    dirs: AppPaths, vault: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    with CalendarServer(b"<html>not a calendar</html>") as server:
        code, _, err = run(capsys, "add", server.link, "--name", "bad")
    assert code == 1 and err.startswith("shiftbell: schedule bad was not added:")
    assert not dirs.config_file.exists()
    assert SecretStore(dirs.data_dir).get("bad", scope="schedule") == ""


def test_usage_errors(
    dirs: AppPaths, vault: MemoryKeyring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "add", str(tmp_path / "missing.ics"))
    assert code == 1 and "there is no calendar file at" in err
    code, _, err = run(capsys, "add", "--kind", "pagerduty", "--name", "pd")
    assert code == 2 and "set the option feed" in err
    code, _, err = run(capsys, "add", "--kind", "pagerduty", "--name", "pd", "--feed", "work")
    assert code == 1 and "there is no feed named work" in err
    code, _, err = run(capsys, "override", "off")
    assert code == 2 and "--for 4h" in err
    with pytest.raises(SystemExit):
        main(["schedule", "override", "off", "--for", "4 weeks"])
    assert parse_duration("30m") == timedelta(minutes=30)
    assert parse_duration("1d") == timedelta(days=1)
