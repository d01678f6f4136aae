"""How one feed is doing: what the feed runner reports and the window and tray show.

In core, not ui, because the feed runner produces it and may not import ui.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# The status line of the app's own local receiver (always there, not a feed the person set up).
RECEIVER_FEED_NAME = "Local receiver"


@dataclass(frozen=True)
class FeedStatus:
    """How one feed is doing, as the window's status lines and the tray tooltip show it.

    Attributes:
        name: the feed's display name ("Local receiver", "Alertmanager prod").
        ok: whether the feed currently works.
        message: what is going on, e.g. "listening on http://127.0.0.1:8765" or the error.
        since: when the feed entered its current ok/error state.
        last_contact: the last time the source answered; None if it never did.
    """

    name: str
    ok: bool
    message: str = ""
    since: datetime | None = None
    last_contact: datetime | None = None
