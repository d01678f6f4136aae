"""Takes the README's screenshots of the Settings window's tabs: the real window, offscreen,
over a config with a feed, a calendar and quiet hours.

.venv/bin/python tools/screenshot_settings.py docs
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402
from tests.helpers.memory_keyring import MemoryKeyring  # noqa: E402

from shiftbell.phones.channel import PhoneConfig  # noqa: E402
from shiftbell.settings.feed_editor import add_feed  # noqa: E402
from shiftbell.settings.model import FeedSettings  # noqa: E402
from shiftbell.settings.phone_editor import PHONES  # noqa: E402
from shiftbell.settings.schedule_editor import add_schedule  # noqa: E402
from shiftbell.settings.value_editor import set_values  # noqa: E402
from shiftbell.sources.feed import FeedConfig  # noqa: E402
from shiftbell.sources.schedule import ScheduleSourceConfig  # noqa: E402
from shiftbell.store.credentials import SecretStore  # noqa: E402
from shiftbell.ui.runner import AsyncRunner  # noqa: E402
from shiftbell.ui.settings_window import SettingsWindow  # noqa: E402


def main(out: Path) -> int:
    app = QApplication([])
    runner = AsyncRunner(name="screenshot")
    runner.start()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        config = home / "config.toml"
        calendar = home / "team-rota.ics"
        shutil.copy(REPO / "tests" / "data" / "ics" / "team-rotation.ics", calendar)
        add_feed(config, FeedSettings(FeedConfig("prod-am", "alertmanager", "http://am:9093")))
        add_feed(
            config,
            FeedSettings(
                FeedConfig("work-pd", "pagerduty", "https://api.pagerduty.com", interval_s=30)
            ),
        )
        add_feed(
            config,
            FeedSettings(FeedConfig("noc-zabbix", "zabbix", "https://zabbix.example.com/zabbix")),
        )
        add_feed(
            config,
            FeedSettings(
                FeedConfig("dc-nagios", "nagios", "https://nagios.example.com/cgi-bin/nagios4")
            ),
        )
        add_schedule(
            config, ScheduleSourceConfig("team-rota", "ics", str(calendar), {"who": "Dana"})
        )
        set_values(config, {("schedule", "quiet_hours"): "23:00-07:00"})
        PHONES.add(
            config,
            PhoneConfig("my-phone", "ntfy", "https://ntfy.sh", {"topic": "oncall-dana-7f3k"}),
        )
        secrets = SecretStore(home / "data", backend=MemoryKeyring())
        for name in ("work-pd", "noc-zabbix", "dc-nagios"):
            secrets.set(name, "not-a-real-key")
        window = SettingsWindow(config, secrets, runner.submit, data_dir=home / "data")
        window.resize(900, 560)
        window.show()
        for index, name in enumerate(("feeds", "schedules", "alarm", "phones")):
            window.tabs.setCurrentIndex(index)
            app.processEvents()
            window.grab().save(str(out / f"settings-{name}.png"))
        window.close()
    runner.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1])))
