"""A part's current problem, logged when it appears, changes or clears.

Not on every retry of the same failure: a disk that stays full all night would otherwise
write a line per save, and the one line that says when it started would scroll away.
"""

from __future__ import annotations

import logging


class ProblemLog:
    """`text` is the current problem ("" when the part works); `set` says whether it changed."""

    def __init__(
        self, logger: logging.Logger, failing: str, working: str, level: int = logging.ERROR
    ) -> None:
        self._log = logger
        self._failing = failing  # "cannot save state": the message follows after a colon
        self._working = working  # "saving state works again"
        self._level = level
        self.text = ""

    def set(self, text: str) -> bool:
        if text == self.text:
            return False
        self.text = text
        if text:
            self._log.log(self._level, "%s: %s", self._failing, text)
        else:
            self._log.info("%s", self._working)
        return True
