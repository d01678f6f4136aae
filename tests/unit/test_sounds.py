"""The bundled sounds escalate for the ear: the siren that replaces the alarm is louder (ITU-R
BS.1770 integrated loudness, measured with pyloudnorm) and brighter, and it never pauses.

Seen before: the "harsher" siren measured RMS 0.46 against the alarm's 0.58, quieter than
the sound it replaced. The committed files are also checked to be what tools/make_sounds.py
makes, so the measured sound is the one that is shipped.
"""

from __future__ import annotations

import runpy
import wave
from pathlib import Path

import numpy as np
import pyloudnorm

from shiftbell.ui.sounds import sounds_dir

ROOT = Path(__file__).resolve().parents[2]
RATE = 48_000


def samples(name: str) -> np.ndarray:
    with wave.open(str(sounds_dir() / name)) as wav:
        assert (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) == (RATE, 2, 1)
        raw = wav.readframes(wav.getnframes())
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768


def looped(sound: np.ndarray, seconds: float = 6.0) -> np.ndarray:
    """As the player loops it: BS.1770 gates in 400 ms blocks, so a few seconds of it."""
    return np.tile(sound, int(np.ceil(seconds * RATE / len(sound))))


def loudness(name: str) -> float:
    return float(pyloudnorm.Meter(RATE).integrated_loudness(looped(samples(name))))


def centroid(name: str) -> float:
    sound = samples(name)
    power = np.abs(np.fft.rfft(sound)) ** 2
    return float((power * np.fft.rfftfreq(len(sound), 1 / RATE)).sum() / power.sum())


def test_the_siren_is_louder_than_the_alarm_it_replaces() -> None:
    alarm, siren = loudness("alarm.wav"), loudness("siren.wav")
    print(f"alarm {alarm:.2f} LUFS, siren {siren:.2f} LUFS")
    assert siren >= alarm + 2.0  # 2 LU: clearly louder, not a rounding difference
    assert np.sqrt(np.mean(samples("siren.wav") ** 2)) > np.sqrt(np.mean(samples("alarm.wav") ** 2))


def test_the_siren_is_brighter_than_the_alarm_and_never_pauses() -> None:
    assert centroid("siren.wav") > centroid("alarm.wav") * 1.2
    windows = looped(samples("siren.wav"), 3.0)[: 3 * RATE].reshape(-1, RATE // 100)
    assert np.sqrt(np.mean(windows**2, axis=1)).min() > 0.5  # no 10 ms window near silence


def test_the_shipped_sounds_are_what_the_generator_makes(tmp_path: Path) -> None:
    generator = runpy.run_path(str(ROOT / "tools" / "make_sounds.py"))
    generator["main"](["--out", str(tmp_path)])
    for name in ("alarm.wav", "siren.wav", "chime.wav"):
        assert (tmp_path / name).read_bytes() == (sounds_dir() / name).read_bytes(), name
