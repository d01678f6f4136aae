"""The settings in force: the config file when it can be read, else the last good one.

A typo in config.toml must never turn the pager off. So:

- A file that cannot be read at all (not UTF-8, a syntax error, too large, no
  permission) changes nothing that runs: on reload the running settings stay, at
  start-up the last good copy kept in the data dir is used.
- A [[feeds]], [[schedules]] or [[phones]] entry skipped for a problem keeps what ran under its
  name (or, at start-up, what the last good copy has for it); an entry skipped
  before its name could be read keeps every entry the file no longer names, since
  a broken entry and a deleted one cannot be told apart and silence is the worse guess.
- Only a file with no skipped entry becomes the new last good copy.

Everything here is plain file I/O; no Qt, no clock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, TypeVar

from shiftbell.settings.model import Settings
from shiftbell.settings.template import DEFAULT_SETTINGS
from shiftbell.settings.toml_store import ANY_ENTRY, LoadedSettings, parse_text, read_settings
from shiftbell.system.atomic_file import write_atomically

log = logging.getLogger(__name__)

LAST_GOOD_NAME = "config.last-good.toml"


class _Named(Protocol):
    @property
    def name(self) -> str: ...


N = TypeVar("N", bound=_Named)


@dataclass(frozen=True)
class SettingsInForce:
    """What to run with, and what the person must be told about it.

    Attributes:
        settings: the settings to run.
        problems: sentences for the tray, the window and the log; empty if none.
        keep_running: the file could not be read on a reload: leave everything that
            runs as it is.
        fallback: "" when the file is in force, else what is ("the last good copy",
            "the running settings", "the defaults").
    """

    settings: Settings
    problems: list[str] = field(default_factory=list)
    keep_running: bool = False
    fallback: str = ""


class ConfigKeeper:
    """Reads config.toml for the app and the CLI alike, and keeps its last good copy."""

    def __init__(self, config_file: Path, data_dir: Path) -> None:
        self.config_file = config_file
        self.last_good_file = data_dir / LAST_GOOD_NAME

    def load(self, running: Settings | None = None) -> SettingsInForce:
        """The settings to run now; `running` is what runs already (None at start-up).

        Writes the default file when there is none, and the last good copy.
        """
        return self._load(running, writes=True)

    def peek(self) -> SettingsInForce:
        """What a running app would be using, without writing anything (for the CLI)."""
        return self._load(None, writes=False)

    def _load(self, running: Settings | None, *, writes: bool) -> SettingsInForce:
        loaded = read_settings(self.config_file, create_missing=writes)
        if loaded.created:
            log.info("wrote the default config to %s", self.config_file)
        if not loaded.readable:
            return self._unreadable(loaded, running)
        base = running if running is not None else self._last_good()
        settings, kept = _with_kept_back(loaded, base)
        if writes and not loaded.kept_back and not loaded.missing:
            self._save_last_good(loaded.text)
        problems = list(loaded.problems)
        problems += [
            f"{noun} {name} keeps running with its last good settings until its entry is fixed."
            for noun, name in kept
        ]
        return SettingsInForce(settings, problems)

    def _unreadable(self, loaded: LoadedSettings, running: Settings | None) -> SettingsInForce:
        if running is not None:
            return SettingsInForce(
                running,
                [*loaded.problems, _still_running("the settings that were running")],
                keep_running=True,
                fallback="the running settings",
            )
        last_good = self._last_good()
        if last_good is not None:
            return SettingsInForce(
                last_good,
                [*loaded.problems, _still_running(f"the last good copy ({self.last_good_file})")],
                fallback="the last good copy",
            )
        return SettingsInForce(
            DEFAULT_SETTINGS,
            [*loaded.problems, "No earlier good config is kept: running on the defaults."],
            fallback="the defaults",
        )

    def _last_good(self) -> Settings | None:
        try:
            text = self.last_good_file.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            log.warning("cannot read the last good config %s: %s", self.last_good_file, exc)
            return None
        loaded = parse_text(text, str(self.last_good_file))
        return loaded.settings if loaded.readable else None

    def _save_last_good(self, text: str) -> None:
        path = self.last_good_file
        try:
            if path.read_bytes() == text.encode("utf-8"):
                return
        except OSError:
            pass
        try:
            write_atomically(path, text.encode("utf-8"))
        except OSError as exc:
            log.warning("cannot keep a copy of the good config in %s: %s", path, exc)


def _still_running(what: str) -> str:
    return (
        f"Shiftbell keeps running on {what} until config.toml is fixed: "
        "no feed, schedule or phone was stopped."
    )


def _with_kept_back(
    loaded: LoadedSettings, base: Settings | None
) -> tuple[Settings, list[tuple[str, str]]]:
    """`loaded.settings`, plus what `base` had for entries the file has but could not use;
    and ("Feed"/"Schedule"/"Phone", name) for each entry so kept."""
    settings = loaded.settings
    if base is None or not loaded.kept_back:
        return settings, []
    back = loaded.kept_back
    feeds = _kept(settings.feeds, base.feeds, back.get("feeds", frozenset()))
    schedules = _kept(settings.schedules, base.schedules, back.get("schedules", frozenset()))
    phones = _kept(settings.phones, base.phones, back.get("phones", frozenset()))
    merged = replace(
        settings,
        feeds=(*settings.feeds, *feeds),
        schedules=(*settings.schedules, *schedules),
        phones=(*settings.phones, *phones),
    )
    kept = [("Feed", f.name) for f in feeds] + [("Schedule", s.name) for s in schedules]
    return merged, kept + [("Phone", p.name) for p in phones]


def _kept(new: Sequence[N], old: Sequence[N], kept_back: frozenset[str]) -> list[N]:
    taken = {entry.name for entry in new}
    return [
        entry
        for entry in old
        if entry.name not in taken and (ANY_ENTRY in kept_back or entry.name in kept_back)
    ]
