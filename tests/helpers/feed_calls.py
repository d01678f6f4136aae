"""Calling a real feed from a synchronous test: one action in its own event loop, with a
deadline, and the feed's client always closed after."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

T = TypeVar("T")
F = TypeVar("F", bound=Any)


def run(feed: F, action: Callable[[F], Awaitable[T]], timeout: float = 30) -> T:
    async def main() -> T:
        try:
            return await asyncio.wait_for(action(feed), timeout)
        finally:
            await feed.close()

    return asyncio.run(main())
