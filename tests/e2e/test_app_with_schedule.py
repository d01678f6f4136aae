"""a calendar added with the CLI shows the right current and next shifts
in `shiftbell schedule show --json`, and the alarm obeys the schedule.

The real app process (headless, with measurable audio) and the real CLI; the calendar is a
file written relative to the real current time, so the app's own clock is the one tested.
Off call a warning only notifies (silence) while a critical one alarms anyway; an override
"on call" makes the warning's chime sound.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.desktop import PulseSink, wait_until
from tests.e2e.shiftbell_app import HeadlessHost, RunningApp, ShiftbellHome
from tests.e2e.test_app_end_to_end import FAST_RAMP, LOUD, SILENT

pytestmark = pytest.mark.e2e

# A loud chime every 2 s: off call it would be heard at once and again within any 3 s window.
CHIME_EVERY_S = 2
LOUD_CHIME = f"""\
[escalation.warning]
sound = "chime"
loop = false
volume_start = 1.0
volume_end = 1.0
repeat_every_s = {CHIME_EVERY_S}
"""
QUIET_WINDOW_S = 3.5  # longer than the chime's period, so a chime would fall inside it


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def rota(now: datetime) -> tuple[bytes, list[tuple[datetime, datetime]]]:
    """Off call now: a shift in 2 h for 8 h, and one next week; the file and its shifts."""
    shifts = [
        (now + timedelta(hours=2), now + timedelta(hours=10)),
        (now + timedelta(days=7), now + timedelta(days=7, hours=8)),
    ]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//shiftbell e2e//EN"]
    for index, (start, end) in enumerate(shifts):
        lines += [
            "BEGIN:VEVENT",
            f"UID:shift-{index}@shiftbell-e2e",
            f"DTSTAMP:{stamp(now)}",
            f"DTSTART:{stamp(start)}",
            f"DTEND:{stamp(end)}",
            f"SUMMARY:On call: team {index}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    whole_seconds = [(s.replace(microsecond=0), e.replace(microsecond=0)) for s, e in shifts]
    return ("\r\n".join(lines) + "\r\n").encode(), whole_seconds


@pytest.fixture
def app(pulse_sink: PulseSink, tmp_path: Path) -> Iterator[RunningApp]:
    host = HeadlessHost(pulse_sink.env, tmp_path)
    running = RunningApp(host, ShiftbellHome(tmp_path, FAST_RAMP + "\n" + LOUD_CHIME))
    try:
        yield running
    finally:
        host.stop()


def show(app: RunningApp) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(app.cli("schedule", "show", "--json").stdout)
    return report


def test_a_calendar_added_with_the_cli_sets_the_shifts_and_the_alarm_obeys_it(
    app: RunningApp, pulse_sink: PulseSink, tmp_path: Path
) -> None:
    calendar, shifts = rota(datetime.now(UTC))
    path = tmp_path / "rota.ics"
    path.write_bytes(calendar)
    app.start()
    recording = pulse_sink.start_recording()

    added = app.cli("schedule", "add", str(path), "--name", "team")
    assert "reloaded its settings" in added.stdout, added.stdout + added.stderr
    assert "It has 2 shifts in the next 14 days." in added.stdout, added.stdout

    def off_call_until_the_first_shift() -> dict[str, Any] | None:
        report = show(app)
        nexts = report["next_shifts"]
        ready = (
            report["on_call"] is False
            and report["current_shift"] is None
            and nexts
            and datetime.fromisoformat(nexts[0]["start"]) == shifts[0][0]
        )
        return report if ready else None

    report = wait_until(off_call_until_the_first_shift, 10, message="off call, next shift in 2 h")
    assert [
        (datetime.fromisoformat(s["start"]), datetime.fromisoformat(s["end"]))
        for s in report["next_shifts"]
    ] == shifts
    assert {s["source"] for s in report["next_shifts"]} == {"team"}
    assert report["overridden"] is False and report["schedule_known"] is True
    assert datetime.fromisoformat(report["until"]) == shifts[0][0]
    # `schedule show` reads the files; this is the running app saying it follows them too.
    wait_until(lambda: "schedule: off call until" in app.log(), 10, message="the app off call")

    # Off call: a warning only notifies.
    sent_at = time.monotonic()
    warning = app.cli("send", "Disk 85% full", "--severity", "warning").stdout.strip()
    quiet = recording.rms_between(sent_at, sent_at + QUIET_WINDOW_S)
    print(f"off call, warning: RMS {quiet:.4f} over {QUIET_WINDOW_S} s after the send")
    assert quiet < SILENT, quiet
    assert app.alert(warning)["status"] == "firing"
    assert app.alert(warning)["level"] == 0  # held back to a notification

    # A critical alert alarms even off call.
    sent_at = time.monotonic()
    critical = app.cli("send", "Payments down", "--severity", "critical").stdout.strip()
    sound_at = recording.wait_for_sound(LOUD, timeout=10, since=sent_at)
    print(f"off call, critical: sound {sound_at - sent_at:.3f} s after the send")
    assert app.alert(critical)["level"] >= 1

    acked_at = time.monotonic()
    app.cli("ack", "--all")
    quiet_at = recording.wait_for_silence(SILENT, timeout=5, since=acked_at)
    print(f"silent {quiet_at - acked_at:.3f} s after `shiftbell ack --all`")
    assert app.alert(warning)["status"] == app.alert(critical)["status"] == "acknowledged"

    # On call by override: the same kind of warning now chimes.
    overridden = app.cli("schedule", "override", "on", "--for", "1h")
    assert overridden.stdout.startswith("On call until "), overridden.stdout
    assert "reloaded its settings" in overridden.stdout, overridden.stdout
    report = show(app)
    assert report["on_call"] is True and report["overridden"] is True
    assert report["override"]["on_call"] is True

    sent_at = time.monotonic()
    app.cli("send", "Disk 90% full", "--severity", "warning")
    chime_at = recording.wait_for_sound(LOUD, timeout=5, since=sent_at)
    chime = recording.rms_between(sent_at, sent_at + QUIET_WINDOW_S)
    print(f"on call, warning: chime {chime_at - sent_at:.3f} s after the send, RMS {chime:.4f}")
    assert chime > 3 * SILENT, chime


def test_a_team_calendar_says_who_else_is_on_call_now_and_next(
    app: RunningApp, tmp_path: Path
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    rows = [
        ("Dana Ruiz", now - timedelta(hours=3), now + timedelta(hours=5)),
        ("Alex Kim", now + timedelta(hours=5), now + timedelta(hours=13)),
        ("Sam Okafor", now + timedelta(hours=13), now + timedelta(hours=21)),
    ]
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//shiftbell e2e//EN"]
    for index, (who, start, end) in enumerate(rows):
        lines += [
            "BEGIN:VEVENT",
            f"UID:team-{index}@shiftbell-e2e",
            f"DTSTAMP:{stamp(now)}",
            f"DTSTART:{stamp(start)}",
            f"DTEND:{stamp(end)}",
            "SUMMARY:Primary",
            f"ATTENDEE;CN={who}:mailto:{who.split()[0].lower()}@example.com",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    path = tmp_path / "team.ics"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    app.start()
    app.cli("schedule", "add", str(path), "--name", "sre", "--who", "Alex Kim")

    report = show(app)
    assert report["on_call"] is False  # Alex's shift starts in 5 h
    assert [(t["who"], t["schedule"]) for t in report["team"]["now"]] == [("Dana Ruiz", "sre")]
    assert [t["who"] for t in report["team"]["next"]] == ["Alex Kim"]
    assert datetime.fromisoformat(report["team"]["now"][0]["end"]) == rows[0][2]
    said = app.cli("schedule", "show").stdout
    assert "Now: Dana Ruiz until" in said and "Next: Alex Kim from" in said
