"""The constructor the polled vendor feeds share (Alertmanager, PagerDuty, Grafana OnCall,
Icinga 2): the registry opens each as `Feed(config, secret, transport=..., clock=...)`, and
tests pass a transport that reaches their fake server and a clock they move."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shiftbell.core.clock import Clock
from shiftbell.system.clock import SystemClock

if TYPE_CHECKING:
    import httpx

    from shiftbell.sources.feed import FeedConfig


class VendorFeed:
    """Keeps the config and the clock, then hands the secret to the vendor's `_open`."""

    def __init__(
        self,
        config: FeedConfig,
        secret: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self._clock: Clock = clock or SystemClock()
        self._open(config, secret, transport)

    def _open(
        self, config: FeedConfig, secret: str, transport: httpx.AsyncBaseTransport | None
    ) -> None:
        """Read the options and build the HTTP client; FeedConfigError on a bad setting."""
        raise NotImplementedError
