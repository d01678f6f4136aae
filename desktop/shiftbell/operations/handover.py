"""Making a hand-over report from what is kept on disk: the alert database (alerts, how they
were acknowledged, the person's notes) and the saved schedule copies (when the shift was).
Shared by `shiftbell report` (which works without the app) and the window's Shift tab."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Protocol

from shiftbell.core.alert import Alert
from shiftbell.core.handover import Handover, ShiftSpan, make_handover
from shiftbell.core.schedule import OnCallSchedule
from shiftbell.runtime.schedule_cache import ScheduleCache, ScheduleCopy, on_call_schedule
from shiftbell.runtime.schedule_keeper import noun_of, schedule_cache_dir
from shiftbell.settings.model import Settings

ALERT_NOTE = "alert"
SHIFT_NOTE = "shift"


class HandoverStore(Protocol):
    def touched_since(self, since: datetime) -> list[Alert]: ...
    def acknowledged_vias(self, alert_ids: Sequence[str]) -> dict[str, str]: ...
    def notes(self, kind: str, refs: Sequence[str]) -> dict[str, str]: ...


def read_handover(store: HandoverStore, span: ShiftSpan, now: datetime, tz: tzinfo) -> Handover:
    alerts = store.touched_since(span.since)
    ref = span.note_ref(tz)
    ids = [alert.id for alert in alerts]
    return make_handover(
        alerts,
        span.since,
        span.until,
        now,
        vias=store.acknowledged_vias(ids),
        notes=store.notes(ALERT_NOTE, ids),
        shift_note=store.notes(SHIFT_NOTE, [ref]).get(ref, ""),
        shift_label=span.label,
        ongoing=span.ongoing,
    )


def saved_schedule(settings: Settings, data_dir: Path) -> OnCallSchedule | None:
    """The schedule as last fetched by the app (None when none is configured)."""
    if not settings.schedules:
        return None
    cache = ScheduleCache(schedule_cache_dir(data_dir))
    copies = [
        cache.load(config.name) or ScheduleCopy(config.name, noun_of(config.kind))
        for config in settings.schedules
    ]
    return on_call_schedule(copies)
