"""One line of outcome under a list or a form: busy, worked, or did not, in colours readable
on light and dark themes. Plain text always: results quote what servers said."""

from __future__ import annotations

import concurrent.futures
import logging
import traceback
from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from shiftbell.core.errors import ShiftbellError

log = logging.getLogger(__name__)

# Each state brings its own background and text colour, readable on light and dark themes.
RESULT_STYLES = {
    "busy": "color: palette(text); padding: 6px 8px;",
    "ok": "color: #0f5132; background: #d1e7dd; border: 1px solid #a3cfbb; border-radius: 4px;"
    " padding: 6px 8px;",
    "error": "color: #842029; background: #f8d7da; border: 1px solid #f1aeb5;"
    " border-radius: 4px; padding: 6px 8px;",
}


class ResultState(StrEnum):
    NONE = "none"
    BUSY = "busy"
    OK = "ok"
    ERROR = "error"


class ResultLabel(QLabel):
    """One line of outcome: grey while busy, green when it worked, red when it did not.

    Attributes:
        state: the ResultState shown.
    """

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.state = ResultState.NONE
        self.hide()

    def show_state(self, state: ResultState, text: str) -> None:
        self.state = state
        self.setText(" ".join(text.split()) if state is not ResultState.NONE else "")
        self.setStyleSheet(RESULT_STYLES.get(state.value, ""))
        self.setVisible(state is not ResultState.NONE)

    def clear_state(self) -> None:
        self.show_state(ResultState.NONE, "")


def error_text(exc: BaseException) -> str:
    """The message to show for a failed test or check; FeedErrors already say what to do."""
    if isinstance(exc, ShiftbellError):
        return str(exc)
    if isinstance(exc, TimeoutError | concurrent.futures.TimeoutError):
        return "it took too long"
    # An adapter bug. Its message may quote a header value, which may be the token, so
    # the log gets the type and where it happened, never the message.
    where = "".join(traceback.format_tb(exc.__traceback__))
    log.error("unexpected %s from a feed test or check:\n%s", type(exc).__name__, where)
    return f"unexpected error ({type(exc).__name__}); the log has the details"
