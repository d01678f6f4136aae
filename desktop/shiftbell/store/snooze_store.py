"""The running snoozes in `<data>/snooze.json`, so a restart ends none of them: the snooze of
everything firing (the tray's), and each alert's own (`shiftbell snooze ID 1h`).

Written atomically; an unreadable or expired file counts as no snooze, which errs on
the side of the alarm. Version 1 files (the tray's snooze alone) are still read.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from shiftbell.core.alert import Severity
from shiftbell.core.snooze import Snooze, SnoozedAlert
from shiftbell.runtime.schedule_keeper import aware_time
from shiftbell.system.atomic_file import write_atomically

log = logging.getLogger(__name__)

SNOOZE_FILE_NAME = "snooze.json"
_VERSION = 2


class SnoozeStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / SNOOZE_FILE_NAME

    def load(self) -> Snooze | None:
        """The snooze of everything that fired when it was pressed, if one runs."""
        data = self._read()
        if data is None:
            return None
        try:
            if data.get("version") == 1:
                return _snooze(data)
            everything = data["everything"]
            return _snooze(everything) if everything is not None else None
        except (ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring the unreadable snooze %s: %s", self.path, exc)
            return None

    def load_alerts(self) -> dict[str, Snooze]:
        """Each snoozed alert's own snooze, by alert id."""
        data = self._read()
        if data is None or data.get("version") == 1:
            return {}
        found: dict[str, Snooze] = {}
        for item in data.get("alerts", []):
            try:
                snooze = _snooze(item)
                found[snooze.covered[0].alert_id] = snooze
            except (ValueError, KeyError, TypeError, IndexError) as exc:
                log.warning("ignoring an unreadable alert snooze in %s: %s", self.path, exc)
        return found

    def save(self, snooze: Snooze | None, alerts: Mapping[str, Snooze] | None = None) -> None:
        """Keep the snoozes; none at all removes the file. Raises OSError when the disk
        refuses."""
        if snooze is None and not alerts:
            self.path.unlink(missing_ok=True)
            return
        data = {
            "version": _VERSION,
            "everything": _json(snooze) if snooze is not None else None,
            "alerts": [_json(s) for s in (alerts or {}).values()],
        }
        write_atomically(self.path, json.dumps(data).encode("utf-8"))

    def _read(self) -> dict[str, Any] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("cannot read the snooze %s: %s", self.path, exc)
            return None
        try:
            data = json.loads(text)
        except ValueError as exc:
            log.warning("ignoring the unreadable snooze %s: %s", self.path, exc)
            return None
        if not isinstance(data, dict) or data.get("version") not in (1, _VERSION):
            log.warning("ignoring the snooze %s: not a version 1 or %d snooze", self.path, _VERSION)
            return None
        return data


def _snooze(data: Mapping[str, Any]) -> Snooze:
    return Snooze(
        until=aware_time(data["until"]),
        covered=tuple(
            SnoozedAlert(
                str(item["id"]), aware_time(item["alarm_since"]), Severity(item["severity"])
            )
            for item in data["covered"]
        ),
    )


def _json(snooze: Snooze) -> dict[str, Any]:
    return {
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
