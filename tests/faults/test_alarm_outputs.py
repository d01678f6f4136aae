"""The alarm reaches the person whatever the outputs are set to, on the real app with recorded
sound: a critical alarm is heard on a muted or turned-down output, as phones override the
ringer, and the output is put back as it was once the alarm stops; and it plays on every
output at once (the speakers as well as a headset left on the desk).

Seen before: with the output muted the alarm played into silence (RMS 0.0000), and the only
sign was a problem line the sleeping person could not see. The control case below (the
setting off) shows that a muted output is indeed silent in the recording.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from tests.desktop import PulseSink, wait_until
from tests.e2e.shiftbell_app import RunningApp
from tests.e2e.test_app_end_to_end import FAST_RAMP, LOUD, SILENT
from tests.faults.helpers import HeadlessApp

pytestmark = pytest.mark.e2e


def muted(pulse_sink: PulseSink) -> bool:
    said = pulse_sink.run(["pactl", "get-sink-mute", pulse_sink.sink_name]).stdout
    return "yes" in said.lower()


def started_on_a_muted_output(
    headless_app: HeadlessApp, pulse_sink: PulseSink, config: str
) -> RunningApp:
    app = headless_app(config)
    app.start()
    pulse_sink.set_mute(True)
    wait_until(lambda: "muted" in app.problems(), 5, message="the muted output reported")
    return app


def test_a_critical_alarm_unmutes_the_output_while_it_sounds(
    headless_app: HeadlessApp, pulse_sink: PulseSink
) -> None:
    app = started_on_a_muted_output(headless_app, pulse_sink, FAST_RAMP)

    recording = pulse_sink.start_recording()
    sent_at = time.monotonic()
    app.cli("send", "Database primary down", "--severity", "critical")
    recording.wait_for_sound(LOUD, timeout=10, since=sent_at)
    assert not muted(pulse_sink)
    assert "unmuted" in app.log()

    acked_at = time.monotonic()
    app.cli("ack", "--all")
    recording.wait_for_silence(SILENT, timeout=5, since=acked_at)
    wait_until(lambda: muted(pulse_sink), 5, message="the output muted again, as it was")


def test_with_the_setting_off_a_muted_output_stays_muted_and_silent(
    headless_app: HeadlessApp, pulse_sink: PulseSink
) -> None:
    app = started_on_a_muted_output(
        headless_app, pulse_sink, FAST_RAMP + "\n[alarm]\nraise_output = false\n"
    )
    recording = pulse_sink.start_recording()
    sent_at = time.monotonic()
    app.cli("send", "Database primary down", "--severity", "critical")
    wait_until(lambda: "level" in str(app.status()), 10, message="the alert")
    # Two seconds of what should be a loud alarm: nothing reaches the output.
    assert recording.rms_between(sent_at + 1, sent_at + 3) < SILENT
    assert muted(pulse_sink)


def volume(pulse_sink: PulseSink) -> int:
    said = pulse_sink.run(["pactl", "get-sink-volume", pulse_sink.sink_name]).stdout
    return max(int(p) for p in re.findall(r"(\d+)%", said))


def test_a_turned_down_output_is_raised_for_the_alarm_and_turned_down_again(
    headless_app: HeadlessApp, pulse_sink: PulseSink
) -> None:
    app = headless_app(FAST_RAMP)
    app.start()
    pulse_sink.run(["pactl", "set-sink-volume", pulse_sink.sink_name, "10%"])
    app.cli("send", "Database primary down", "--severity", "critical")
    wait_until(lambda: volume(pulse_sink) >= 70, 10, message="the output raised")
    assert not muted(pulse_sink)
    app.cli("ack", "--all")
    wait_until(lambda: volume(pulse_sink) == 10, 5, message="the output back at 10 %")


@pytest.mark.parametrize("every_output", [True, False])
def test_the_alarm_plays_on_every_output_at_once(
    headless_app: HeadlessApp, pulse_sink: PulseSink, every_output: bool
) -> None:
    pulse_sink.add_default_sink("headset")
    pulse_sink.run(["pactl", "set-default-sink", pulse_sink.sink_name])  # speakers stay default
    app = headless_app(FAST_RAMP + f"\n[alarm]\nevery_output = {str(every_output).lower()}\n")
    app.start()
    speakers = pulse_sink.start_recording("speakers")
    headset = pulse_sink.start_recording("headset", device="headset")
    sent_at = time.monotonic()
    app.cli("send", "Database primary down", "--severity", "critical")
    heard_at = speakers.wait_for_sound(LOUD, timeout=10, since=sent_at)
    if not every_output:  # the control: only the default output hears it
        assert headset.rms_between(heard_at, heard_at + 1.5) < SILENT
        return
    headset.wait_for_sound(LOUD, timeout=10, since=sent_at)

    acked_at = time.monotonic()
    app.cli("ack", "--all")
    speakers.wait_for_silence(SILENT, timeout=5, since=acked_at)
    headset.wait_for_silence(SILENT, timeout=5, since=acked_at)


def test_the_pre_shift_check_catches_muted_speakers_and_clears_once_unmuted(
    headless_app: HeadlessApp, pulse_sink: PulseSink
) -> None:
    app = started_on_a_muted_output(headless_app, pulse_sink, "")
    said = app.cli("check", check=False)
    assert said.returncode == 1
    assert "✗ Sound:" in said.stdout and "muted" in said.stdout
    assert "Unmute or plug in the speakers" in said.stdout
    [warning] = [a for a in app.status() if a["key"] == "check:sound"]
    assert warning["severity"] == "warning" and "muted" in warning["title"]

    pulse_sink.set_mute(False)
    wait_until(lambda: "muted" not in app.problems(), 5, message="the unmuted output seen")
    again = app.cli("check", "--json", check=False)
    sound = next(i for i in json.loads(again.stdout)["items"] if i["key"] == "sound")
    assert sound["ok"] is True
    assert not [a for a in app.status() if a["key"] == "check:sound"]
