"""The alarm's speakers: makes what is heard match an `AlarmState`, several times a second.

The escalation policy (core.escalation) decides what should sound; this module
only plays it. It is deliberately forgiving about being told the same thing
again and again: the controller's 4 Hz timer calls `apply` with the current
state, and only a change of sound restarts anything, so a volume ramp is a
series of cheap `setVolume` calls on a sound that keeps playing.

No sound is a problem the person must see, not a log line: with no output
device, a missing sound file or a device that refuses to play, `problem`
carries a message for the tray and the window, and notifications go on.
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtMultimedia import QAudioDevice, QMediaDevices, QSoundEffect

from shiftbell.core.escalation import AlarmState, Sound
from shiftbell.system.problem_log import ProblemLog
from shiftbell.ui.sounds import missing_sounds, sound_path, sounds_dir

log = logging.getLogger(__name__)

NO_DEVICE = "No audio output device: the alarm cannot sound. Notifications go on."
TEST_ALARM_MS = 3000
TEST_ALARM_VOLUME = 0.5
OUTPUTS_SETTLE_MS = 200

# WORKAROUND: in PySide6 6.12 setLoopCount(QSoundEffect.Infinite) raises TypeError;
# the enum member's int value is accepted (see /work/shared/TESTING.md, "Gotchas").
_LOOP_FOREVER = QSoundEffect.Loop.Infinite.value


class AlarmPlayer(QObject):
    """One QSoundEffect per bundled sound, driven by `apply(AlarmState)`.

    Measured on PulseAudio (tests/e2e/test_alarm_audio.py): `stop` silences the
    output within one 10 ms measurement window, so no extra muting is needed to
    meet the 200 ms promise; `setVolume` is linear in amplitude.

    Signals:
        problem(str): why the alarm cannot sound, as a sentence for the person;
            "" once it can sound again. Emitted only when the text changes.

    Attributes:
        loop_sound: the looping sound that should be heard now, or None.
        loop_volume: its volume, 0..1 (linear amplitude).
        testing: a test alarm is sounding (it ends by itself).
    """

    problem = Signal(str)

    def __init__(
        self,
        output_device: str = "",
        parent: QObject | None = None,
        *,
        sounds: Path | None = None,
        test_duration_ms: int = TEST_ALARM_MS,
        every_output: bool = False,
    ) -> None:
        """`output_device` is a device's description or id as Qt lists it; "" means the default.

        `sounds` is the directory of the .wav files (default: the bundled ones).
        `every_output`: a looping sound also plays on every other output (the speakers as
        well as a headset left on the desk); the chime stays on the one.
        """
        super().__init__(parent)
        self._sounds_dir = sounds if sounds is not None else sounds_dir()
        self._wanted_device = output_device.strip()
        self._warned_device_missing = False
        self._device: QAudioDevice | None = None
        self._effects: dict[Sound, QSoundEffect] = {}
        self._every_output = every_output
        # The looping sounds again on each other output (every_output).
        self._echoes: dict[Sound, list[QSoundEffect]] = {}
        self._problem = ProblemLog(log, "alarm", "alarm: sound works again", logging.WARNING)
        self.loop_sound: Sound | None = None
        self.loop_volume = 0.0
        self.testing = False
        self._last_chime_due: datetime | None = None

        self._test_timer = QTimer(self)
        self._test_timer.setSingleShot(True)
        self._test_timer.setInterval(test_duration_ms)
        self._test_timer.timeout.connect(self._end_test)

        # Device changes come in bursts (several signals for one plug-in): handle the
        # last one only, once things have settled.
        self._outputs_settle = QTimer(self)
        self._outputs_settle.setSingleShot(True)
        self._outputs_settle.setInterval(OUTPUTS_SETTLE_MS)
        self._outputs_settle.timeout.connect(self._on_outputs_changed)
        self._media_devices = QMediaDevices(self)
        self._media_devices.audioOutputsChanged.connect(self._outputs_settle.start)
        self._build_effects(self._pick_device())
        # Whoever wants `problem` connects after construction: report from the event loop.
        QTimer.singleShot(0, self._check_health)

    # -- what the app calls ------------------------------------------------------------------

    def apply(self, state: AlarmState) -> None:
        """Make the speakers match `state`; cheap when nothing changed (called at 4 Hz)."""
        if not state.audible:
            # A test alarm asked for by the person keeps going: "nothing to sound" is
            # the normal state it was started in, not a reason to cut it short.
            if not self.testing:
                self._silence()
            return
        if state.loop_sound is not None:
            self.play_loop(state.loop_sound, state.loop_volume)
        elif self.loop_sound is not None and not self.testing:
            self._stop_loop()
        if state.chime_due is not None and state.chime_due != self._last_chime_due:
            # Remembered across silent stretches, so one due time never chimes twice.
            self._last_chime_due = state.chime_due
            self.play_once(Sound.CHIME, state.chime_volume)

    def play_loop(self, sound: Sound, volume: float) -> None:
        """Loop `sound` at `volume`; the same sound again only changes the volume."""
        self._cancel_test()
        self._loop(sound, volume)

    def play_once(self, sound: Sound, volume: float) -> None:
        """Play `sound` once (the chime), from the start even if it is still ringing."""
        if sound is self.loop_sound:
            return  # already heard, looping; restarting it would only make it stutter
        effect = self._effects.get(sound)
        if effect is None:
            log.warning("cannot play %s: its sound file is missing", sound.value)
            return
        effect.setLoopCount(1)
        effect.setVolume(_clamp(volume))
        effect.play()

    def stop(self) -> None:
        """Silence everything now, including a test alarm."""
        self._cancel_test()
        self._silence()

    def test_alarm(self) -> None:
        """Sound the alarm at a moderate volume for a few seconds, unless a real one is on."""
        if self.loop_sound is not None and not self.testing:
            log.info("test alarm skipped: the alarm is already sounding for a real alert")
            return
        self.testing = True
        self._loop(Sound.ALARM, TEST_ALARM_VOLUME)
        self._test_timer.start()

    @property
    def available(self) -> bool:
        """Whether every sound can play on an output device, as far as is known now."""
        return not self._diagnose()

    @property
    def device_description(self) -> str:
        """The output the sounds play on, as Qt describes it; "" when there is none."""
        return self._device.description() if self._device is not None else ""

    @property
    def problem_text(self) -> str:
        """The current problem, "" if none (the last value `problem` carried)."""
        return self._problem.text

    def effect(self, sound: Sound) -> QSoundEffect | None:
        """The effect that plays `sound` (None if its file is missing); for inspection."""
        return self._effects.get(sound)

    # -- playing -----------------------------------------------------------------------------

    def _loop(self, sound: Sound, volume: float) -> None:
        volume = _clamp(volume)
        effect = self._effects.get(sound)
        if sound is self.loop_sound:
            self.loop_volume = volume
            for playing in [effect, *self._echoes.get(sound, [])]:
                if playing is not None:
                    playing.setVolume(volume)
            return
        if self.loop_sound is not None:
            self._stop_effect(self.loop_sound)
        self.loop_sound = sound
        self.loop_volume = volume
        for echo in self._echoes.get(sound, []):
            self._start_effect(echo, volume)
        if effect is None:
            log.warning("cannot play %s: its sound file is missing", sound.value)
            return
        self._start_effect(effect, volume)

    @staticmethod
    def _start_effect(effect: QSoundEffect, volume: float) -> None:
        effect.setLoopCount(_LOOP_FOREVER)
        effect.setVolume(volume)
        # Played while still loading, Qt starts it as soon as it is loaded.
        effect.play()

    def _stop_effect(self, sound: Sound) -> None:
        effect = self._effects.get(sound)
        if effect is not None:
            effect.stop()
        for echo in self._echoes.get(sound, []):
            echo.stop()

    def _stop_loop(self) -> None:
        if self.loop_sound is not None:
            self._stop_effect(self.loop_sound)
        self.loop_sound = None
        self.loop_volume = 0.0

    def _silence(self) -> None:
        self._stop_loop()
        for effect in self._effects.values():
            effect.stop()

    def _cancel_test(self) -> None:
        self._test_timer.stop()
        self.testing = False

    def _end_test(self) -> None:
        if self.testing:
            self.testing = False
            self._stop_loop()

    # -- devices and health ------------------------------------------------------------------

    def _pick_device(self) -> QAudioDevice | None:
        outputs = QMediaDevices.audioOutputs()
        if not outputs:
            return None
        if self._wanted_device:
            for device in outputs:
                if self._wanted_device in (device.description(), _device_id(device)):
                    self._warned_device_missing = False
                    return device
            if not self._warned_device_missing:
                self._warned_device_missing = True
                log.warning(
                    "audio output %r (settings: alarm.output_device) is not there; "
                    "the alarm uses the default output instead",
                    self._wanted_device,
                )
        default = QMediaDevices.defaultAudioOutput()
        return default if not default.isNull() else outputs[0]

    def _build_effects(self, device: QAudioDevice | None) -> None:
        """(Re)create the effects on `device`; a looping sound carries on from the start."""
        echoes = [echo for found in self._echoes.values() for echo in found]
        for effect in [*self._effects.values(), *echoes]:
            effect.stop()
            effect.deleteLater()
        self._effects.clear()
        self._echoes.clear()
        self._device = device
        for sound in Sound:
            path = sound_path(sound, self._sounds_dir)
            if not path.is_file():
                continue
            effect = QSoundEffect(self)
            if device is not None:
                effect.setAudioDevice(device)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.statusChanged.connect(self._check_health)
            self._effects[sound] = effect
            if self._every_output and sound is not Sound.CHIME:
                self._echoes[sound] = [
                    self._echo(path, other) for other in self._other_outputs(device)
                ]
        if self.loop_sound is not None and self.loop_sound in self._effects:
            for effect in [self._effects[self.loop_sound], *self._echoes.get(self.loop_sound, [])]:
                self._start_effect(effect, self.loop_volume)

    @staticmethod
    def _other_outputs(device: QAudioDevice | None) -> list[QAudioDevice]:
        taken = _device_id(device) if device is not None else ""
        return [d for d in QMediaDevices.audioOutputs() if _device_id(d) != taken]

    def _echo(self, path: Path, device: QAudioDevice) -> QSoundEffect:
        echo = QSoundEffect(self)
        echo.setAudioDevice(device)
        echo.setSource(QUrl.fromLocalFile(str(path)))
        return echo

    def _on_outputs_changed(self) -> None:
        # Always rebuilt, even for the "same" device: seen with PulseAudio, a sink that
        # went away and came back under the same name leaves the old effect believing
        # it plays into a stream the server has dropped.
        device = self._pick_device()
        log.info(
            "audio outputs changed; the alarm plays on %s",
            device.description() if device is not None else "nothing",
        )
        self._build_effects(device)
        self._check_health()

    def _check_health(self) -> None:
        self._set_problem(self._diagnose())

    def _diagnose(self) -> str:
        if self._device is None:
            return NO_DEVICE
        missing = missing_sounds(self._sounds_dir)
        if missing:
            names = ", ".join(f"{s.value}.wav" for s in missing)
            return (
                f"Alarm sound file missing ({names} in {self._sounds_dir}): "
                "those sounds cannot play. Notifications go on."
            )
        for sound, effect in self._effects.items():
            if effect.status() is QSoundEffect.Status.Error:
                return (
                    f"The {sound.value} sound cannot be played on {self._device.description()}: "
                    "the alarm may not sound. Notifications go on."
                )
        return ""

    def _set_problem(self, text: str) -> None:
        if self._problem.set(text):
            self.problem.emit(text)


def _clamp(volume: float) -> float:
    return min(max(volume, 0.0), 1.0)


def _device_id(device: QAudioDevice) -> str:
    return bytes(device.id().data()).decode("utf-8", "replace")
