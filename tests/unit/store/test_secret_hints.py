"""SecretStore's hints: which feeds the keyring last had no token for, names only."""

import os
from pathlib import Path

import pytest
from keyring.backends import fail
from tests.helpers.memory_keyring import MemoryKeyring

from shiftbell.store.credentials import SERVICE, SecretStore
from shiftbell.store.secret_hints import HINTS_FILE_NAME, SecretHints

TOKEN = "hint-test-token-5d1e"


class CountingKeyring(MemoryKeyring):
    def __init__(self) -> None:
        super().__init__()
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return super().get_password(service, username)


def test_a_feed_the_keyring_had_no_token_for_is_known_without_asking_it(tmp_path: Path) -> None:
    keyring = CountingKeyring()
    store = SecretStore(tmp_path, backend=keyring)
    assert not store.last_seen_without("am")  # never looked: unknown is not "without"
    assert store.get("am") == ""
    reads = keyring.reads

    again = SecretStore(tmp_path, backend=keyring)  # the next start
    assert again.last_seen_without("am")
    assert keyring.reads == reads  # answered from the hint
    assert not again.last_seen_without("am", scope="schedule")  # another scope, never looked
    assert TOKEN not in (tmp_path / HINTS_FILE_NAME).read_text()


def test_storing_or_finding_a_token_ends_the_hint_and_deleting_it_starts_one(
    tmp_path: Path,
) -> None:
    keyring = MemoryKeyring()
    store = SecretStore(tmp_path, backend=keyring)
    store.get("am")
    store.set("am", TOKEN)
    assert not store.last_seen_without("am")
    store.delete("am")
    assert store.last_seen_without("am")

    # Set beside Shiftbell (the `keyring` command): the hint is wrong until the next look.
    keyring.passwords[(SERVICE, "feed:am")] = TOKEN
    assert store.last_seen_without("am")
    assert store.get("am") == TOKEN
    assert not store.last_seen_without("am")
    assert TOKEN not in (tmp_path / HINTS_FILE_NAME).read_text()


def test_no_keyring_at_all_is_remembered_as_no_token(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, backend=fail.Keyring())
    assert store.get("am") == ""
    assert store.last_seen_without("am")


def test_a_token_in_the_secrets_file_is_never_hinted_away(tmp_path: Path) -> None:
    store = SecretStore(tmp_path, allow_file=True, backend=fail.Keyring())
    store.get("am")
    store.set("am", TOKEN)
    assert not store.last_seen_without("am")
    (tmp_path / "secrets.json").write_text("{damaged")
    assert not store.last_seen_without("am")  # get() says what is wrong with the file


@pytest.mark.parametrize(
    "content",
    [b"{not json", b"\xff\xfe", b'{"version": 99, "absent": ["feed:am"]}', b'["feed:am"]'],
)
def test_a_damaged_hints_file_means_asking_the_keyring(tmp_path: Path, content: bytes) -> None:
    (tmp_path / HINTS_FILE_NAME).write_bytes(content)
    store = SecretStore(tmp_path, backend=MemoryKeyring())
    assert not store.last_seen_without("am")
    assert store.get("am") == ""  # and the look writes a good file over it
    assert store.last_seen_without("am")


def test_a_hints_file_that_cannot_be_written_costs_nothing_but_the_hint(tmp_path: Path) -> None:
    (tmp_path / HINTS_FILE_NAME).mkdir()  # cannot be replaced, not even by root
    store = SecretStore(tmp_path, backend=MemoryKeyring())
    assert store.get("am") == ""
    assert not store.last_seen_without("am")


def test_hints_are_written_only_when_they_change(tmp_path: Path) -> None:
    hints = SecretHints(tmp_path)
    hints.note("feed:am", False)
    os.utime(hints.path, ns=(1, 1))
    hints.note("feed:am", False)
    assert hints.path.stat().st_mtime_ns == 1
    hints.note("feed:am", True)
    assert hints.path.stat().st_mtime_ns != 1
    assert not hints.known_absent("feed:am")
