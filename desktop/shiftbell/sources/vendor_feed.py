"""The constructor and request helper the vendor feeds share (all but Opsgenie, whose
constructor also takes its confirmation timing): the registry opens each as `Feed(config,
secret, transport=...)`, and tests pass a transport that reaches their fake server and a clock
they move."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shiftbell.core.clock import Clock
from shiftbell.sources.http import request_json
from shiftbell.system.clock import SystemClock

if TYPE_CHECKING:
    import httpx

    from shiftbell.sources.feed import FeedConfig


class VendorFeed:
    """Keeps the config and the clock, then hands the secret to the vendor's `_open`.

    `_open` sets `_client`, and `_vendor` and `_credential` name the source and its secret in
    the errors `_request` raises ("PagerDuty refused the API key").
    """

    _vendor: str
    _credential: str
    _client: httpx.AsyncClient

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

    async def _http(self) -> httpx.AsyncClient:
        """The client to send with (Icinga 2 connects only on first use)."""
        return self._client

    async def _request(
        self, method: str, url: str, *, ok: tuple[int, ...] = (), **kwargs: Any
    ) -> tuple[int, Any]:
        """The status and JSON body of one request; see `request_json` for its errors."""
        return await request_json(
            await self._http(),
            method,
            url,
            config=self.config,
            vendor=self._vendor,
            credential=self._credential,
            ok=ok,
            **kwargs,
        )
