"""The kinds a `[[feeds]]`, `[[schedules]]` or `[[phones]]` entry may name, as config.toml and
the CLI take them: the ids of the sources that have a feed, or a schedule; the phone channels."""

from __future__ import annotations

from dataclasses import dataclass

from shiftbell.phones import registry as phones
from shiftbell.sources import registry


@dataclass(frozen=True)
class Kinds:
    what: str  # "feed", "schedule"
    ids: tuple[str, ...]

    @property
    def choices(self) -> str:
        return " | ".join(self.ids)

    def parse(self, text: str) -> str | None:
        """The kind `text` names, forgiving case and surrounding spaces; None if unknown."""
        wanted = text.strip().lower()
        return wanted if wanted in self.ids else None

    def problem(self, text: str) -> str | None:
        if self.parse(text) is not None:
            return None
        return f'"{text}" is not a {self.what} kind Shiftbell knows: use {self.choices}'


FEED_KINDS = Kinds("feed", registry.feed_kinds())
SCHEDULE_KINDS = Kinds("schedule", registry.schedule_kinds())
PHONE_KINDS = Kinds("phone", phones.phone_kinds())
