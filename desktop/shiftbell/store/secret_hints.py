"""Which secrets the OS keyring was last seen without: names only, never a secret.

Asking the keyring anything first loads it (its plug-ins, and on Linux a D-Bus service
that may still be starting at login): a third of a second at start-up on a quiet
machine, longer while the desktop comes up. A feed without a token (most Alertmanagers
on a private network) need not wait for that before its first poll, if the last answer
was "no token". This file remembers those answers.

It is a hint, never the truth: a token set beside Shiftbell (the `keyring` command) is
not in it. So the app starts such a feed at once and still asks the keyring afterwards,
restarting the feed if a token turned up (runtime/feed_config_sync.py). A file that is
missing, damaged or unwritable only means asking the keyring first, as before.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from shiftbell.system.atomic_file import write_atomically

log = logging.getLogger(__name__)

HINTS_FILE_NAME = "secret-hints.json"
_VERSION = 1


class SecretHints:
    """The keyring user names ("feed:NAME") last found without a secret."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / HINTS_FILE_NAME

    def known_absent(self, user: str) -> bool:
        return user in self._absent()

    def note(self, user: str, present: bool) -> None:
        """Remember what the keyring said of `user` (written only when it changes)."""
        absent = self._absent()
        if (user not in absent) == present:
            return
        if present:
            absent.discard(user)
        else:
            absent.add(user)
        data = json.dumps({"version": _VERSION, "absent": sorted(absent)}, indent=2) + "\n"
        try:
            write_atomically(self.path, data.encode("utf-8"))
        except OSError as exc:
            # Only the next start is slower: it asks the keyring before polling again.
            log.debug("cannot write %s: %s", self.path, exc)

    def _absent(self) -> set[str]:
        try:
            document = json.loads(self.path.read_bytes().decode("utf-8"))
        except (OSError, ValueError):  # missing, unreadable, damaged: no hints
            return set()
        if not isinstance(document, dict) or document.get("version") != _VERSION:
            return set()
        names = document.get("absent")
        return {n for n in names if isinstance(n, str)} if isinstance(names, list) else set()
