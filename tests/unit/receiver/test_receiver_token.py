"""The receiver token file: private from the first byte, reused, repaired when too open."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from shiftbell.core.errors import ConfigError
from shiftbell.receiver.token import TOKEN_FILE_NAME, load_or_create_token
from shiftbell.system.paths import AppPaths

posix_only = pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@posix_only
def test_first_run_creates_a_private_token_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data" / "shiftbell"
    old_umask = os.umask(0)  # even a permissive umask must not widen the file
    try:
        token = load_or_create_token(data_dir)
    finally:
        os.umask(old_umask)
    path = data_dir / TOKEN_FILE_NAME
    assert _mode(path) == 0o600
    assert _mode(data_dir) == 0o700
    assert path.read_text().strip() == token
    assert len(token) >= 40  # 32 random bytes, base64url


def test_later_runs_reuse_the_token(tmp_path: Path) -> None:
    first = load_or_create_token(tmp_path)
    assert load_or_create_token(tmp_path) == first


def test_accepts_the_token_file_path_too(tmp_path: Path) -> None:
    paths = AppPaths(tmp_path / "c", tmp_path / "d", tmp_path / "l")
    from_file = load_or_create_token(paths.token_file)
    assert paths.token_file.is_file()
    assert load_or_create_token(paths.data_dir) == from_file


@posix_only
def test_loose_permissions_are_fixed_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    token = load_or_create_token(tmp_path)
    path = tmp_path / TOKEN_FILE_NAME
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        assert load_or_create_token(tmp_path) == token
    assert _mode(path) == 0o600
    assert "readable by other users (mode 0644)" in caplog.text
    assert token not in caplog.text


@posix_only
def test_empty_token_file_gets_a_new_private_token(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / TOKEN_FILE_NAME
    path.write_text("\n")
    path.chmod(0o600)
    with caplog.at_level(logging.WARNING):
        token = load_or_create_token(tmp_path)
    assert token
    assert path.read_text().strip() == token
    assert _mode(path) == 0o600
    assert "was empty" in caplog.text


def test_token_with_spaces_is_a_config_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / TOKEN_FILE_NAME
    path.write_text("two words\n")
    path.chmod(0o600)
    with pytest.raises(ConfigError, match="contains spaces") as caught:
        load_or_create_token(tmp_path)
    assert str(path) in str(caught.value)
