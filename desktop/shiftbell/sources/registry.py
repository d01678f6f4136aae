"""Every source Shiftbell knows: the list of their declarations, and finding one by its id.

Adding a source is adding its folder (see the README's "Adding a source") and one line here.
"""

from __future__ import annotations

from shiftbell.sources import (
    alertmanager,
    gotify,
    grafana_oncall,
    icinga2,
    ics,
    nagios,
    ntfy,
    opsgenie,
    pagerduty,
    zabbix,
)
from shiftbell.sources.spec import SourceSpec

SOURCES: tuple[SourceSpec, ...] = (
    alertmanager.SOURCE,
    pagerduty.SOURCE,
    opsgenie.SOURCE,
    grafana_oncall.SOURCE,
    icinga2.SOURCE,
    nagios.SOURCE,
    zabbix.SOURCE,
    ntfy.SOURCE,
    gotify.SOURCE,
    ics.SOURCE,
)


def find(kind: str) -> SourceSpec | None:
    """The source whose id is `kind`, forgiving case and surrounding spaces; None if unknown."""
    wanted = kind.strip().lower()
    return next((source for source in SOURCES if source.id == wanted), None)


def source(kind: str) -> SourceSpec:
    """The source whose id is `kind`; KeyError if there is none (a bug: kinds are checked on
    the way in)."""
    found = find(kind)
    if found is None:
        raise KeyError(kind)
    return found


def feed_sources() -> tuple[SourceSpec, ...]:
    """The sources that have an alert feed, in the order people see them."""
    return tuple(s for s in SOURCES if s.has_feed)


def schedule_sources() -> tuple[SourceSpec, ...]:
    """The sources that have a schedule."""
    return tuple(s for s in SOURCES if s.has_schedule)


def feed_kinds() -> tuple[str, ...]:
    return tuple(s.id for s in feed_sources())


def schedule_kinds() -> tuple[str, ...]:
    return tuple(s.id for s in schedule_sources())


# What `shiftbell schedule add LINK` makes when no --kind is given: a calendar.
DEFAULT_SCHEDULE_KIND = ics.SOURCE.id
