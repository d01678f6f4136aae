"""Where Shiftbell's own files (icons, sounds) are, installed or in a checkout."""

from __future__ import annotations

import importlib.resources
import sys
from pathlib import Path


def resource_dir(name: str) -> Path:
    """The resources' folder `name` ("icons", "sounds"): the installed package's, else the
    source tree's resources/, or a PyInstaller bundle's (installers/shiftbell.spec)."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "shiftbell" / "resources" / name
    try:
        installed = importlib.resources.files("shiftbell.resources") / name
        # Qt needs real file paths; a zipped install has none, so it cannot be used as one.
        if isinstance(installed, Path) and installed.is_dir():
            return installed
    except ModuleNotFoundError:
        pass
    # Running from the source tree (PYTHONPATH=desktop): desktop/shiftbell/ui/resource_files.py
    # sits three levels below the repo, whose resources/ is not importable.
    return Path(__file__).resolve().parents[3] / "resources" / name
