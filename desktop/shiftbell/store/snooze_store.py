"""The running snooze in `<data>/snooze.json`, so a restart does not end it.

Written atomically; an unreadable or expired file counts as no snooze, which errs on
the side of the alarm.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from shiftbell.core.alert import Severity
from shiftbell.core.snooze import Snooze, SnoozedAlert
from shiftbell.runtime.schedule_keeper import aware_time
from shiftbell.system.atomic_file import write_atomically

log = logging.getLogger(__name__)

SNOOZE_FILE_NAME = "snooze.json"
_VERSION = 1


class SnoozeStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / SNOOZE_FILE_NAME

    def load(self) -> Snooze | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("cannot read the snooze %s: %s", self.path, exc)
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or data.get("version") != _VERSION:
                raise ValueError(f"not a version {_VERSION} snooze")
            return Snooze(
                until=aware_time(data["until"]),
                covered=tuple(
                    SnoozedAlert(
                        str(item["id"]), aware_time(item["alarm_since"]), Severity(item["severity"])
                    )
                    for item in data["covered"]
                ),
            )
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring the unreadable snooze %s: %s", self.path, exc)
            return None

    def save(self, snooze: Snooze | None) -> None:
        """Keep `snooze`, or forget it (None). Raises OSError when the disk refuses."""
        if snooze is None:
            self.path.unlink(missing_ok=True)
            return
        data = {
            "version": _VERSION,
            "until": snooze.until.isoformat(),
            "covered": [
                {
                    "id": c.alert_id,
                    "alarm_since": c.alarm_since.isoformat(),
                    "severity": c.severity.value,
                }
                for c in snooze.covered
            ],
        }
        write_atomically(self.path, json.dumps(data).encode("utf-8"))
