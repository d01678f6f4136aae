"""`shiftbell schedule add|list|show|remove|override`: on-call schedules in the config file,
the keyring and the saved copies; they work without the app."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from shiftbell.cli.common import (
    parse_options,
    read_config,
    tell_running_app,
    usage_error,
    warn,
)
from shiftbell.cli.listing import print_listing
from shiftbell.core.errors import ConfigError, FeedError
from shiftbell.core.schedule import OnCallState, Override, Shift, on_call_state
from shiftbell.core.team import team_on_call, team_text
from shiftbell.operations.schedules import ScheduleOperations, ScheduleProblems, coming_shifts
from shiftbell.runtime.schedule_cache import Problem, ScheduleCache, ScheduleCopy, on_call_schedule
from shiftbell.runtime.schedule_keeper import (
    OverrideStore,
    noun_of,
    schedule_cache_dir,
)
from shiftbell.settings import schedule_rules
from shiftbell.store.credentials import NO_KEYRING, SecretStore
from shiftbell.system.clock import local_zone
from shiftbell.system.paths import AppPaths

SHOW_AHEAD = timedelta(days=14)


def _schedule_cache(paths: AppPaths) -> ScheduleCache:
    return ScheduleCache(schedule_cache_dir(paths.data_dir))


def schedule_add(args: argparse.Namespace, paths: AppPaths) -> int:
    options = parse_options(args.option)
    if isinstance(options, str):
        return usage_error(f"schedule add: {options}")
    if args.who:
        options["who"] = args.who
    if args.feed:
        options["feed"] = args.feed
    settings, _ = read_config(paths)
    store = SecretStore(paths.data_dir, allow_file=args.allow_file_secrets)
    operations = ScheduleOperations(paths.config_file, paths.data_dir, store)
    try:
        draft = operations.draft(
            settings,
            args.kind,
            args.location or "",
            name=args.name or "",
            options=options,
            interval_s=args.interval,
        )
    except ScheduleProblems as exc:
        for problem in exc.problems:
            print(f"shiftbell: schedule add: {problem}", file=sys.stderr)
        return 2
    # The CLI never asks about the link: --allow-file-secrets says yes in advance.
    operations.ask_file = lambda path: _refuse_file_for_link(draft.name, path)
    feed, secret = operations.sign_in(settings, draft)
    try:
        fetched = asyncio.run(
            operations.fetch_once(
                draft, tz=local_zone(), now=datetime.now(UTC), feed=feed, secret=secret
            )
        )
    except FeedError as exc:
        raise ConfigError(f"schedule {draft.name} was not added: {exc}") from None
    operations.save(draft, fetched)
    coming = coming_shifts(fetched, SHOW_AHEAD)
    where = " (its link is in the OS keyring)" if draft.link else ""
    print(f"Added {fetched.noun} {draft.name} to {paths.config_file}{where}.")
    print(f"It has {len(coming)} shift{'s' if len(coming) != 1 else ''} in the next 14 days.")
    if not coming and options.get("who"):
        print(f"No event names {options['who']!r}: check --who against the calendar.")
    tell_running_app(paths, "is followed", thing=f"schedule {draft.name}")
    return 0


def _refuse_file_for_link(name: str, file_path: Path) -> bool:
    raise ConfigError(
        f"{NO_KEYRING}, so the link of schedule {name} could not be stored and the schedule "
        f"was not added. To keep it in {file_path} instead (readable only by you, not "
        "encrypted), run the command again with --allow-file-secrets"
    )


def schedule_list(args: argparse.Namespace, paths: AppPaths) -> int:
    settings, problems = read_config(paths)
    for problem in problems:
        if "schedule" in problem:
            warn(problem)
    rows = [
        {
            "name": config.name,
            "kind": config.kind,
            "location": config.location,
            "interval_s": config.interval_s,
            "options": dict(config.options),
        }
        for config in settings.schedules
    ]
    table = [("NAME", "KIND", "EVERY", "WHERE")]
    for config in settings.schedules:
        where = schedule_rules.where_text(config)
        table.append((config.name, config.kind, f"{config.interval_s:g} s", where))
    empty = "No schedules yet. Add one with: shiftbell schedule add ICS_URL_OR_PATH"
    return print_listing(args.json, rows, table, empty)


def schedule_remove(args: argparse.Namespace, paths: AppPaths) -> int:
    name = args.name
    operations = ScheduleOperations(paths.config_file, paths.data_dir, SecretStore(paths.data_dir))
    removed = operations.remove(name)
    if removed.problem:
        warn(f"schedule {name}: {removed.problem}")
    if not removed.entry and not removed.link:
        raise ConfigError(f"there is no schedule named {name} in {paths.config_file}")
    link = " and its stored link" if removed.link else ""
    print(f"Removed schedule {name} from {paths.config_file}{link}.")
    if removed.entry:
        tell_running_app(paths, "is no longer followed", thing=f"schedule {name}")
    return 0


def schedule_override(args: argparse.Namespace, paths: AppPaths) -> int:
    store = OverrideStore(paths.data_dir)
    if args.state == "clear":
        if args.duration is not None:
            return usage_error("schedule override clear: takes no --for")
        cleared = store.clear()
        print(
            "Cleared the override: the schedule decides." if cleared else "There was no override."
        )
        if cleared:
            tell_running_app(paths, "applies", thing="the schedule")
        return 0
    if args.duration is None:
        return usage_error(f"schedule override {args.state}: say how long, e.g. --for 4h")
    now = datetime.now(UTC)
    on_call = args.state == "on"
    until = now + args.duration
    store.save(Override(on_call=on_call, until=until, since=now))
    local = until.astimezone(local_zone())
    print(
        f"{'On' if on_call else 'Off'} call until {_local_time(local, now)}, whatever the schedule."
    )
    tell_running_app(paths, "applies", thing="the override")
    return 0


def schedule_show(args: argparse.Namespace, paths: AppPaths) -> int:
    settings, _ = read_config(paths)
    now = datetime.now(UTC)
    tz = local_zone()
    cache = _schedule_cache(paths)
    copies = [
        cache.load(config.name) or ScheduleCopy(config.name, noun_of(config.kind))
        for config in settings.schedules
    ]
    schedule = on_call_schedule(copies)
    override = OverrideStore(paths.data_dir).load()
    state = on_call_state(schedule, override, now)
    upcoming = [s for s in schedule.shifts_between(now, now + SHOW_AHEAD) if s.start > now]

    def iso(moment: datetime | None) -> str | None:
        return moment.astimezone(tz).isoformat() if moment is not None else None

    def team_json(shift: Shift) -> dict[str, object]:
        end = None if shift.open_ended else iso(shift.end)
        return {"who": shift.label, "schedule": shift.source, "start": iso(shift.start), "end": end}

    team = team_on_call((s for copy in copies for s in copy.team), now)

    if args.json:
        current = state.current
        report = {
            "now": iso(now),
            "on_call": state.on_call,
            "until": iso(state.until),
            "overridden": state.overridden,
            "override": None
            if override is None or not override.active_at(now)
            else {"on_call": override.on_call, "until": iso(override.until)},
            "schedule_known": state.schedule_known,
            "current_shift": None
            if current is None
            else {"start": iso(current.start), "end": iso(current.end)},
            "next_shifts": [
                {"start": iso(s.start), "end": iso(s.end), "source": s.source, "label": s.label}
                for s in upcoming
            ],
            # Who else is on call, where a schedule knows the team: now, and next.
            "team": {
                "now": [team_json(s) for s in team.now],
                "next": [team_json(s) for s in team.next],
            },
            "sources": [
                {
                    "name": copy.name,
                    "noun": copy.noun,
                    "freshness": copy.freshness.value,
                    "problem": copy.problem.value,
                    "error": copy.error,
                    "fetched_at": iso(copy.fetched_at),
                    "known_until": iso(copy.known_until),
                    "failing_since": iso(copy.failing_since),
                }
                for copy in copies
            ],
        }
        print(json.dumps(report, indent=2))
        return 0
    print(describe_state(state, now, tz, has_schedules=bool(copies)))
    if team.known:
        print(team_text(team, lambda when: _local_time(when.astimezone(tz), now)))
    for copy in copies:
        if copy.fetched_at is None and copy.problem is Problem.NONE:
            print(f"{copy.noun} {copy.name}: not fetched yet (Shiftbell fetches it when it runs)")
        elif line := copy.describe(now, tz):
            print(line)
    return 0


def describe_state(state: OnCallState, now: datetime, tz: tzinfo, *, has_schedules: bool) -> str:
    """ "On call until Tue 09:00" / "Off call — next shift Fri 18:00 (in 2 days)"."""
    why = " (your override)" if state.overridden else ""
    if state.on_call:
        if state.until is None:
            if not has_schedules:
                return "On call (no schedule: add one with `shiftbell schedule add`)"
            return f"On call{why}"
        return f"On call until {_local_time(state.until.astimezone(tz), now)}{why}"
    head = f"Off call{why}"
    if state.next_shift is None:
        return f"{head} — no shift in the next 14 days"
    start = state.next_shift.start
    return f"{head} — next shift {_local_time(start.astimezone(tz), now)} ({_in(start - now)})"


def _local_time(local: datetime, now: datetime) -> str:
    if abs(local - now) < timedelta(days=6):
        return f"{local:%a %H:%M}"
    return f"{local:%a} {local.day} {local:%b %H:%M}"


def _in(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 60:
        return f"in {minutes} min"
    if minutes < 48 * 60:
        return f"in {minutes // 60} h"
    return f"in {minutes // (24 * 60)} days"
