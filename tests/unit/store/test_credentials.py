"""SecretStore: feed tokens in a real keyring backend, or in a 0600 file only when allowed."""

import json
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null
from tests.helpers.memory_keyring import MemoryKeyring, keyring_in_use

from shiftbell.store.credentials import (
    NO_KEYRING,
    SERVICE,
    NoKeyringError,
    SecretLocation,
    SecretStore,
    SecretStoreError,
    keyring_usable,
)

TOKEN = "u+pd_e2Xk-secret-7f3a"  # distinctive, so any leak is easy to find


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked(f"cannot store {password}")


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise OSError("org.freedesktop.DBus.Error.ServiceUnknown")


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture(autouse=True)
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog
    assert TOKEN not in caplog.text


def test_a_secret_goes_to_the_keyring_under_the_feeds_name(
    memory: MemoryKeyring, data_dir: Path
) -> None:
    store = SecretStore(data_dir, backend=memory)
    assert store.keyring_usable
    assert store.set("work-pd", TOKEN) is SecretLocation.KEYRING
    assert memory.passwords == {(SERVICE, "feed:work-pd"): TOKEN}
    assert store.get("work-pd") == TOKEN
    assert store.where("work-pd") is SecretLocation.KEYRING
    assert not store.file_path.exists()

    assert store.delete("work-pd") is True
    assert memory.passwords == {}
    assert store.get("work-pd") == ""
    assert store.where("work-pd") is SecretLocation.NONE
    assert store.delete("work-pd") is False


def test_the_default_backend_is_keyrings_own_choice(memory: MemoryKeyring, data_dir: Path) -> None:
    with keyring_in_use(memory):
        SecretStore(data_dir).set("team", TOKEN)
    assert memory.passwords[(SERVICE, "feed:team")] == TOKEN


@pytest.mark.parametrize("backend", [fail.Keyring(), null.Keyring()])
def test_no_usable_keyring_refuses_unless_the_file_was_allowed(
    backend: KeyringBackend, data_dir: Path
) -> None:
    assert not keyring_usable(backend)
    store = SecretStore(data_dir, backend=backend)
    with pytest.raises(NoKeyringError) as caught:
        store.set("work-pd", TOKEN)
    assert str(caught.value) == NO_KEYRING
    assert "Secret Service / KWallet / macOS Keychain / Windows Credential Locker" in NO_KEYRING
    assert caught.value.file_path == data_dir / "secrets.json"
    assert not data_dir.exists()
    # Reading and deleting work without a keyring: there is simply nothing stored.
    assert store.get("work-pd") == ""
    assert store.delete("work-pd") is False


def test_with_the_file_allowed_the_secret_goes_to_a_private_file(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SecretStore(data_dir, allow_file=True, backend=fail.Keyring())
    assert store.set("work-pd", TOKEN) is SecretLocation.FILE
    assert store.set("team", "tk_other") is SecretLocation.FILE
    path = data_dir / "secrets.json"
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    assert json.loads(path.read_text()) == {
        "version": 1,
        "secrets": {"feed:work-pd": TOKEN, "feed:team": "tk_other"},
    }
    assert "not encrypted" in caplog.text and "work-pd" in caplog.text
    # A store that was not told it may write the file still reads what is there.
    reader = SecretStore(data_dir, backend=fail.Keyring())
    assert reader.get("work-pd") == TOKEN
    assert reader.where("team") is SecretLocation.FILE
    assert reader.delete("work-pd") is True
    assert json.loads(path.read_text())["secrets"] == {"feed:team": "tk_other"}
    assert sorted(p.name for p in data_dir.iterdir()) == ["secrets.json"]


def test_storing_in_the_keyring_later_removes_the_file_copy(
    memory: MemoryKeyring, data_dir: Path
) -> None:
    SecretStore(data_dir, allow_file=True, backend=fail.Keyring()).set("work-pd", "old-token")
    store = SecretStore(data_dir, backend=memory)
    assert store.get("work-pd") == "old-token"
    store.set("work-pd", TOKEN)
    assert store.get("work-pd") == TOKEN
    assert store.where("work-pd") is SecretLocation.KEYRING
    assert "old-token" not in (data_dir / "secrets.json").read_text()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_a_secrets_file_others_can_read_is_made_private_with_a_warning(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    SecretStore(data_dir, allow_file=True, backend=fail.Keyring()).set("work-pd", TOKEN)
    path = data_dir / "secrets.json"
    path.chmod(0o644)
    assert SecretStore(data_dir, backend=fail.Keyring()).get("work-pd") == TOKEN
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "readable by other users (mode 0644)" in caplog.text


def test_a_damaged_secrets_file_is_named_without_quoting_it(data_dir: Path) -> None:
    data_dir.mkdir()
    path = data_dir / "secrets.json"
    path.write_text('{"version": 1, "secrets": {"feed:work-pd": "' + TOKEN)
    path.chmod(0o600)
    with pytest.raises(SecretStoreError) as caught:
        SecretStore(data_dir, backend=fail.Keyring()).get("work-pd")
    assert str(caught.value) == (
        f"the secrets file {path} is damaged (line 1): delete it and add the feeds' tokens again"
    )
    assert TOKEN not in str(caught.value)


def test_keyring_failures_become_messages_without_the_secret(data_dir: Path) -> None:
    with pytest.raises(SecretStoreError) as caught:
        SecretStore(data_dir, backend=LockedKeyring()).set("work-pd", TOKEN)
    assert "is locked, so the token for feed work-pd could not be stored" in str(caught.value)
    assert TOKEN not in str(caught.value)

    with pytest.raises(SecretStoreError) as caught:
        SecretStore(data_dir, backend=BrokenKeyring()).get("work-pd")
    assert "could not read the token for feed work-pd: OSError: org.freedesktop" in str(
        caught.value
    )


def test_a_locked_keyring_does_not_fall_back_to_the_file_silently(data_dir: Path) -> None:
    store = SecretStore(data_dir, allow_file=True, backend=LockedKeyring())
    with pytest.raises(SecretStoreError):
        store.set("work-pd", TOKEN)
    assert not (data_dir / "secrets.json").exists()


def test_bad_names_and_empty_secrets_are_refused(memory: MemoryKeyring, data_dir: Path) -> None:
    store = SecretStore(data_dir, backend=memory)
    with pytest.raises(SecretStoreError, match="has characters other than"):
        store.set("a b", TOKEN)
    with pytest.raises(SecretStoreError, match="the token for feed x is empty"):
        store.set("x", "")
    assert memory.passwords == {}
