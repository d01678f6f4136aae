"""AlarmPlayer: the speakers follow the AlarmState, observed on the real QSoundEffects.

Qt's multimedia needs a sound server to play anything (offscreen has no dummy
audio backend), and it connects to PulseAudio once per process, the first time
anything multimedia is used: a server started later is never seen. So this
module starts a private PulseAudio with a null sink (tests/desktop.py) for the
whole session and points the environment at it before the first player is built.
What reaches the sink is measured in tests/e2e/test_alarm_audio.py; here the
questions are which effect plays, at what volume, and when.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtMultimedia import QMediaDevices, QSoundEffect
from pytestqt.qtbot import QtBot
from tests.desktop import PulseSink
from tests.ui.samples import NOW, AlertFactory

from shiftbell.core.alert import Severity
from shiftbell.core.clock import FakeClock
from shiftbell.core.escalation import SILENT, AlarmState, EscalationSettings, Sound, alarm_state
from shiftbell.core.snooze import Snooze
from shiftbell.ui.alarm import TEST_ALARM_VOLUME, AlarmPlayer
from shiftbell.ui.sounds import sounds_dir

START_MS = 3000  # generous: loading a .wav and opening a stream take tens of ms


@pytest.fixture
def player(audio: PulseSink, qtbot: QtBot) -> Iterator[AlarmPlayer]:
    alarm = AlarmPlayer(test_duration_ms=400)
    yield alarm
    alarm.stop()
    alarm.deleteLater()


def effect(player: AlarmPlayer, sound: Sound) -> QSoundEffect:
    found = player.effect(sound)
    assert found is not None, f"no effect for {sound}"
    return found


def playing(player: AlarmPlayer) -> set[Sound]:
    return {s for s in Sound if effect(player, s).isPlaying()}


def wait_playing(qtbot: QtBot, player: AlarmPlayer, expected: set[Sound]) -> None:
    qtbot.waitUntil(lambda: playing(player) == expected, timeout=START_MS)


def loud(sound: Sound, volume: float) -> AlarmState:
    return AlarmState(loop_sound=sound, loop_volume=volume)


def chime_at(minutes: int, volume: float = 0.7) -> AlarmState:
    return AlarmState(chime_due=NOW + timedelta(minutes=minutes), chime_volume=volume)


def test_bundled_sounds_are_found_from_the_source_tree() -> None:
    assert sorted(p.name for p in sounds_dir().glob("*.wav")) == [
        "alarm.wav",
        "chime.wav",
        "siren.wav",
    ]


def test_a_looping_alarm_plays_forever_at_the_state_volume(
    qtbot: QtBot, player: AlarmPlayer
) -> None:
    player.apply(loud(Sound.ALARM, 0.3))

    wait_playing(qtbot, player, {Sound.ALARM})
    alarm = effect(player, Sound.ALARM)
    assert alarm.volume() == pytest.approx(0.3)
    assert alarm.loopCount() == QSoundEffect.Loop.Infinite.value
    assert player.available
    assert player.problem_text == ""


def test_the_same_sound_again_only_changes_the_volume(qtbot: QtBot, player: AlarmPlayer) -> None:
    player.apply(loud(Sound.ALARM, 0.3))
    wait_playing(qtbot, player, {Sound.ALARM})
    alarm = effect(player, Sound.ALARM)

    # A restart (stop + play) would emit playingChanged twice.
    with qtbot.assertNotEmitted(alarm.playingChanged, wait=300):
        for volume in (0.4, 0.55, 0.7, 1.0):
            player.apply(loud(Sound.ALARM, volume))

    assert alarm.isPlaying()
    assert alarm.volume() == pytest.approx(1.0)
    assert (player.loop_sound, player.loop_volume) == (Sound.ALARM, 1.0)


def test_switching_to_the_siren_stops_the_alarm(qtbot: QtBot, player: AlarmPlayer) -> None:
    player.apply(loud(Sound.ALARM, 1.0))
    wait_playing(qtbot, player, {Sound.ALARM})

    player.apply(loud(Sound.SIREN, 0.9))

    wait_playing(qtbot, player, {Sound.SIREN})
    assert effect(player, Sound.SIREN).volume() == pytest.approx(0.9)
    assert effect(player, Sound.SIREN).loopCount() == QSoundEffect.Loop.Infinite.value


@pytest.mark.parametrize(
    "quiet",
    [SILENT, AlarmState(snoozed=True)],
    ids=["nothing-audible", "all-snoozed"],
)
def test_a_silent_or_snoozed_state_silences_at_once(
    qtbot: QtBot, player: AlarmPlayer, quiet: AlarmState
) -> None:
    player.apply(loud(Sound.SIREN, 1.0))
    wait_playing(qtbot, player, {Sound.SIREN})

    player.apply(quiet)

    assert playing(player) == set()
    assert player.loop_sound is None


def test_stop_silences_everything_at_once(qtbot: QtBot, player: AlarmPlayer) -> None:
    player.apply(chime_at(0))
    player.play_loop(Sound.ALARM, 0.5)
    wait_playing(qtbot, player, {Sound.ALARM, Sound.CHIME})

    player.stop()

    assert playing(player) == set()


def test_the_chime_plays_once_per_due_time(qtbot: QtBot, player: AlarmPlayer) -> None:
    chime = effect(player, Sound.CHIME)
    player.apply(chime_at(0, volume=0.7))
    wait_playing(qtbot, player, {Sound.CHIME})
    assert chime.loopCount() == 1
    assert chime.volume() == pytest.approx(0.7)
    chime.stop()  # as if it had rung out

    # The 4 Hz tick repeats the same state: no second chime, even after a quiet spell.
    with qtbot.assertNotEmitted(chime.playingChanged, wait=300):
        player.apply(chime_at(0))
        player.apply(SILENT)
        player.apply(chime_at(0))
    assert not chime.isPlaying()

    player.apply(chime_at(1, volume=0.6))
    wait_playing(qtbot, player, {Sound.CHIME})
    assert chime.volume() == pytest.approx(0.6)


def test_a_critical_alert_escalates_from_alarm_to_siren(
    qtbot: QtBot, player: AlarmPlayer, make_alert: AlertFactory
) -> None:
    clock = FakeClock(NOW)
    alert = make_alert(1, severity=Severity.CRITICAL, age=timedelta(0))
    settings = EscalationSettings()

    player.apply(alarm_state([alert], settings, clock.now()))
    wait_playing(qtbot, player, {Sound.ALARM})
    assert effect(player, Sound.ALARM).volume() == pytest.approx(0.3)

    clock.advance(timedelta(seconds=30))
    player.apply(alarm_state([alert], settings, clock.now()))
    assert effect(player, Sound.ALARM).volume() == pytest.approx(0.65)

    clock.advance(timedelta(minutes=2))
    player.apply(alarm_state([alert], settings, clock.now()))
    wait_playing(qtbot, player, {Sound.SIREN})
    assert effect(player, Sound.SIREN).volume() == pytest.approx(1.0)

    snooze = Snooze.of([alert], clock.now() + timedelta(minutes=5))
    player.apply(alarm_state([alert], settings, clock.now(), snooze))
    assert playing(player) == set()


def test_the_test_alarm_plays_briefly_and_stops_by_itself(
    qtbot: QtBot, player: AlarmPlayer
) -> None:
    alarm = effect(player, Sound.ALARM)
    player.test_alarm()
    wait_playing(qtbot, player, {Sound.ALARM})
    assert alarm.volume() == pytest.approx(TEST_ALARM_VOLUME)
    # The controller's tick keeps saying "nothing to sound": that must not cut the test short.
    player.apply(SILENT)
    assert alarm.isPlaying()

    with qtbot.waitSignal(alarm.playingChanged, timeout=START_MS):
        pass  # test_duration_ms=400 in the fixture

    assert not alarm.isPlaying()
    assert not player.testing


def test_a_real_alarm_takes_over_from_the_test_and_is_not_ended_by_it(
    qtbot: QtBot, player: AlarmPlayer
) -> None:
    alarm = effect(player, Sound.ALARM)
    player.test_alarm()
    wait_playing(qtbot, player, {Sound.ALARM})

    player.apply(loud(Sound.ALARM, 0.8))

    # Well past the test's 400 ms: the real alarm goes on.
    with qtbot.assertNotEmitted(alarm.playingChanged, wait=700):
        pass
    assert alarm.isPlaying()
    assert alarm.volume() == pytest.approx(0.8)


def test_the_test_alarm_does_not_disturb_a_real_alarm(qtbot: QtBot, player: AlarmPlayer) -> None:
    player.apply(loud(Sound.SIREN, 1.0))
    wait_playing(qtbot, player, {Sound.SIREN})

    player.test_alarm()

    assert not player.testing
    with qtbot.assertNotEmitted(effect(player, Sound.SIREN).playingChanged, wait=700):
        pass
    assert playing(player) == {Sound.SIREN}
    assert effect(player, Sound.SIREN).volume() == pytest.approx(1.0)


def test_missing_sound_files_are_a_problem_and_the_rest_still_plays(
    qtbot: QtBot, audio: PulseSink, tmp_path: Path
) -> None:
    shutil.copy(sounds_dir() / "alarm.wav", tmp_path / "alarm.wav")
    player = AlarmPlayer(sounds=tmp_path)
    try:
        with qtbot.waitSignal(player.problem, timeout=START_MS) as blocker:
            pass
        [text] = blocker.args
        assert "chime.wav" in text and "siren.wav" in text and str(tmp_path) in text
        assert "alarm.wav" not in text
        assert not player.available

        player.apply(loud(Sound.SIREN, 1.0))  # no file: nothing plays, nothing breaks
        player.apply(loud(Sound.ALARM, 1.0))
        qtbot.waitUntil(effect(player, Sound.ALARM).isPlaying, timeout=START_MS)
        assert player.effect(Sound.SIREN) is None
    finally:
        player.stop()
        player.deleteLater()


def test_an_unknown_output_device_setting_falls_back_to_the_default(
    qtbot: QtBot, audio: PulseSink
) -> None:
    player = AlarmPlayer(output_device="Headset that is not plugged in")
    try:
        player.apply(loud(Sound.ALARM, 0.5))
        qtbot.waitUntil(effect(player, Sound.ALARM).isPlaying, timeout=START_MS)
        assert effect(player, Sound.ALARM).audioDevice() == QMediaDevices.defaultAudioOutput()
        assert player.available
    finally:
        player.stop()
        player.deleteLater()
