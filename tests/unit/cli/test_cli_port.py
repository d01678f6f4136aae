"""The CLI finds the app's port as the app reads it: the quick read of a plain config and the
full loader (for anything less plain) agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from shiftbell.cli.common import configured_port
from shiftbell.settings.config_keeper import ConfigKeeper
from shiftbell.system.paths import AppPaths


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    for name in ("CONFIG", "DATA", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    found = AppPaths.default()
    found.config_file.parent.mkdir(parents=True)
    return found


@pytest.mark.parametrize(
    "text",
    [
        "[receiver]\nport = 8975\n",
        "\ufeff[receiver]\nport = 0\n",  # a BOM, as some editors write
        "[alarm]\nraise_output = false\n",  # no [receiver]: the default
        "[receiver]\nport = 70000\n",  # out of range: the loader's default, with a problem
        '[receiver]\nport = "8975"\n',  # text: the loader decides
        "[receiver]\nport = true\n",
        "receiver = 5\n",
    ],
)
def test_the_quick_read_and_the_loader_agree(paths: AppPaths, text: str) -> None:
    paths.config_file.write_text(text, encoding="utf-8")
    loaded = ConfigKeeper(paths.config_file, paths.data_dir).peek().settings.receiver.port
    assert configured_port(paths) == loaded


def test_a_broken_file_uses_the_last_good_copy_as_the_app_does(paths: AppPaths) -> None:
    paths.config_file.write_text("[receiver]\nport = 8976\n", encoding="utf-8")
    ConfigKeeper(paths.config_file, paths.data_dir).load()  # the app keeps a last good copy
    paths.config_file.write_text("[receiver\nport = 1\n", encoding="utf-8")
    assert configured_port(paths) == 8976
