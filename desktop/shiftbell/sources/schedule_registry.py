"""From a schedule's settings to a source: which class serves which kind, and what it needs.

The caller (the app, the CLI) resolves what lives elsewhere: for the vendor kinds, the alert
feed named by the option `feed` and that feed's secret from the keyring.
"""

from __future__ import annotations

from datetime import timedelta, tzinfo

import httpx

from shiftbell.core.errors import FeedConfigError
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.schedule import (
    DEFAULT_LOOKAHEAD,
    DEFAULT_LOOKBEHIND,
    ScheduleKind,
    ScheduleSource,
    ScheduleSourceConfig,
    where_to_fix,
)

VENDOR_KINDS = frozenset(
    {ScheduleKind.PAGERDUTY, ScheduleKind.GRAFANA_ONCALL, ScheduleKind.OPSGENIE}
)
MAX_DAYS_AHEAD = 60


def build_source(
    config: ScheduleSourceConfig,
    *,
    tz: tzinfo,
    feed: FeedConfig | None = None,
    secret: str = "",
    transport: httpx.AsyncBaseTransport | None = None,
) -> ScheduleSource:
    """A source for `config`. `tz` is the person's local zone (floating ICS times, all-day
    events); `feed` and `secret` are the account a vendor schedule signs in with."""
    options = config.options
    lookahead = _days(config, "days_ahead", DEFAULT_LOOKAHEAD, MAX_DAYS_AHEAD)
    lookbehind = _days(config, "days_behind", DEFAULT_LOOKBEHIND, 7)
    if config.kind is ScheduleKind.ICS:
        from shiftbell.sources.ics.schedule import IcsSchedule

        return IcsSchedule(
            config.name,
            config.location,
            tz=tz,
            who=options.get("who", ""),
            lookbehind=lookbehind,
            lookahead=lookahead,
            transport=transport,
        )
    if feed is None:
        raise FeedConfigError(
            f"schedule {config.name} reads {config.kind.value} through an alert feed of the same "
            f"account: set feed to that feed's name in {where_to_fix(config.name)}"
        )
    if config.kind is ScheduleKind.PAGERDUTY:
        from shiftbell.sources.pagerduty.schedule import PagerDutySchedule

        return PagerDutySchedule(
            config.name,
            feed,
            secret,
            user_ids=_csv(options.get("user_id", "")),
            lookbehind=lookbehind,
            lookahead=lookahead,
            transport=transport,
        )
    if config.kind is ScheduleKind.GRAFANA_ONCALL:
        from shiftbell.sources.grafana_oncall.schedule import GrafanaOnCallSchedule

        return GrafanaOnCallSchedule(
            config.name,
            feed,
            secret,
            user=options.get("user", ""),
            schedules=_csv(options.get("schedules", "")),
            lookbehind=lookbehind,
            lookahead=lookahead,
            transport=transport,
        )
    from shiftbell.sources.opsgenie.schedule import OpsgenieSchedule

    return OpsgenieSchedule(
        config.name,
        feed,
        secret,
        schedules=_csv(options.get("schedules", "")),
        user=options.get("user", ""),
        lookbehind=lookbehind,
        lookahead=lookahead,
        transport=transport,
    )


def _days(config: ScheduleSourceConfig, key: str, default: timedelta, most: int) -> timedelta:
    text = config.options.get(key, "").strip()
    if not text:
        return default
    if not text.isdigit() or not 1 <= int(text) <= most:
        raise FeedConfigError(
            f"schedule {config.name}: {key} = {text!r} must be a whole number of days from 1 to "
            f"{most}, in {where_to_fix(config.name)}"
        )
    return timedelta(days=int(text))


def _csv(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())
