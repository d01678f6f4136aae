"""A real keyring backend for tests: the tokens a test stores stay in a dict it can inspect."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

import keyring
import keyring.errors
from jaraco.classes import properties
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """A real keyring backend (keyring's own base class) that keeps passwords in a dict."""

    @properties.classproperty
    def priority(cls) -> float:
        # Not viable for keyring's own discovery: used only where a test passes or sets it.
        raise RuntimeError("test backend")

    def __init__(self) -> None:
        super().__init__()
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.passwords:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.passwords[(service, username)]


B = TypeVar("B", bound=KeyringBackend)


@contextmanager
def keyring_in_use(backend: B) -> Iterator[B]:
    """`backend` as keyring's backend for the block; the one before it again after."""
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(previous)
