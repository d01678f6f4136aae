"""Helpers of the fault tests that are not fixtures."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from tests.desktop import in_ci
from tests.e2e.shiftbell_app import RunningApp

# headless_app (conftest.py): makes the real app, headless; `make(config, env)`.
HeadlessApp = Callable[..., RunningApp]


def mount_tmpfs(directory: Path, options: str) -> Iterator[Path]:
    """A small file system of the test's own (a full or read-only disk); root only."""
    if os.geteuid() != 0:
        message = "mounting a tmpfs needs root"
        if in_ci():
            pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
        pytest.skip(message)
    directory.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(directory)], check=True)
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)
