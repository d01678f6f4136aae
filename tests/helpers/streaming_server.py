"""The lifecycle the streaming fakes (FakeNtfy, FakeGotify) share.

A server that shuts down ends its open streams first, and each fake says how
in `_end_streams()`; the fake's own state (the messages) lives in the object,
not in the server, so it survives `restart()`.
"""

from __future__ import annotations

from tests.helpers.vendor_server import VendorFake


class StreamingFake(VendorFake):
    """A vendor fake whose clients hold streams open."""

    def __init__(self) -> None:
        super().__init__()
        self._running = False

    def start(self) -> None:
        self.server.start()
        self._running = True

    def stop(self) -> None:
        """End every open stream as the vendor does on shutdown, then stop the server."""
        if not self._running:
            return
        self.server.call(self._end_streams())
        self._running = False
        self.server.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    async def _end_streams(self) -> None:
        """On the server loop: tell every open stream that the server is going away."""
        raise NotImplementedError
