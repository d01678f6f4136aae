"""Quitting stops every watch: while alerts fire or feeds are watched it asks first, and the
app's last notification says that nothing is watching any more (app.py sends it at exit)."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

STOPPED_TITLE = "Shiftbell has stopped"
STOPPED_BODY = "Nothing is watching your alerts now. Start Shiftbell again to be alerted."


def quit_question(firing: int, feeds: int) -> str:
    """What to ask before quitting; "" when nothing fires and no feed is watched."""
    if not firing and not feeds:
        return ""
    reasons = []
    if firing:
        reasons.append(f"{firing} alert{'s' if firing != 1 else ''} firing")
    if feeds:
        reasons.append(f"{feeds} feed{'s' if feeds != 1 else ''} watched")
    return (
        f"Quit Shiftbell with {' and '.join(reasons)}?\n\nAfter quitting nothing watches your "
        "alerts or sounds the alarm until Shiftbell is started again."
    )


def sure_to_quit(parent: QWidget | None, firing: int, feeds: int) -> bool:
    question = quit_question(firing, feeds)
    if not question:
        return True
    answer = QMessageBox.question(
        parent,
        "Quit Shiftbell",
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes
