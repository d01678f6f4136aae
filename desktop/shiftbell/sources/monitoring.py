"""What the monitoring systems' sources (Icinga 2, Nagios) share: the options about which
states count and how loud UNKNOWN is, and the line `feed test` prints."""

from __future__ import annotations

from collections.abc import Sequence

from shiftbell.core.alert import Incoming
from shiftbell.sources.spec import Option, OptionType

SOFT_STATES = Option(
    "soft_states",
    '"yes": also problems in a soft state (still being re-checked), not only hard ones.',
    OptionType.CHOICE,
    default="no",
    choices=("no", "yes"),
)
UNKNOWN_SEVERITY = Option(
    "unknown_severity",
    "How loud a service in state UNKNOWN is.",
    OptionType.CHOICE,
    default="warning",
    choices=("warning", "critical", "info"),
)


def problems_line(vendor: str, problems: Sequence[Incoming]) -> str:
    """ "Nagios: 3 problems (1 handled)": what a feed's test found."""
    handled = sum(1 for p in problems if p.acknowledged)
    text = f"{vendor}: {len(problems)} problem{'s' if len(problems) != 1 else ''}"
    return f"{text} ({handled} handled)" if handled else text
