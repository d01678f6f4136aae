"""Where the bundled alarm sounds are: resources/sounds/*.wav, made by tools/make_sounds.py."""

from __future__ import annotations

from pathlib import Path

from shiftbell.core.escalation import Sound
from shiftbell.ui.resource_files import resource_dir


def sounds_dir() -> Path:
    """The sound files' directory: the installed package, else the source tree's resources/."""
    return resource_dir("sounds")


def sound_path(sound: Sound, directory: Path | None = None) -> Path:
    """The .wav file of `sound` (it may not exist: see `missing_sounds`)."""
    return (directory or sounds_dir()) / f"{sound.value}.wav"


def missing_sounds(directory: Path | None = None) -> list[Sound]:
    """The sounds whose file is not there, in `Sound` order."""
    return [s for s in Sound if not sound_path(s, directory).is_file()]
