"""Where the bundled alarm sounds are: resources/sounds/*.wav, made by tools/make_sounds.py."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from shiftbell.core.escalation import Sound


def sounds_dir() -> Path:
    """The sound files' directory: the installed package, else the source tree's resources/."""
    try:
        installed = importlib.resources.files("shiftbell.resources") / "sounds"
        # Qt needs real file paths; a zipped install has none, so it cannot be used as one.
        if isinstance(installed, Path) and installed.is_dir():
            return installed
    except ModuleNotFoundError:
        pass
    # Running from the source tree (PYTHONPATH=desktop): desktop/shiftbell/ui/sounds.py
    # sits three levels below the repo, whose resources/ is not importable.
    return Path(__file__).resolve().parents[3] / "resources" / "sounds"


def sound_path(sound: Sound, directory: Path | None = None) -> Path:
    """The .wav file of `sound` (it may not exist: see `missing_sounds`)."""
    return (directory or sounds_dir()) / f"{sound.value}.wav"


def missing_sounds(directory: Path | None = None) -> list[Sound]:
    """The sounds whose file is not there, in `Sound` order."""
    return [s for s in Sound if not sound_path(s, directory).is_file()]
