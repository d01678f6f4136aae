"""The real clock, kept out of core/ so the core never reads time by itself."""

import os
import time
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Linux's CLOCK_BOOTTIME counts suspended time and never steps; elsewhere
# time.monotonic() is the best there is (macOS and Windows count sleep in it too).
_STEADY_ID = getattr(time, "CLOCK_BOOTTIME", None)


def _steady_seconds() -> float:
    return time.clock_gettime(_STEADY_ID) if _STEADY_ID is not None else time.monotonic()


class SystemClock:
    """See core.clock for what each reading is for."""

    def __init__(self) -> None:
        # Anchored once: steady() starts out equal to the wall clock, then never steps.
        self._wall_at_start = datetime.now(UTC)
        self._steady_at_start = _steady_seconds()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def steady(self) -> datetime:
        return self._wall_at_start + timedelta(seconds=_steady_seconds() - self._steady_at_start)

    def awake(self) -> float:
        return time.monotonic()


def local_zone() -> tzinfo:
    """The machine's time zone, for quiet hours and shift times in the person's own clock.

    ZoneInfo from TZ or /etc/localtime where there is one (so DST rules are exact);
    otherwise the fixed offset the system reports now.
    """
    name = os.environ.get("TZ", "").lstrip(":")
    candidates = [name] if name else []
    try:
        target = os.path.realpath("/etc/localtime")
    except OSError:
        target = ""
    if "zoneinfo/" in target:
        candidates.append(target.split("zoneinfo/", 1)[1])
    for candidate in candidates:
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return datetime.now().astimezone().tzinfo or UTC
