"""The real clock, kept out of core/ so the core never reads time by itself."""

import os
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


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
