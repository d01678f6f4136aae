"""Takes the README's screenshot of the real window: the real app on a virtual desktop.

.venv/bin/python tools/screenshot.py docs/window.png
"""

from __future__ import annotations

import sys
import tempfile
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


def main(out: Path) -> int:
    with (
        tempfile.TemporaryDirectory() as tmp,
        PulseSink() as audio,  # a user has speakers: no "no audio device" banner
        VirtualDesktop(audio=audio, screen="1024x768x24") as desktop,
    ):
        # Quiet escalation: the screenshot needs the window, not the noise.
        app = RunningApp(desktop, ShiftbellHome(Path(tmp), ""))
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
        # The notification bubbles would cover the window's corner in the picture.
        desktop.run(["dunstctl", "close-all"])
        wait_until(lambda: not desktop.displayed_notifications(), 5, message="bubbles closed")
        out.parent.mkdir(parents=True, exist_ok=True)
        desktop.run(["import", "-frame", "-window", window, str(out)])
        app.stop()
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/window.png")))
