"""An AlarmState as the player process reads it (ui/sound_worker.py's protocol), kept apart
from the player so the app can speak to it without loading Qt Multimedia itself."""

from __future__ import annotations

from datetime import datetime

from shiftbell.core.escalation import AlarmState, Sound


def state_from_json(data: dict[str, object]) -> AlarmState:
    loop = data.get("loop")
    due = data.get("chime_due")
    return AlarmState(
        loop_sound=Sound(loop) if isinstance(loop, str) else None,
        loop_volume=_number(data.get("loop_volume")),
        chime_due=datetime.fromisoformat(due) if isinstance(due, str) else None,
        chime_volume=_number(data.get("chime_volume")),
    )


def state_to_json(state: AlarmState) -> dict[str, object]:
    """What the player needs of an AlarmState (the rest is for the tray and the window)."""
    return {
        "loop": state.loop_sound.value if state.loop_sound is not None else None,
        "loop_volume": round(state.loop_volume, 3),
        "chime_due": state.chime_due.isoformat() if state.chime_due is not None else None,
        "chime_volume": round(state.chime_volume, 3),
    }


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) else 0.0
