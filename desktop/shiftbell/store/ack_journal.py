"""Acknowledgements the database could not take, kept where a full disk cannot reach.

A person who clicks Acknowledge while the disk is full has stopped the alarm; if the app
were then killed, the alert would wake them again after a restart. So an
acknowledgement that cannot be saved is also written here, in the runtime dir (on
Linux a RAM file system of the login session, /run/user/UID), and applied at the next
start before the alarm can sound. It lasts until the session ends, which is enough:
a reboot ends the alarm's process too and the next start asks the sources anew.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

from shiftbell.runtime.schedule_keeper import aware_time
from shiftbell.system.atomic_file import write_atomically

log = logging.getLogger(__name__)

JOURNAL_NAME = "unsaved-acknowledgements.json"


class AckJournal:
    def __init__(self, directory: Path) -> None:
        self.path = directory / JOURNAL_NAME

    def load(self) -> dict[str, datetime]:
        """Alert id -> when it was acknowledged; {} when there is nothing (or it is unreadable)."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return {str(alert_id): aware_time(at) for alert_id, at in dict(data).items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError) as exc:
            log.warning("ignoring the unreadable %s: %s", self.path, exc)
            return {}

    def add(self, acknowledged: dict[str, datetime]) -> None:
        kept = self.load()
        kept.update(acknowledged)
        try:
            write_atomically(
                self.path,
                json.dumps({alert_id: at.isoformat() for alert_id, at in kept.items()}).encode(),
            )
        except OSError as exc:
            log.error("cannot keep the unsaved acknowledgements in %s either: %s", self.path, exc)

    def clear(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            log.warning("cannot remove %s: %s", self.path, exc)
