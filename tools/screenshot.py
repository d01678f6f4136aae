"""Takes the README's screenshots of the real window: the real app on a virtual desktop.

.venv/bin/python tools/screenshot.py docs/window.png

writes docs/window.png (the list and the details of the selected alert) and, beside it,
shift.png (the Shift tab: the hand-over report of the same alerts, with notes) and
window-grouped.png: a night of alerts grouped by host with a team column, as the person
left the list last time (alert_list.json in the data dir, read at start).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.desktop import PulseSink, VirtualDesktop, wait_until  # noqa: E402
from tests.e2e.shiftbell_app import RunningApp, ShiftbellHome  # noqa: E402

SAMPLES = [
    ("Database primary down", "critical", "db1.prod: connection refused on 5432", "db1"),
    ("Checkout p99 latency above 2 s", "warning", "checkout-api, eu-west-1", "lat"),
    ("Certificate expires in 9 days", "info", "shop.example.com", "cert"),
    ("Disk /var above 90% on web3", "warning", "web3.prod", "disk"),
]


NIGHT = [
    ("Database primary down", "critical", "db1", "dba"),
    ("Replication lag above 30 s", "critical", "db2", "dba"),
    ("Disk /var above 90%", "warning", "db1", "dba"),
    ("HTTP 5xx above 2 %", "critical", "web3", "shop"),
    ("Checkout p99 latency above 2 s", "warning", "web3", "shop"),
    ("NTP offset above 300 ms", "info", "web4", "infra"),
]


def main(out: Path) -> int:
    with (
        tempfile.TemporaryDirectory() as tmp,
        PulseSink() as audio,  # a user has speakers: no "no audio device" banner
        VirtualDesktop(audio=audio, screen="1024x768x24") as desktop,
    ):
        # Quiet escalation: the screenshot needs the window, not the noise.
        app = RunningApp(desktop, ShiftbellHome(Path(tmp) / "plain", ""))
        app.start()
        ids = {}
        for title, severity, summary, key in SAMPLES:
            link = ["--url", f"https://wiki.example.com/runbooks/{key}"] if key == "db1" else []
            result = app.cli(
                "send", title, "--severity", severity, "--summary", summary, "--key", key, *link
            )
            ids[key] = result.stdout.strip()
        app.cli("ack", ids["disk"])
        app.cli("send", "Backup job failed", "--severity", "warning", "--key", "bk")
        app.cli("send", "Backup job failed", "--key", "bk", "--resolve")
        snap(desktop, app, out)
        app.cli("ack", ids["lat"], "--comment", "deploy rolled back")
        app.cli("note", ids["db1"], "failed over to db2; replica rebuilding")
        app.cli("note", "--shift", "Quiet apart from db1. Check the replica at 09:00.")
        snap(desktop, app, out.with_name("shift.png"), tab="Shift")
        app.stop()

        home = ShiftbellHome(Path(tmp) / "grouped", "")
        kept = home.root / "data" / "shiftbell" / "alert_list.json"
        kept.parent.mkdir(parents=True, exist_ok=True)
        arranged = {"version": 1, "grouping": "host", "label_columns": ["team"]}
        kept.write_text(json.dumps(arranged))
        app = RunningApp(desktop, home)
        app.start()
        for title, severity, host, team in NIGHT:
            labels = ["--label", f"host={host}", "--label", f"team={team}"]
            app.cli("send", title, "--severity", severity, *labels)
        snap(desktop, app, out.with_name("window-grouped.png"))
        app.stop()
    return 0


def snap(desktop: VirtualDesktop, app: RunningApp, out: Path, tab: str = "") -> None:
    # A second `shiftbell` brings the running one's window forward, as for a user.
    app.cli("run")
    window = wait_until(
        lambda: (
            desktop.run(
                ["xdotool", "search", "--onlyvisible", "--name", "^Shiftbell$"], check=False
            ).stdout.split()
            or None
        ),
        10,
        message="the Shiftbell window",
    )[0]
    # The notification bubbles would cover the window's corner in the picture; paused,
    # dunst holds back the reminders the alarm posts meanwhile.
    desktop.run(["dunstctl", "set-paused", "true"])
    desktop.run(["dunstctl", "close-all"])
    wait_until(lambda: not desktop.displayed_notifications(), 5, message="bubbles closed")
    if tab:
        # Ctrl+Tab moves along the window's tabs: Alerts, History, Schedule, Shift.
        presses = ("Alerts", "History", "Schedule", "Shift").index(tab)
        for _ in range(presses):
            desktop.run(["xdotool", "key", "--window", window, "ctrl+Tab"])
        time.sleep(1)  # a tool, not a test: the tab draws its report
    out.parent.mkdir(parents=True, exist_ok=True)
    desktop.run(["import", "-frame", "-window", window, str(out)])
    desktop.run(["dunstctl", "set-paused", "false"])
    print(f"wrote {out}")


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/window.png")))
