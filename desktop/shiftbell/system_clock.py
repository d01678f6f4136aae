"""The real clock, kept out of core/ so the core never reads time by itself."""

from datetime import UTC, datetime


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
