"""Adding, changing, removing and testing a feed: the config file and the keyring together.

The CLI (`shiftbell feed ...`) and the Settings window call these and only collect input,
answer questions and show the result, so both keep the same promises:

- a feed's token is stored before its entry is written, and taken back out if the config
  file refuses the entry, so no token is left for a feed that is not there;
- with no usable keyring the person is asked (`ask_file`) before a token goes to the
  private secrets file, and a "no" stops the whole change;
- a renamed feed takes its token along; the old one is deleted only after the file was
  written, and a token that cannot be deleted then is a note, not a failure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from shiftbell.core.errors import ConfigError, ShiftbellError
from shiftbell.settings.feed_editor import EntryNotFoundError, add_feed, remove_feed, update_feed
from shiftbell.settings.model import FeedSettings
from shiftbell.sources.build import check_feed, connection_test
from shiftbell.sources.feed import FeedConfig
from shiftbell.store.credentials import (
    NO_KEYRING,
    NoKeyringError,
    SecretLocation,
    SecretStore,
    SecretStoreError,
)

log = logging.getLogger(__name__)

# Asked when there is no usable keyring: may the secret go to this private file instead?
AskFile = Callable[[Path], bool]


class Declined(ShiftbellError):
    """The person would not have the secret kept in a file, so nothing was changed."""


class TokenChange(StrEnum):
    """What saving a feed does with its stored token."""

    KEEP = "keep"  # leave what is stored (nothing, for a new feed)
    SET = "set"  # store the new token
    DELETE = "delete"  # delete the stored one


@dataclass(frozen=True)
class RemovedFeed:
    """What `remove` removed; `problem` says why a stored token could not be deleted."""

    entry: bool
    token: bool
    problem: str = ""


@dataclass
class FeedOperations:
    """The feed operations on one config file and secret store.

    Attributes:
        config_path: the config.toml to edit.
        secrets: where tokens go.
        ask_file: the front-end's question "no keyring: keep the token in this file?";
            it may raise to refuse with a message of its own.
    """

    config_path: Path
    secrets: SecretStore
    ask_file: AskFile = field(default=lambda _path: False)

    async def check(self, config: FeedConfig, secret: str) -> None:
        """Let the source check the options and secret it would run with; no network."""
        await check_feed(config, secret)

    async def test(self, config: FeedConfig, secret: str, timeout_s: float) -> str:
        """Connect with `secret` and say what the source answered; FeedError on failure."""
        return await connection_test(config, secret, timeout_s)

    def add(self, feed: FeedSettings, token: str = "", *, verb: str = "added") -> SecretLocation:
        """Store the token (if any), then add the entry; undo the token if the entry is refused.

        `verb` is the front-end's word for what did not happen if the person declines to keep
        the token in a file ("feed X was not added").
        """
        refused = f"the token was not stored, so feed {feed.name} was not {verb}"
        return add_with_secret(
            self.secrets,
            feed.name,
            token,
            lambda: add_feed(self.config_path, feed),
            self.ask_file,
            refused,
        )

    def update(
        self, old_name: str, feed: FeedSettings, change: TokenChange, token: str = ""
    ) -> list[str]:
        """Change the entry named `old_name` to `feed` (a new name renames it) and its token.

        Returns notes about steps after the file was written that did not work: the feed is
        saved all the same.
        """
        name = feed.name
        renamed = name != old_name
        old_token = self.secrets.get(old_name)  # before anything changes, to put back
        wrote = False
        with allow_file_for_one_change(self.secrets):
            if change is TokenChange.SET:
                self._store(name, token, "saved")
                wrote = True
            elif change is TokenChange.KEEP and renamed and old_token:
                self._store(name, old_token, "saved")  # the token follows the feed
                wrote = True
            try:
                update_feed(self.config_path, old_name, feed)
            except ConfigError:
                if wrote:
                    if not renamed and old_token:
                        self._restore(name, old_token)
                    else:
                        self._forget(name)
                raise
        notes = []
        try:
            if renamed and old_token:
                self.secrets.delete(old_name)
            if change is TokenChange.DELETE:
                self.secrets.delete(name)
        except SecretStoreError as exc:
            notes.append(f"But the old token could not be deleted: {exc}")
        return notes

    def save(
        self,
        original_name: str | None,
        feed: FeedSettings,
        change: TokenChange,
        token: str = "",
        *,
        verb: str = "added",
    ) -> list[str]:
        """Add the feed (no `original_name`) or change the one called `original_name`.

        Returns notes about steps after the file was written that did not work.
        """
        if original_name is None:
            self.add(feed, token if change is TokenChange.SET else "", verb=verb)
            return []
        return self.update(original_name, feed, change, token)

    def token_after(self, original_name: str | None, change: TokenChange, token: str) -> str:
        """The token a feed will have once saved: to check or test the feed with first."""
        if change is TokenChange.SET:
            return token
        if change is TokenChange.KEEP and original_name is not None:
            return self.secrets.get(original_name)
        return ""

    def remove(self, name: str) -> RemovedFeed:
        """Remove the entry, then the stored token; either may already be gone.

        A config file that refuses the edit raises ConfigError and the token stays: the
        feed is still configured.
        """
        return remove_with_secret(self.secrets, name, lambda: remove_feed(self.config_path, name))

    def _store(self, name: str, token: str, verb: str) -> SecretLocation:
        refused = f"the token was not stored, so feed {name} was not {verb}"
        return store_secret(self.secrets, name, token, self.ask_file, refused)

    def _restore(self, name: str, token: str) -> None:
        try:
            self.secrets.set(name, token)
        except SecretStoreError as exc:
            log.warning("could not put back the old token of feed %s: %s", name, exc)

    def _forget(self, name: str) -> None:
        _forget(self.secrets, name, "feed")


def store_secret(
    secrets: SecretStore,
    name: str,
    value: str,
    ask_file: AskFile,
    refused: str,
    *,
    scope: str = "feed",
) -> SecretLocation:
    """Store `value` in the keyring; with none, ask before the private file.

    A "no" raises Declined with `refused` (what did not happen) and why.
    """
    try:
        return secrets.set(name, value, scope=scope)
    except NoKeyringError as exc:
        if not ask_file(exc.file_path):
            raise Declined(f"{refused}. {NO_KEYRING}.") from None
        secrets.allow_file = True
        return secrets.set(name, value, scope=scope)


def add_with_secret(
    secrets: SecretStore,
    name: str,
    secret: str,
    write_entry: Callable[[], None],
    ask_file: AskFile,
    refused: str,
    *,
    scope: str = "feed",
) -> SecretLocation:
    """Store the secret (if any), then write the entry; the secret is taken back out if the
    config file refuses the entry, so no secret is left for something that is not there."""
    location = SecretLocation.NONE
    with allow_file_for_one_change(secrets):
        if secret:
            location = store_secret(secrets, name, secret, ask_file, refused, scope=scope)
        try:
            write_entry()
        except ConfigError:
            if secret:
                _forget(secrets, name, scope)
            raise
    return location


def remove_with_secret(
    secrets: SecretStore, name: str, remove_entry: Callable[[], None], *, scope: str = "feed"
) -> RemovedFeed:
    """Remove the entry, then the stored secret; either may already be gone. A config file
    that refuses the edit raises ConfigError and the secret stays."""
    try:
        remove_entry()
        entry = True
    except EntryNotFoundError:
        entry = False  # gone already (edited by hand meanwhile); the secret still goes
    try:
        deleted = secrets.delete(name, scope=scope)
    except SecretStoreError as exc:
        return RemovedFeed(entry, False, str(exc))
    return RemovedFeed(entry, deleted)


def _forget(secrets: SecretStore, name: str, scope: str) -> None:
    try:
        secrets.delete(name, scope=scope)
    except SecretStoreError as exc:
        log.warning(
            "could not delete the secret of %s %s after a failed save: %s", scope, name, exc
        )


@contextmanager
def allow_file_for_one_change(secrets: SecretStore) -> Iterator[None]:
    """A yes to "use the file" counts for the change inside only."""
    before = secrets.allow_file
    try:
        yield
    finally:
        secrets.allow_file = before
