"""`shiftbell report` and `shiftbell note`: the hand-over report from the alert database and the
saved schedule, and the person's notes for it. Both work without the app."""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import UTC, datetime, timedelta, tzinfo

from shiftbell.cli.common import read_config, usage_error, warn
from shiftbell.core.errors import ConfigError
from shiftbell.core.handover import ShiftSpan, shift_span
from shiftbell.core.handover_text import to_html, to_json, to_markdown
from shiftbell.operations.handover import ALERT_NOTE, SHIFT_NOTE, read_handover, saved_schedule
from shiftbell.store.alert_store import AlertStore
from shiftbell.system.clock import local_zone
from shiftbell.system.paths import AppPaths

_AGO = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\s*$", re.IGNORECASE)


def when_arg(text: str, now: datetime, tz: tzinfo) -> datetime:
    """A time ("2026-03-02T18:00", "18:00" today) or a duration ago ("8h", "1d", "90m")."""
    match = _AGO.match(text)
    if match and any(match.groups()):
        days, hours, minutes = (int(g or 0) for g in match.groups())
        return now - timedelta(days=days, hours=hours, minutes=minutes)
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", text.strip()):
            hour, minute = (int(part) for part in text.strip().split(":"))
            return now.astimezone(tz).replace(hour=hour, minute=minute, second=0, microsecond=0)
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f"{text!r} is neither a time (2026-03-02T18:00, 18:00) nor a duration (8h, 90m, 1d)"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def report(args: argparse.Namespace, paths: AppPaths) -> int:
    now = datetime.now(UTC)
    tz = local_zone()
    settings, _ = read_config(paths)
    if args.since or args.until:
        try:
            since = when_arg(args.since, now, tz) if args.since else now - timedelta(hours=12)
            until = when_arg(args.until, now, tz) if args.until else now
        except ValueError as exc:
            return usage_error(f"report: {exc}")
        if until <= since:
            return usage_error("report: --until must be after --since")
        span = ShiftSpan(since, until, "", scheduled=False, ongoing=not args.until)
    else:
        span = shift_span(saved_schedule(settings, paths.data_dir), now, args.shift)
        if not span.scheduled:
            warn("no shift in the saved schedule: reporting the last 12 hours")
    if not paths.db_file.exists():
        raise ConfigError(f"there is no alert database at {paths.db_file} yet: nothing to report")
    with AlertStore.open(paths.db_file) as store:
        handover = read_handover(store, span, now, tz)
    if args.format == "json":
        print(json.dumps(to_json(handover), indent=2))
    elif args.format == "html":
        sys.stdout.write(to_html(handover, tz))
    else:
        sys.stdout.write(to_markdown(handover, tz))
    return 0


def note(args: argparse.Namespace, paths: AppPaths) -> int:
    now = datetime.now(UTC)
    words: list[str] = args.words
    if not args.shift and len(words) < 2:
        return usage_error("note: give an alert's ID and the note, or --shift and the note")
    text = " ".join(words if args.shift else words[1:])
    with AlertStore.open(paths.db_file) as store:
        if args.shift:
            settings, _ = read_config(paths)
            span = shift_span(saved_schedule(settings, paths.data_dir), now, "current")
            store.set_note(SHIFT_NOTE, span.note_ref(local_zone()), text, now)
            print("Noted for the shift." if text.strip() else "The shift's note is removed.")
            return 0
        alert_id = words[0]
        if store.get(alert_id) is None:
            raise ConfigError(f"there is no alert {alert_id}: `shiftbell status` lists them")
        store.set_note(ALERT_NOTE, alert_id, text, now)
    print(f"Noted for {alert_id}." if text.strip() else "The note is removed.")
    return 0
