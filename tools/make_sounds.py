"""Generate Shiftbell's bundled alarm sounds into ``resources/sounds/``.

Why generated and not recorded: the sounds ship inside the app and its
installers, so they must be free of third-party licences and provenance
questions. Synthesising them from a few lines of stdlib code (``wave``,
``math``, ``array``) makes them ours, reproducible byte for byte, and easy to
retune; the .wav files are still committed so that a build needs no extra step.

Properties the app and its tests rely on:

- 48000 Hz, 16-bit, mono, peak at about -1 dBFS. The alarm scales volume from
  30 % to 100 %, so the files themselves must use the full range.
- ``alarm.wav`` and ``siren.wav`` loop seamlessly (they start and end on a zero
  crossing with a continuous phase, so there is no click at the loop point) and
  have a steady loudness: the RMS over any 0.5 s window of the looped sound is
  the same, which lets the end-to-end tests see the volume ramp as rising RMS.
- ``chime.wav`` is a single decaying two-tone "ding-dong" for warnings.

Run ``python tools/make_sounds.py`` (optionally ``--out DIR``) from the repo root.
"""

from __future__ import annotations

import argparse
import math
import sys
import wave
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path

RATE = 48_000
PEAK_DBFS = -1.0
FULL_SCALE = 32767

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "resources" / "sounds"


def _normalise(samples: Sequence[float], peak_dbfs: float = PEAK_DBFS) -> array[int]:
    """Scale float samples so the loudest one sits at ``peak_dbfs`` and quantise to int16."""
    peak = max(abs(s) for s in samples)
    if peak == 0:
        raise ValueError("cannot normalise silence")
    gain = (10 ** (peak_dbfs / 20) * FULL_SCALE) / peak
    return array("h", (round(s * gain) for s in samples))


def _write_wav(path: Path, pcm: array[int]) -> None:
    """Write mono 16-bit little-endian PCM; ``array`` is native-endian, so swap on big-endian."""
    if sys.byteorder != "little":
        pcm = array("h", pcm)
        pcm.byteswap()
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(pcm.tobytes())


def _fade(n: int, i: int, fade: int) -> float:
    """Raised-cosine fade-in/out gain for sample ``i`` of ``n`` (no clicks at the edges)."""
    if i < fade:
        return 0.5 - 0.5 * math.cos(math.pi * i / fade)
    if i >= n - fade:
        return 0.5 - 0.5 * math.cos(math.pi * (n - 1 - i) / fade)
    return 1.0


def chime() -> list[float]:
    """A two-tone bell "ding-dong" (G5 then E5), about 1.2 s, decaying to silence.

    Each note is a few bell-like partials; higher partials die faster, which is
    what makes a struck bell sound soft instead of buzzy.
    """
    duration = 1.2
    n = round(duration * RATE)
    out = [0.0] * n
    # (start s, fundamental Hz, level)
    notes = [(0.0, 783.99, 1.0), (0.38, 659.26, 0.9)]
    # (frequency ratio, amplitude, decay time constant s)
    partials = [(1.0, 1.0, 0.45), (2.0, 0.35, 0.25), (3.0, 0.12, 0.15), (4.16, 0.06, 0.08)]
    attack = round(0.004 * RATE)
    for start_s, f0, level in notes:
        start = round(start_s * RATE)
        for i in range(n - start):
            t = i / RATE
            a = level * (min(1.0, i / attack))
            s = 0.0
            for ratio, amp, tau in partials:
                s += amp * math.exp(-t / tau) * math.sin(2 * math.pi * f0 * ratio * t)
            out[start + i] += a * s
    tail = round(0.08 * RATE)
    for i in range(n - tail, n):
        out[i] *= _fade(n, i, tail)
    return out


def _square(phase: float, harmonics: int) -> float:
    """Band-limited square wave (odd harmonics only): piercing but alias-free."""
    return sum(math.sin(k * phase) / k for k in range(1, 2 * harmonics, 2))


def _saw(phase: float, harmonics: int) -> float:
    """Band-limited sawtooth (all harmonics): harsher than the square."""
    return sum(math.sin(k * phase) / k for k in range(1, harmonics + 1))


def alarm() -> list[float]:
    """An urgent beeping alarm, a 1.0 s loop of four 0.25 s cells (beep + gap).

    The beep pattern repeats every 0.25 s with the same envelope and the same
    RMS in every cell, so any 0.5 s window (two whole cells) of the looped
    sound has the same RMS, whatever its phase. Each beep fades in and out over
    4 ms and the loop point falls in a gap, so looping is click-free.
    """
    cell = RATE // 4
    beep = round(0.16 * RATE)
    fade = round(0.004 * RATE)
    pitches = [1046.5, 1318.5, 1046.5, 1318.5]  # C6, E6: a two-note "bee-bah"
    out: list[float] = []
    for f in pitches:
        for i in range(cell):
            if i < beep:
                phase = 2 * math.pi * f * i / RATE
                out.append(_fade(beep, i, fade) * _square(phase, 4))
            else:
                out.append(0.0)
    return out


def siren() -> list[float]:
    """A harsh siren sweeping 650 -> 1350 -> 650 Hz, a 1.5 s seamless loop.

    It replaces the alarm when nobody reacted, so it must be louder and harsher than the
    alarm, not only different: two sawtooths a semitone apart (6 %: they beat some 60
    times a second, which the ear hears as roughness) driven into saturation (``tanh``),
    so the RMS sits close to the peak, the spectrum is brighter than the alarm's, and it
    never pauses where the alarm's beeps do. tests/unit/test_sounds.py measures it against
    the alarm (ITU-R BS.1770 loudness, spectral centroid).

    The pitch follows a cosine, so the phase integral over the loop is exactly
    ``centre * period`` = 1500 whole cycles (1590 for the upper voice): the waveform at the
    end continues into the start with no discontinuity. Amplitude and timbre are constant,
    so the RMS over any 0.5 s window is constant too.
    """
    period = 1.5
    centre, depth = 1000.0, 350.0
    semitone, drive, harmonics = 1.06, 4.0, 14  # 14 x 1350 Hz x 1.06 stays under 24 kHz
    n = round(period * RATE)
    out: list[float] = []
    low = high = 0.0
    for i in range(n):
        voices = 0.5 * (_saw(low, harmonics) + _saw(high, harmonics))
        out.append(math.tanh(drive * voices))
        f = centre - depth * math.cos(2 * math.pi * i / n)
        low += 2 * math.pi * f / RATE
        high += 2 * math.pi * f * semitone / RATE
    return out


SOUNDS: dict[str, Callable[[], list[float]]] = {
    "chime.wav": chime,
    "alarm.wav": alarm,
    "siren.wav": siren,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Generate every sound into ``--out`` (default: resources/sounds next to this script)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    args = parser.parse_args(argv)
    for name, make in SOUNDS.items():
        pcm = _normalise(make())
        path = args.out / name
        _write_wav(path, pcm)
        print(f"{path}: {len(pcm) / RATE:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
