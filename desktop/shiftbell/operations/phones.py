"""Adding, removing and testing a phone channel: the config file and the keyring together,
with the promises of operations/feeds.py (the secret stored first and taken back if the file
refuses the entry; no keyring: asked before the private file; removed: entry, then secret)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from shiftbell.core.errors import ConfigError, FeedUnreachableError
from shiftbell.operations.feeds import AskFile, RemovedFeed, add_with_secret, remove_with_secret
from shiftbell.phones import registry
from shiftbell.phones.channel import PhoneConfig
from shiftbell.settings.phone_editor import PHONES
from shiftbell.store.credentials import SecretLocation, SecretStore

SCOPE = "phone"


@dataclass
class PhoneOperations:
    config_path: Path
    secrets: SecretStore
    ask_file: AskFile = field(default=lambda _path: False)

    def add(self, config: PhoneConfig, secret: str = "") -> SecretLocation:
        refused = f"the token was not stored, so phone {config.name} was not added"
        return add_with_secret(
            self.secrets,
            config.name,
            secret,
            lambda: PHONES.add(self.config_path, config),
            self.ask_file,
            refused,
            scope=SCOPE,
        )

    def remove(self, name: str) -> RemovedFeed:
        return remove_with_secret(
            self.secrets, name, lambda: PHONES.remove(self.config_path, name), scope=SCOPE
        )

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
