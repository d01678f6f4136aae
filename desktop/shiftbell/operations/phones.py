"""Adding, removing and testing a phone channel: the config file and the keyring together,
with the promises of operations/feeds.py (the secret stored first and taken back if the file
refuses the entry; no keyring: asked before the private file; removed: entry, then secret)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from shiftbell.core.errors import ConfigError, FeedUnreachableError
from shiftbell.operations.feeds import AskFile, RemovedFeed, allow_file_for_one_change, store_secret
from shiftbell.phones import registry
from shiftbell.phones.channel import PhoneConfig
from shiftbell.settings.feed_editor import EntryNotFoundError
from shiftbell.settings.phone_editor import PHONES
from shiftbell.store.credentials import SecretLocation, SecretStore, SecretStoreError

SCOPE = "phone"


@dataclass
class PhoneOperations:
    config_path: Path
    secrets: SecretStore
    ask_file: AskFile = field(default=lambda _path: False)

    def add(self, config: PhoneConfig, secret: str = "") -> SecretLocation:
        name = config.name
        location = SecretLocation.NONE
        with allow_file_for_one_change(self.secrets):
            if secret:
                refused = f"the token was not stored, so phone {name} was not added"
                location = store_secret(
                    self.secrets, name, secret, self.ask_file, refused, scope=SCOPE
                )
            try:
                PHONES.add(self.config_path, config)
            except ConfigError:
                if secret:
                    self.secrets.delete(name, scope=SCOPE)
                raise
        return location

    def remove(self, name: str) -> RemovedFeed:
        try:
            PHONES.remove(self.config_path, name)
            entry = True
        except EntryNotFoundError:
            entry = False
        try:
            secret = self.secrets.delete(name, scope=SCOPE)
        except SecretStoreError as exc:
            return RemovedFeed(entry, False, str(exc))
        return RemovedFeed(entry, secret)

    def secret_of(self, name: str) -> str:
        return self.secrets.get(name, scope=SCOPE)


async def send_test(config: PhoneConfig, secret: str, timeout_s: float) -> None:
    """Send the channel's test message; a FeedError says what went wrong."""
    spec = registry.find(config.kind)
    if spec is None:
        raise ConfigError(f"phone {config.name}: unknown kind {config.kind!r}")
    channel = spec.open(config, secret)
    try:
        async with asyncio.timeout(timeout_s):
            await channel.test()
    except TimeoutError:
        raise FeedUnreachableError(
            f"{spec.name} did not answer within {timeout_s:g} s ({config.name})"
        ) from None
    finally:
        await channel.aclose()
