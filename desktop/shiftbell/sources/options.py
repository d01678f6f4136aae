"""Readers for option values that several feed adapters accept in the same form.

One reader per form, so the same kind of option is checked, and refused with
the same message, whichever adapter reads it.
"""

from __future__ import annotations

import math

from shiftbell.core.errors import FeedConfigError
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.http import where_to_fix


def positive_seconds(config: FeedConfig, option: str, default: float) -> float:
    """The option as a finite number of seconds above 0; `default` when it is not set.

    Raises FeedConfigError naming the option and where to fix it.
    """
    raw = config.options.get(option, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not (value > 0 and math.isfinite(value)):
        raise FeedConfigError(
            f"{config.kind} option {option}={raw!r} must be a number of seconds above 0: "
            f"fix it in {where_to_fix(config)}"
        )
    return value
