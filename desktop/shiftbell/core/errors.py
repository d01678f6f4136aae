"""Shiftbell's own exception tree.

Third-party errors (httpx, aiohttp, sqlite3, tomllib) are mapped to these at the
edge, so callers handle one family and every message is one a person can act on.
"""


class ShiftbellError(Exception):
    """Base of every error Shiftbell raises on purpose."""


class FeedError(ShiftbellError):
    """A feed could not deliver alerts or take an acknowledgement.

    `trouble` says what kind of failure it is in the few words a status line uses.
    """

    trouble = "failing"


class FeedAuthError(FeedError):
    """The source rejected our credentials (401/403): retrying will not help."""

    trouble = "refused access"


class FeedUnreachableError(FeedError):
    """The source could not be reached (DNS, refused, timeout, 5xx): worth retrying."""

    trouble = "unreachable"


class FeedPayloadError(FeedError):
    """The source answered with something we cannot read."""

    trouble = "unreadable"


class FeedRateLimitedError(FeedError):
    """The source said to slow down (429); `retry_after_s` is how long it asked for."""

    trouble = "rate-limited"

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class FeedConfigError(FeedError):
    """The feed's settings are incomplete or wrong (a missing option, a bad URL)."""

    trouble = "not set up right"


class PayloadError(ShiftbellError):
    """An alert payload pushed to us is malformed; the message says what is wrong."""


class ConfigError(ShiftbellError):
    """The config file cannot be used; the message names the file and line."""


class StoreError(ShiftbellError):
    """State could not be saved or read (disk full, corrupt database, permissions)."""


class UnknownAlertError(ShiftbellError):
    """An acknowledgement named an alert id that does not exist."""
