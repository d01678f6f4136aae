"""The commands that run the app or talk to the running one through its local receiver:
`run`, `send`, `status`, `check`, `ack`, `silence`, `resolve`, `unack`, `test-alarm`, `snooze`,
`token`."""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shlex
import sys
import time
from datetime import UTC, datetime
from typing import Any

from shiftbell.cli.common import PROBE_TIMEOUT_S, client_for, receiver_url
from shiftbell.core.errors import ConfigError
from shiftbell.receiver.address import RECEIVER_HOST
from shiftbell.receiver.client import NotRunningError, ReceiverClientError
from shiftbell.receiver.token import load_or_create_token
from shiftbell.system.instance_lock import InstanceLock
from shiftbell.system.paths import AppPaths
from shiftbell.system.terminal import one_line

# How long a second `shiftbell` waits for the one holding the lock to answer.
STARTING_INSTANCE_WAIT_S = 30.0
# The check asks every phone service (15 s each at most) and the notification service.
CHECK_TIMEOUT_S = 60.0


def run(args: argparse.Namespace, paths: AppPaths) -> int:
    lock = InstanceLock(paths.data_dir)
    if not lock.acquire():
        # Another one holds the lock: it may still be starting, so give it time to answer.
        deadline = time.monotonic() + STARTING_INSTANCE_WAIT_S
        while time.monotonic() < deadline:
            if _bring_forward(paths):
                return 0
            time.sleep(0.2)
        print(
            f"shiftbell: another Shiftbell of yours holds {lock.path} but does not answer; "
            "not starting a second one",
            file=sys.stderr,
        )
        return 1
    if _bring_forward(paths):  # one without the lock (an older Shiftbell) answered
        return 0

    # Imported here so every other command stays free of Qt and starts fast.
    from shiftbell.app import run_app

    # The lock is held for as long as this process runs (the object stays referenced).
    args.instance_lock = lock
    return run_app(args)


def _bring_forward(paths: AppPaths) -> bool:
    try:
        with client_for(paths, timeout=PROBE_TIMEOUT_S) as client:
            health = client.health()
            if health.get("app") == "shiftbell":
                client.show_window()
                pid = health.get("pid", "?")
                print(f"Shiftbell is already running (pid {pid}); brought its window forward.")
                return True
    except (ReceiverClientError, ConfigError):
        pass  # nobody of ours answers, or no token to ask with: start the app, which says so
    return False


def send(args: argparse.Namespace, paths: AppPaths) -> int:
    if args.resolve and not args.key:
        print("shiftbell: send --resolve needs --key KEY (which alert to resolve)", file=sys.stderr)
        return 2
    with client_for(paths) as client:
        answer = client.send(
            args.title,
            severity=args.severity,
            summary=args.summary,
            url=args.url,
            key=args.key,
            labels=dict(args.label or ()),
            resolve=args.resolve,
        )
    for alert in answer.get("alerts", []):
        print(alert["id"])
    for key in answer.get("not_found", []):
        print(f"shiftbell: no active alert with key {key!r}; nothing to resolve", file=sys.stderr)
    return 0


def status(args: argparse.Namespace, paths: AppPaths) -> int:
    with client_for(paths) as client:
        alerts = client.alerts()
        health = {} if args.json else client.health()
    if args.json:
        print(json.dumps(alerts, indent=2))
        return 0
    if not alerts:
        print("All clear: no active alerts.")
    now = datetime.now(UTC)
    for alert in alerts:
        print(status_line(alert, now))
    snoozed = health.get("snoozed_until")
    if isinstance(snoozed, str):
        with contextlib.suppress(ValueError):
            snoozed = datetime.fromisoformat(snoozed).astimezone().strftime("%H:%M")
        print(f"Alarm snoozed until {snoozed}.")
    feeds = health.get("feeds")
    for feed in feeds if isinstance(feeds, list) else []:
        if isinstance(feed, dict) and feed.get("ok") is False:
            print(f"Feed {one_line(feed.get('name'))}: {one_line(feed.get('message'), 400)}")
    problems = health.get("problems")
    for problem in problems if isinstance(problems, list) else []:
        print(f"Problem: {one_line(problem, 600)}")
    return 0


def status_line(alert: dict[str, Any], now: datetime) -> str:
    """One alert as `shiftbell status` prints it: id, severity, status, age, title."""
    try:
        started = datetime.fromisoformat(str(alert.get("started_at")))
        age = format_age((now - started).total_seconds())
    except ValueError:
        age = "?"
    alert_id = one_line(alert.get("id", "?"), 16)
    severity = one_line(alert.get("severity", "?"), 10)
    status = one_line(alert.get("status", "?"), 14)
    return (
        f"{alert_id:<8}  {severity:<8}  {status:<12}  {age:>6}  {one_line(alert.get('title', ''))}"
    )


def format_age(seconds: float) -> str:
    """A short age a person reads at a glance: 45s, 12m, 3h05m, 2d04h."""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h{minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d{hours:02d}h"


def ack(args: argparse.Namespace, paths: AppPaths) -> int:
    with client_for(paths) as client:
        if args.all:
            acked = client.ack_all()
            if not acked:
                print("Nothing to acknowledge: no firing alerts.")
            else:
                noun = "alert" if len(acked) == 1 else "alerts"
                print(f"Acknowledged {len(acked)} {noun}.")
            return 0
        for alert in client.ack(args.alert_id, args.comment):
            print(f"Acknowledged {one_line(alert['id'])}: {one_line(alert['title'])}")
    return 0


def silence(args: argparse.Namespace, paths: AppPaths) -> int:
    seconds = duration_seconds(args.duration)
    with client_for(paths) as client:
        for alert in client.silence(args.alert_id, seconds, args.comment):
            title = one_line(alert["title"])
            print(f"Silenced {one_line(alert['id'])}: {title} for {args.duration} at its source.")
    return 0


def resolve(args: argparse.Namespace, paths: AppPaths) -> int:
    with client_for(paths) as client:
        for alert in client.resolve(args.alert_id, args.comment):
            title = one_line(alert["title"])
            if alert["status"] == "resolved":
                print(f"Resolved {one_line(alert['id'])}: {title}.")
            else:
                print(f"Resolving {one_line(alert['id'])}: {title} at its source.")
    return 0


def unack(args: argparse.Namespace, paths: AppPaths) -> int:
    with client_for(paths) as client:
        for alert in client.unack(args.alert_id):
            title = one_line(alert["title"])
            print(f"Un-acknowledged {one_line(alert['id'])}: {title} fires again.")
    return 0


def check(args: argparse.Namespace, paths: AppPaths) -> int:
    try:
        with client_for(paths, timeout=CHECK_TIMEOUT_S) as client:
            result = client.check()
    except NotRunningError:
        # The worst finding of all: nothing watches the feeds.
        print("✗ Shiftbell is not running: nothing will wake you. Start it: shiftbell run")
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for item in result["items"]:
            mark = "✓" if item["ok"] else "✗"
            line = f"{mark} {one_line(item['what'])}: {one_line(item['detail'])}"
            if not item["ok"] and item.get("fix"):
                line += f"\n    {one_line(item['fix'])}"
            print(line)
    return 0 if result["ok"] else 1


def test_alarm(args: argparse.Namespace, paths: AppPaths) -> int:
    with client_for(paths) as client:
        client.test_alarm()
    print("Test alarm sent: Shiftbell should sound now.")
    return 0


def snooze(args: argparse.Namespace, paths: AppPaths) -> int:
    if args.duration is None:
        minutes = _whole_minutes(args.what)
        with client_for(paths) as client:
            client.snooze(minutes)
        print(f"Alarm snoozed for {minutes} minutes.")
        return 0
    seconds = duration_seconds(args.duration)
    with client_for(paths) as client:
        answer = client.snooze_alert(args.what, seconds)
    [alert] = answer["alerts"]
    until = datetime.fromisoformat(answer["snoozed_until"]).astimezone().strftime("%H:%M")
    print(f"Snoozed {one_line(alert['id'])}: {one_line(alert['title'])} until {until}.")
    return 0


def _whole_minutes(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 1440:
        raise ConfigError(
            f"snooze {text}: give 1 to 1440 minutes, or an alert's id and how long "
            "(shiftbell snooze ID 1h)"
        )
    return int(text)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)([smhd]?)")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 60}


def duration_seconds(text: str) -> float:
    """ "90s", "15m", "1h30m", "2d", or a bare number of minutes, in seconds."""
    parts = _DURATION.findall(text.strip().lower())
    if not parts or "".join(n + u for n, u in parts) != text.strip().lower():
        raise ConfigError(f"{text!r} is not a duration: use 15m, 1h, 1h30m or 90s")
    return sum(float(number) * _UNIT_S[unit] for number, unit in parts)


def token(args: argparse.Namespace, paths: AppPaths) -> int:
    token = load_or_create_token(paths.token_file)
    url = receiver_url(paths)
    token_file = shlex.quote(str(paths.token_file))
    example = json.dumps({"title": "Backup failed", "severity": "critical"})
    lines = [
        f"Receiver URL: {url}",
        f"Token:        {token}",
        f"Token file:   {paths.token_file}",
        "",
        "Send an alert from a script:",
        f'  curl -H "Authorization: Bearer $(cat {token_file})" \\',
        f"    -d '{example}' {url}/api/v1/alerts",
        "",
        f"Alertmanager on this machine (the receiver listens on {RECEIVER_HOST} only),",
        "in alertmanager.yml:",
        "  receivers:",
        "    - name: shiftbell",
        "      webhook_configs:",
        f'        - url: "{url}/api/v1/alertmanager"',
        "          send_resolved: true",
        "          http_config:",
        "            authorization:",
        f'              credentials: "{token}"',
        "              # or, to keep the token out of alertmanager.yml, instead:",
        f'              # credentials_file: "{paths.token_file}"',
    ]
    print("\n".join(lines))
    return 0


def autostart(args: argparse.Namespace, paths: AppPaths) -> int:
    # Here, not at the top: every other command would import plistlib and subprocess for it.
    from shiftbell.system import autostart as login_start

    entry = login_start.for_this_platform()
    if args.state in ("on", "off"):
        login_start.set_start_at_login(entry, args.state == "on", paths.data_dir)
        if args.state == "on":
            print(f"Shiftbell starts when you log in ({entry.where}).")
        else:
            print(f"Shiftbell no longer starts when you log in ({entry.where} removed).")
    else:
        state = "on" if entry.enabled() else "off"
        print(f"Start at login: {state} ({entry.where}).")
    return 0
