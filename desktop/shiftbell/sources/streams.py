"""What stream feeds (ntfy, Gotify) share: remembering which events were already reported.

A stream reconnects and catches up, so the same event can arrive twice; the
ids seen last are kept to drop the repeat, but only so many, or a feed that
runs for weeks would hold every id it ever saw.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

SEEN_LIMIT = 2000

_Id = TypeVar("_Id", bound=Hashable)


class RecentIds(Generic[_Id]):
    """The last `limit` ids added, oldest forgotten first."""

    def __init__(self, limit: int = SEEN_LIMIT) -> None:
        self._limit = limit
        self._ids: OrderedDict[_Id, None] = OrderedDict()

    def __contains__(self, event_id: object) -> bool:
        return event_id in self._ids

    def add(self, event_id: _Id) -> None:
        self._ids[event_id] = None
        while len(self._ids) > self._limit:
            self._ids.popitem(last=False)
