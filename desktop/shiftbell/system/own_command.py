"""How Shiftbell starts a process of its own (the alarm's sound player): `python -m MODULE`
from a checkout or a pip install; from a packaged bundle (PyInstaller), which has no `-m`,
the bundle's own program with `--run-module MODULE` (installers/launcher.py runs it)."""

from __future__ import annotations

import sys

RUN_MODULE = "--run-module"


def module_command(module: str) -> list[str]:
    if getattr(sys, "frozen", False):
        return [sys.executable, RUN_MODULE, module]
    return [sys.executable, "-m", module]
