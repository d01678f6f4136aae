"""The pre-shift check: is everything that wakes the person working right now?

Run before each shift (`[schedule] check_before_s`), after the machine wakes up, and by
`shiftbell check`. What it looks at:

- every feed, and the local receiver: the last word of each (a wrong token, a dead server,
  a feed gone quiet are already known to the app; the check turns them into a to-do);
- the notification service: asked directly where that is possible (D-Bus), else what the
  notifier last saw;
- the sound output: present and not muted (ui/sound_watch.py keeps watching it);
- saving: the database and the data folder;
- every phone: its service accepts Shiftbell now (phones/*.check; quiet on the phone).

Each failure becomes a warning alert of Shiftbell's own saying what to fix (core/readiness.py),
which the next passing check resolves; runs on the worker loop.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from shiftbell.core.feed_status import RECEIVER_FEED_NAME
from shiftbell.core.readiness import SOURCE, CheckItem, as_alerts, summary
from shiftbell.receiver.address import LOCAL_FEED_ID
from shiftbell.runtime.desk import AlertDesk
from shiftbell.runtime.phone_escalator import PhoneEscalator

log = logging.getLogger(__name__)

# The app's problem topics a check looks at: (topic, the check's key, what, fix).
_TOPICS = (
    (
        "audio",
        "sound",
        "Sound",
        "Unmute or plug in the speakers, or pick another output in Settings > Alarm; then "
        "try it with `shiftbell test-alarm`.",
    ),
    (
        "store",
        "saving",
        "Saving alerts",
        "Free some disk space or fix the data folder's permissions.",
    ),
    ("config", "config", "The config file", "Fix config.toml as the message says."),
)
_FIX_NOTIFY = 'Start a notification daemon, or set [notifications] backend = "tray".'


class Readiness:
    def __init__(
        self,
        desk: AlertDesk,
        report: Callable[[], Mapping[str, Any]],
        phones: PhoneEscalator,
        probe_notifications: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        """`report` is the app's health report (feeds and problems by topic);
        `probe_notifications` asks the notification service, returning "" or the problem."""
        self._desk = desk
        self._report = report
        self._phones = phones
        self._probe = probe_notifications

    async def run(self, when: str) -> list[CheckItem]:
        """Check everything; raise or resolve the warnings; return what was found."""
        report = self._report()
        topics: Mapping[str, str] = report.get("topics", {})
        items = [_feed_item(feed) for feed in report.get("feeds", [])]
        items.append(await self._notifications(topics.get("notifications", "")))
        for topic, key, what, fix in _TOPICS:
            text = topics.get(topic, "")
            items.append(CheckItem(key, what, not text, text or "works", fix))
        items += await self._phones.readiness()
        raised = [a.key.source_id for a in self._desk.active() if a.key.feed_id == LOCAL_FEED_ID]
        self._desk.ingest(LOCAL_FEED_ID, as_alerts(items, when, raised), source=SOURCE)
        said = summary(items)
        if all(item.ok for item in items):
            log.info("check %s: %s", when, said)
        else:
            log.warning("check %s: %s", when, said)
        return items

    async def _notifications(self, known: str) -> CheckItem:
        problem = known
        if self._probe is not None:
            try:
                problem = await self._probe()
            except Exception as exc:  # a probe that breaks is itself the finding
                problem = str(exc) or type(exc).__name__
        seen = problem.removeprefix("Notifications: ") or "answering"
        return CheckItem("notifications", "Notifications", not problem, seen, _FIX_NOTIFY)


def _feed_item(feed: Mapping[str, Any]) -> CheckItem:
    name = str(feed.get("name", "?"))
    ok = bool(feed.get("ok"))
    message = str(feed.get("message", ""))
    if name == RECEIVER_FEED_NAME:
        fix = "Another program may hold its port: see [receiver] port and the log."
        return CheckItem("receiver", "The local receiver", ok, message, fix)
    fix = f"Fix it in Settings > Feeds > {name}; `shiftbell feed test {name}` says more."
    return CheckItem(f"feed:{name}", f"Feed {name}", ok, message, fix)
