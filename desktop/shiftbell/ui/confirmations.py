"""Questions before an action that is hard to take back.

Quitting stops every watch: while alerts fire or feeds are watched it asks first, and the
app's last notification says that nothing is watching any more (app.py sends it at exit).
"Acknowledge all" asks once when it would acknowledge more than one alert at a source the
team shares (an Alertmanager silence hides them from everyone)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QWidget

from shiftbell.ui.questions import confirm

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
    return not question or confirm(parent, "Quit Shiftbell", question)


def acknowledge_all_question(firing: int, shared: Sequence[str]) -> str:
    """What to ask before acknowledging `firing` alerts, `shared` the sources (one entry an
    alert) where that acknowledges them for the whole team; "" when there is no need."""
    if len(shared) <= 1:
        return ""
    sources = len(set(shared))
    where = f"at {sources} source{'s' if sources != 1 else ''}"
    return (
        f"Acknowledge {firing} alert{'s' if firing != 1 else ''}, {len(shared)} of them {where}?"
        "\n\nAt the source they are acknowledged for your whole team. You can undo this for "
        "10 seconds."
    )


def sure_to_acknowledge_all(parent: QWidget | None, firing: int, shared: Sequence[str]) -> bool:
    question = acknowledge_all_question(firing, shared)
    return not question or confirm(parent, "Acknowledge all", question)
