"""What went to the phone, kept across restarts: a restart must neither page the phone again
for an alarm it already rang for, nor forget a Pushover receipt it still has to watch.

A small JSON file in the data dir, written atomically. A file that cannot be read starts
empty (said in the log): the worst that costs is one page more.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from shiftbell.system.atomic_file import write_atomically

log = logging.getLogger(__name__)

FILE_NAME = "phone-pages.json"
_VERSION = 1


@dataclass(frozen=True)
class SentPage:
    """One page one phone channel took.

    Attributes:
        alert_id, alarm_since: the alarm stretch it was for.
        phone: the channel's name in [[phones]].
        handle: what the channel answers about (a receipt, a reply key).
        sent_at: wall time, what the phone service's own times are compared with.
    """

    alert_id: str
    alarm_since: datetime
    phone: str
    handle: str
    sent_at: datetime


@dataclass
class PhonePages:
    """`sent`: alert id -> the alarm stretch already paged; `open`: pages still to watch."""

    sent: dict[str, datetime]
    open: list[SentPage]


class PhonePageStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE_NAME

    def load(self) -> PhonePages:
        try:
            document = json.loads(self.path.read_bytes())
            sent = {k: datetime.fromisoformat(v) for k, v in document["sent"].items()}
            pages = [
                SentPage(
                    p["alert_id"],
                    datetime.fromisoformat(p["alarm_since"]),
                    p["phone"],
                    p["handle"],
                    datetime.fromisoformat(p["sent_at"]),
                )
                for p in document["open"]
            ]
        except FileNotFoundError:
            return PhonePages({}, [])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            log.warning("cannot read %s (%s): starting with no pages", self.path, exc)
            return PhonePages({}, [])
        return PhonePages(sent, pages)

    def save(self, pages: PhonePages) -> None:
        """Raises OSError (a full disk): the caller says so and keeps going in memory."""
        document = {
            "version": _VERSION,
            "sent": {k: v.isoformat() for k, v in pages.sent.items()},
            "open": [
                {
                    **asdict(p),
                    "alarm_since": p.alarm_since.isoformat(),
                    "sent_at": p.sent_at.isoformat(),
                }
                for p in pages.open
            ],
        }
        write_atomically(self.path, json.dumps(document, indent=1).encode())


def _iso(when: datetime) -> str:
    return when.isoformat()
