"""A real, throw-away desktop and a measurable sound card for end-to-end tests.

Why: Shiftbell's promises are about what a person on call sees and hears -- an
icon in the tray, a notification with a working Acknowledge button, an alarm
that gets louder. Offscreen Qt cannot show any of that (no tray, no D-Bus
notifications, no audio), so the e2e tests run the real app against real
components and observe them from the outside:

- :class:`VirtualDesktop`: Xvfb, the openbox window manager, the ``trayer``
  XEmbed system tray, a private D-Bus session bus, the ``dunst`` notification
  daemon and ``dbus-monitor`` logging every notification call.
- :class:`PulseSink`: a private PulseAudio server with a null sink whose
  monitor is recorded by :class:`Recorder`, so loudness can be measured as RMS
  over time.

Everything is private to one instance (own display number, own bus, own
runtime dir, nothing activated by D-Bus behind our back) and everything
started is stopped on exit: each child runs in its own process group, gets
SIGTERM, then SIGKILL after a deadline, and is reaped.

This module is plain Python (no Qt import): the app under test runs as a child
process with :attr:`VirtualDesktop.env`.

Clocks: sample times (:attr:`Recorder.started_at`, :meth:`Recorder.rms_between`,
the values returned by the ``wait_for_*`` methods) are ``time.monotonic()``.
On Linux that is CLOCK_MONOTONIC, shared by all processes, so a child process
can print ``time.monotonic()`` and the test can compare it with the recording.
The dbus-monitor log instead carries wall-clock ``time.time()`` stamps
(:attr:`NotifyCall.time`).
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

#: Environment variables of the developer's real session that must not leak into
#: the virtual one (a child could otherwise talk to the real display, bus or sound).
_FOREIGN_ENV = (
    "DISPLAY",
    "WAYLAND_DISPLAY",
    "XAUTHORITY",
    "DBUS_SESSION_BUS_ADDRESS",
    "PULSE_SERVER",
    "PULSE_SINK",
    "PULSE_SOURCE",
    "PULSE_COOKIE",
    "PULSE_CLIENTCONFIG",
    "QT_QPA_PLATFORM",
    "QT_QPA_PLATFORMTHEME",
    "XDG_SESSION_TYPE",
    "XDG_CURRENT_DESKTOP",
    "SESSION_MANAGER",
)


# --------------------------------------------------------------------------- helpers


def in_ci() -> bool:
    """True when the ``CI`` environment variable is set (to anything but "", "0", "false")."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_tools(*names: str) -> None:
    """Skip the test if a command is missing -- or fail it on CI.

    A developer without Xvfb should still be able to run the unit tests, but on
    CI a missing tool must not silently turn the e2e suite into skips.
    """
    missing = [name for name in names if shutil.which(name) is None]
    if not missing:
        return
    message = f"missing tools for e2e tests: {', '.join(missing)}"
    if in_ci():
        pytest.fail(message + " (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


def wait_until(
    condition: Callable[[], T | None],
    timeout: float,
    *,
    interval: float = 0.02,
    message: str = "condition",
) -> T:
    """Poll ``condition`` until it returns something truthy, and return that.

    The waiting primitive of the whole module: tests never sleep for a fixed
    time, they wait for the thing they need, with a deadline that turns a hang
    into a clear ``TimeoutError``.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.1f} s waiting for {message}")
        time.sleep(interval)


def _tail(path: Path, lines: int = 20) -> str:
    """The last lines of a log file, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


class _Child:
    """One started process: own process group, output in a log file, reliable stop.

    ``start_new_session`` puts the child in its own process group so stopping it
    also stops anything it spawned (dunst runs its dmenu command, for example).
    """

    def __init__(
        self,
        name: str,
        args: Sequence[str],
        env: Mapping[str, str],
        log_dir: Path,
        *,
        stdout: Path | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.args = list(args)
        self.log = log_dir / f"{name}.log"
        self.stdout_path = stdout or self.log
        with contextlib.ExitStack() as files:
            err = files.enter_context(self.log.open("ab"))
            out = err if stdout is None else files.enter_context(stdout.open("ab"))
            self.proc = subprocess.Popen(
                self.args,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                cwd=cwd,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        """The child's pid, which is also its process group id."""
        return self.proc.pid

    def alive(self) -> bool:
        """Whether it still runs (reaps it if it has exited)."""
        return self.proc.poll() is None

    def check_alive(self) -> None:
        """Raise with the log tail if the process died: a dead helper never becomes ready."""
        if not self.alive():
            raise RuntimeError(
                f"{self.name} exited with {self.proc.returncode}: {' '.join(self.args)}\n"
                f"{_tail(self.log)}"
            )

    def stop(self, timeout: float = 3.0) -> None:
        """SIGTERM the process group, SIGKILL it after ``timeout``, and reap the leader."""
        if self.proc.returncode is not None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.proc.wait(timeout)
        # Grandchildren that ignored SIGTERM die with the group.
        self._signal_group(signal.SIGKILL)

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)


def _dump_logs(log_dir: Path, lines: int = 30) -> str:
    """The tail of every log in ``log_dir``, for the report of a failed test."""
    parts = []
    for log in sorted(log_dir.glob("*.log")):
        parts.append(f"--- {log.name} ---\n{_tail(log, lines)}")
    return "\n".join(parts)


def _clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    for key in _FOREIGN_ENV:
        env.pop(key, None)
    return env


# --------------------------------------------------------------------------- audio


class Recorder:
    """Records the null sink's monitor with ``parec`` into a raw file and measures it.

    Mono, 48 kHz, s16le, ``--raw`` (parec's WAV mode drops the first second) and
    a 20 ms latency so the file grows smoothly and polling sees sound promptly.
    Sample ``i`` was played at about ``started_at + i / rate`` (monotonic clock),
    accurate to roughly the recording latency (tens of ms).
    """

    def __init__(self, sink: PulseSink, name: str = "rec", device: str = "") -> None:
        self.rate = PulseSink.RATE
        self.path = sink.tmpdir / f"{name}.raw"
        self.path.write_bytes(b"")
        self._child = _Child(
            f"parec-{name}",
            [
                "parec",
                f"--device={device or sink.sink_name}.monitor",
                f"--rate={self.rate}",
                "--channels=1",
                "--format=s16le",
                "--raw",
                "--latency-msec=20",
                str(self.path),
            ],
            sink.child_env(),
            sink.log_dir,
        )
        # The first bytes tell when recording really began: back-date the moment
        # they were seen by their own duration.
        size = wait_until(self._size_or_dead, 10.0, interval=0.002, message="parec's first samples")
        seen = time.monotonic()
        self.started_at = seen - (size // 2) / self.rate

    def _size_or_dead(self) -> int:
        self._child.check_alive()
        return self.path.stat().st_size

    def stop(self) -> None:
        """Stop parec; the samples recorded so far stay readable."""
        self._child.stop()

    # -- reading

    def samples(self) -> array[int]:
        """All whole samples recorded so far (int16, native order as parec wrote s16le)."""
        data = self.path.read_bytes()
        pcm = array("h")
        pcm.frombytes(data[: len(data) // 2 * 2])
        if sys.byteorder != "little":
            pcm.byteswap()
        return pcm

    def duration(self) -> float:
        """Seconds of audio recorded so far."""
        return (self.path.stat().st_size // 2) / self.rate

    def now_index(self) -> int:
        """Number of samples recorded so far."""
        return self.path.stat().st_size // 2

    def time_of(self, index: int) -> float:
        """Monotonic time at which sample ``index`` was played."""
        return self.started_at + index / self.rate

    def index_of(self, t: float) -> int:
        """Sample index played at monotonic time ``t`` (may be negative or in the future)."""
        return round((t - self.started_at) * self.rate)

    @staticmethod
    def rms(pcm: Sequence[int]) -> float:
        """RMS of int16 samples as a fraction of full scale (0..1; a full-scale sine is 0.707)."""
        if not pcm:
            return 0.0
        return math.sqrt(sum(s * s for s in pcm) / len(pcm)) / 32768.0

    def rms_windows(self, window_s: float = 0.5) -> list[float]:
        """RMS of each consecutive whole ``window_s`` window since the recording started."""
        pcm = self.samples()
        n = max(1, round(window_s * self.rate))
        return [self.rms(pcm[i : i + n]) for i in range(0, len(pcm) - n + 1, n)]

    def rms_between(self, t0: float, t1: float, timeout: float = 5.0) -> float:
        """RMS between monotonic times ``t0`` and ``t1``, waiting until ``t1`` is recorded."""
        if t1 <= t0:
            raise ValueError("t1 must be after t0")
        i0, i1 = max(0, self.index_of(t0)), self.index_of(t1)
        wait_until(
            lambda: self.now_index() >= i1,
            max(timeout, t1 - time.monotonic() + timeout),
            message=f"recording to reach t={t1:.3f}",
        )
        return self.rms(self.samples()[i0:i1])

    def _scan(
        self,
        loud: bool,
        threshold: float,
        timeout: float,
        since: float | None,
        window_s: float,
        hold_s: float,
    ) -> float:
        """Find the first run of ``hold_s`` seconds whose windows are all loud (or quiet)."""
        n = max(1, round(window_s * self.rate))
        need = max(1, math.ceil(hold_s / window_s))
        pos = 0 if since is None else max(0, self.index_of(since))
        run_start: int | None = None
        run_len = 0
        deadline = time.monotonic() + timeout
        while True:
            pcm = self.samples()
            while pos + n <= len(pcm):
                value = self.rms(pcm[pos : pos + n])
                if (value >= threshold) == loud:
                    if run_start is None:
                        run_start, run_len = pos, 0
                    run_len += 1
                    if run_len >= need:
                        return self.time_of(run_start)
                else:
                    run_start = None
                pos += n
            if time.monotonic() >= deadline:
                what = "sound" if loud else "silence"
                recent = self.rms(pcm[-n:]) if pcm else 0.0
                raise TimeoutError(
                    f"no {what} (threshold {threshold}) within {timeout:.1f} s;"
                    f" last window RMS {recent:.4f}"
                )
            time.sleep(0.01)

    def wait_for_sound(
        self,
        threshold: float = 0.02,
        timeout: float = 10.0,
        *,
        since: float | None = None,
        window_s: float = 0.05,
    ) -> float:
        """Wait until a ``window_s`` window is at least ``threshold`` RMS; return when it began.

        ``since`` (monotonic) ignores anything earlier; by default the whole
        recording counts.
        """
        return self._scan(True, threshold, timeout, since, window_s, window_s)

    def wait_for_silence(
        self,
        threshold: float = 0.005,
        timeout: float = 10.0,
        *,
        since: float | None = None,
        window_s: float = 0.05,
        hold_s: float = 0.3,
    ) -> float:
        """Wait for ``hold_s`` of continuous quiet; return the monotonic time it began.

        The hold matters: the alarm's own gaps between beeps are short silences
        that must not count as "the alarm stopped".
        """
        return self._scan(False, threshold, timeout, since, window_s, hold_s)


class PulseSink:
    """A private PulseAudio server whose only output is a null sink we can record.

    PulseAudio runs in the foreground as our child (``--daemonize=no``), not
    with ``-D``, so it can be stopped like any other child; running it as root
    only logs a warning. It gets its own runtime dir, HOME and config dirs, an
    anonymous-auth socket (clients need no cookie) and ``-n`` (no default.pa,
    so no hardware, no module-suspend-on-idle). ``env`` points clients at it,
    with autospawn disabled so a client can never start a second server.
    """

    RATE = 48_000
    TOOLS = ("pulseaudio", "pactl", "pacat", "parec")

    def __init__(self, *, sink_name: str = "test_sink", start_timeout: float = 10.0) -> None:
        self.sink_name = sink_name
        self.start_timeout = start_timeout
        self.tmpdir = Path(tempfile.mkdtemp(prefix="shiftbell-pulse-"))
        self.runtime_dir = self.tmpdir / "runtime"
        self.log_dir = self.tmpdir / "logs"
        self.socket = self.runtime_dir / "pulse" / "native"
        self.env: dict[str, str] = {}
        self._children: list[_Child] = []
        self._recorders: list[Recorder] = []
        self._starts = 0

    # -- lifecycle

    def __enter__(self) -> PulseSink:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server, the null sink and the keep-alive stream; return when usable."""
        # exist_ok: `restart_server` starts it again in the same places, as a user's
        # session would (same socket path, same sink name).
        self.runtime_dir.mkdir(mode=0o700, exist_ok=True)
        self.log_dir.mkdir(exist_ok=True)
        home = self.tmpdir / "home"
        home.mkdir(exist_ok=True)
        client_conf = self.tmpdir / "client.conf"
        client_conf.write_text("autospawn = no\n")
        self.env = {
            "XDG_RUNTIME_DIR": str(self.runtime_dir),
            "PULSE_SERVER": f"unix:{self.socket}",
            "PULSE_CLIENTCONFIG": str(client_conf),
        }
        client_env = {**_clean_env(), **self.env}
        server_env = {
            **client_env,
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_STATE_HOME": str(home / ".state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
        }
        server_env.pop("PULSE_SERVER")
        server = self._spawn(
            f"pulseaudio-{self._starts}",
            [
                "pulseaudio",
                "-n",
                "--daemonize=no",
                "--use-pid-file=no",
                "--exit-idle-time=-1",
                "--disallow-exit",
                "--realtime=no",
                "--high-priority=no",
                "--log-target=stderr",
                f"--load=module-native-protocol-unix auth-anonymous=1 socket={self.socket}",
                f"--load=module-null-sink sink_name={self.sink_name} rate={self.RATE} channels=2",
            ],
            server_env,
        )

        def answers() -> bool:
            server.check_alive()
            return self.run(["pactl", "info"], check=False).returncode == 0

        wait_until(answers, self.start_timeout, interval=0.05, message="pulseaudio to answer")
        self.run(["pactl", "set-default-sink", self.sink_name])
        # The null sink's monitor yields samples only while the sink is running,
        # so a silent stream keeps it running for the whole session.
        self._start_keeper(client_env)
        # The null sink renders its first block at its maximum latency (2 s), so
        # its monitor delivers nothing for the first 2 s after loading. Suspend
        # and resume restart its clock with the keeper's 50 ms latency instead.
        self.run(["pactl", "suspend-sink", self.sink_name, "1"])
        self.run(["pactl", "suspend-sink", self.sink_name, "0"])
        # Ready means recordable: a probe recording must get samples.
        probe = Recorder(self, f"probe-{self._starts}")
        probe.stop()
        probe.path.unlink()
        self._starts += 1

    def _start_keeper(self, client_env: Mapping[str, str]) -> None:
        keeper = self._spawn(
            f"pacat-keeper-{self._starts}-{len(self._children)}",
            [
                "pacat",
                "--playback",
                f"--device={self.sink_name}",
                "--raw",
                "--format=s16le",
                f"--rate={self.RATE}",
                "--channels=2",
                "--latency-msec=50",
                "/dev/zero",
            ],
            client_env,
        )

        def keeper_connected() -> bool:
            keeper.check_alive()
            return bool(self.run(["pactl", "list", "short", "sink-inputs"]).stdout.strip())

        wait_until(keeper_connected, self.start_timeout, message="the keep-alive stream")

    # -- faults

    def crash_server(self) -> None:
        """SIGKILL the server, as a crash does; recorders and the keeper end with it."""
        server = next(c for c in self._children if c.name.startswith("pulseaudio"))
        server.proc.kill()
        server.proc.wait(5)
        for rec in self._recorders:
            rec.stop()
        self._recorders.clear()
        for child in self._children:
            child.stop()
        self._children.clear()

    def restart_server(self) -> None:
        """Start the server again with the same socket and sink, as a session restart does."""
        self.start()

    def replace_sink(self) -> None:
        """Remove the output and add it again under the same name (a headset unplugged and
        plugged in); recordings of the old one end, start new ones after."""
        for rec in self._recorders:
            rec.stop()
        self._recorders.clear()
        self.run(["pactl", "unload-module", "module-null-sink"])
        self.run(
            [
                "pactl",
                "load-module",
                "module-null-sink",
                f"sink_name={self.sink_name}",
                f"rate={self.RATE}",
                "channels=2",
            ]
        )
        self.run(["pactl", "set-default-sink", self.sink_name])
        self._start_keeper(self.child_env())
        self.run(["pactl", "suspend-sink", self.sink_name, "1"])
        self.run(["pactl", "suspend-sink", self.sink_name, "0"])

    def add_default_sink(self, name: str) -> None:
        """Another output, made the default (a headset plugged in and chosen)."""
        self.run(
            [
                "pactl",
                "load-module",
                "module-null-sink",
                f"sink_name={name}",
                f"rate={self.RATE}",
                "channels=2",
            ]
        )
        self.run(["pactl", "set-default-sink", name])

    def set_mute(self, muted: bool) -> None:
        self.run(["pactl", "set-sink-mute", self.sink_name, "1" if muted else "0"])

    def stop(self) -> None:
        """Stop recorders, then the keeper, then the server; remove the temp dir."""
        for rec in self._recorders:
            rec.stop()
        for child in reversed(self._children):
            child.stop()
        self._children.clear()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def dump_logs(self) -> str:
        """Tails of the server's and clients' logs (call before the sink is stopped)."""
        return _dump_logs(self.log_dir)

    def _spawn(self, name: str, args: Sequence[str], env: Mapping[str, str]) -> _Child:
        child = _Child(name, args, env, self.log_dir)
        self._children.append(child)
        return child

    # -- use

    def child_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """A complete environment for a child that plays into this server (no desktop)."""
        return {**_clean_env(), **self.env, **(extra or {})}

    def run(
        self,
        args: Sequence[str],
        *,
        check: bool = True,
        timeout: float = 10.0,
        env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a client (pactl, paplay, a Qt script, ...) on this server; ``env`` adds to it."""
        return subprocess.run(
            list(args),
            env=self.child_env(env),
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def start_recording(self, name: str = "rec", device: str = "") -> Recorder:
        """Start recording the sink's monitor (or `device`'s); stopped with the sink at the
        latest."""
        recorder = Recorder(self, name, device)
        self._recorders.append(recorder)
        return recorder


# --------------------------------------------------------------------------- desktop


@dataclass(frozen=True)
class WindowGeometry:
    """An X window's id and absolute geometry on the screen."""

    window_id: str
    x: int
    y: int
    width: int
    height: int

    @property
    def centre(self) -> tuple[int, int]:
        return self.x + self.width // 2, self.y + self.height // 2


@dataclass(frozen=True)
class NotifyCall:
    """One ``org.freedesktop.Notifications.Notify`` call seen by dbus-monitor."""

    time: float  # wall clock, time.time()
    app_name: str
    replaces_id: int
    icon: str
    summary: str
    body: str
    actions: list[tuple[str, str]] = field(default_factory=list)  # (key, label)


_TREE_LINE = re.compile(
    r"^(?P<indent>\s+)(?P<id>0x[0-9a-f]+) (?P<name>.*?): \((?P<cls>.*?)\)\s+"
    r"(?P<w>\d+)x(?P<h>\d+)[+-]-?\d+[+-]-?\d+\s+\+(?P<x>-?\d+)\+(?P<y>-?\d+)\s*$"
)
_MESSAGE_START = re.compile(r"^(method call|method return|signal|error) time=(?P<time>[\d.]+) ")
_STRING_ARG = re.compile(r'^string "(.*)"$', re.S)
_UINT_ARG = re.compile(r"^u?int\d+ (-?\d+)$")


class VirtualDesktop:
    """Xvfb + openbox + trayer + private session bus + dunst + dbus-monitor.

    ``env`` is what a child needs to live on this desktop: DISPLAY,
    DBUS_SESSION_BUS_ADDRESS, XDG_RUNTIME_DIR (and PULSE_SERVER if ``audio`` is
    given, sharing its runtime dir), QT_QPA_PLATFORM=xcb. The session bus is
    started from our own config without service directories, so nothing gets
    D-Bus-activated behind the test's back (no second dunst, no a11y bus).
    """

    TOOLS = (
        "Xvfb",
        "xdpyinfo",
        "xwininfo",
        "xprop",
        "xdotool",
        "import",
        "openbox",
        "trayer",
        "dbus-daemon",
        "dbus-send",
        "dbus-monitor",
        "dunst",
        "dunstctl",
    )
    DUNSTRC = """\
# Written by tests/desktop.py. `dunstctl context` pipes the actions of the shown
# notifications to this "dmenu", which picks the one labelled Acknowledge: the
# same ActionInvoked signal as a click on that button.
[global]
    dmenu = /usr/bin/grep -m1 Acknowledge
    follow = none
    show_indicators = no
"""
    BUS_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""

    def __init__(
        self,
        *,
        audio: PulseSink | None = None,
        screen: str = "1024x768x24",
        start_timeout: float = 10.0,
        first_display: int = 100,
    ) -> None:
        self.audio = audio
        self.screen = screen
        self.start_timeout = start_timeout
        self.first_display = first_display
        self.tmpdir = Path(tempfile.mkdtemp(prefix="shiftbell-desktop-"))
        self.log_dir = self.tmpdir / "logs"
        self.notify_log_path = self.log_dir / "notify.log"
        self.display = ""
        self.env: dict[str, str] = {}
        self._children: list[_Child] = []
        self._trayer_panel: str | None = None

    # -- lifecycle

    def __enter__(self) -> VirtualDesktop:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start every part in dependency order, each waited for by a real readiness check."""
        self.log_dir.mkdir()
        if self.audio is not None:
            runtime = Path(self.audio.env["XDG_RUNTIME_DIR"])
            audio_env = self.audio.env
        else:
            runtime = self.tmpdir / "runtime"
            runtime.mkdir(mode=0o700)
            # No sound server: clients must fail to connect, never autospawn one.
            client_conf = self.tmpdir / "pulse-client.conf"
            client_conf.write_text("autospawn = no\n")
            audio_env = {"PULSE_CLIENTCONFIG": str(client_conf)}
        self.env = {
            **_clean_env(),
            **audio_env,
            "XDG_RUNTIME_DIR": str(runtime),
            "QT_QPA_PLATFORM": "xcb",
            "NO_AT_BRIDGE": "1",  # GTK (trayer) must not look for an accessibility bus
        }
        self._start_x()
        self._start_bus()
        # The helpers keep their config and caches in the temp dir, not in $HOME.
        helper_env = {
            **self.env,
            "XDG_CONFIG_HOME": str(self.tmpdir / "config"),
            "XDG_CACHE_HOME": str(self.tmpdir / "cache"),
            "XDG_DATA_HOME": str(self.tmpdir / "data"),
        }
        self._start_wm(helper_env)
        self._start_tray(helper_env)
        self._start_notifications(helper_env)

    def stop(self) -> None:
        """Stop everything started, newest first, and remove the temp dir."""
        for child in reversed(self._children):
            child.stop()
        self._children.clear()
        shutil.rmtree(self.tmpdir, ignore_errors=True)

    def dump_logs(self) -> str:
        """Tails of every helper's and spawned app's log (call before the desktop is stopped)."""
        return _dump_logs(self.log_dir)

    def _spawn(
        self, name: str, args: Sequence[str], env: Mapping[str, str], **kwargs: Any
    ) -> _Child:
        child = _Child(name, args, env, self.log_dir, **kwargs)
        self._children.append(child)
        return child

    def _free_displays(self) -> Iterator[int]:
        """Display numbers with neither a socket nor a lock file (another server's)."""
        for n in range(self.first_display, self.first_display + 500):
            if not (Path(f"/tmp/.X11-unix/X{n}").exists() or Path(f"/tmp/.X{n}-lock").exists()):
                yield n

    def _start_x(self) -> None:
        """Start Xvfb on a free display; if another run grabbed it first, try the next."""
        last_error: Exception | None = None
        for attempt, n in enumerate(self._free_displays()):
            if attempt >= 5:
                break
            display = f":{n}"
            xvfb = self._spawn(
                f"xvfb-{n}",
                ["Xvfb", display, "-screen", "0", self.screen, "-nolisten", "tcp", "-noreset"],
                self.env,
            )

            def ready(xvfb: _Child = xvfb, display: str = display) -> bool:
                xvfb.check_alive()
                probe = subprocess.run(
                    ["xdpyinfo", "-display", display],
                    env=self.env,
                    capture_output=True,
                    timeout=5,
                    check=False,
                )
                return probe.returncode == 0

            try:
                wait_until(ready, self.start_timeout, interval=0.02, message=f"Xvfb {display}")
            except RuntimeError as error:  # lost the race for this display number
                last_error = error
                self._children.remove(xvfb)
                xvfb.stop()
                continue
            self.display = display
            self.env["DISPLAY"] = display
            return
        raise RuntimeError(f"could not start Xvfb: {last_error}")

    def _start_bus(self) -> None:
        """A private session bus without service activation; its address comes from stdout."""
        socket = self.tmpdir / "bus"
        config = self.tmpdir / "bus.conf"
        config.write_text(self.BUS_CONFIG.format(socket=socket))
        address_file = self.tmpdir / "bus.address"
        bus = self._spawn(
            "dbus-daemon",
            ["dbus-daemon", f"--config-file={config}", "--nofork", "--print-address=1"],
            self.env,
            stdout=address_file,
        )

        def address() -> str:
            bus.check_alive()
            text = address_file.read_text()
            return text.splitlines()[0] if text.endswith("\n") else ""

        self.env["DBUS_SESSION_BUS_ADDRESS"] = wait_until(
            address, self.start_timeout, message="dbus-daemon's address"
        )

    def _start_wm(self, env: Mapping[str, str]) -> None:
        """openbox: trayer docks through it; ready once it claims _NET_SUPPORTING_WM_CHECK."""
        wm = self._spawn("openbox", ["openbox"], env)

        def ready() -> bool:
            wm.check_alive()
            out = self.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], check=False).stdout
            return "window id" in out

        wait_until(ready, self.start_timeout, message="openbox")

    def _start_tray(self, env: Mapping[str, str]) -> None:
        """trayer, the XEmbed tray Qt docks into; ready once its panel window exists."""
        tray = self._spawn(
            "trayer",
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "request",
                "--height",
                "32",
                "--SetDockType",
                "true",
                "--expand",
                "true",
            ],
            env,
        )

        def panel() -> str | None:
            tray.check_alive()
            return self._find_trayer_panel()

        self._trayer_panel = wait_until(panel, self.start_timeout, message="trayer's panel")

    def _start_notifications(self, env: Mapping[str, str]) -> None:
        """dbus-monitor first (so no call is missed), then dunst with the test dunstrc."""
        monitor = self._spawn(
            "dbus-monitor",
            ["dbus-monitor", "--session", "interface='org.freedesktop.Notifications'"],
            env,
            stdout=self.notify_log_path,
        )

        def monitoring() -> bool:
            # After BecomeMonitor the bus takes the monitor's unique name away.
            monitor.check_alive()
            return "member=NameLost" in self.notify_log()

        wait_until(monitoring, self.start_timeout, message="dbus-monitor")
        dunstrc = self.tmpdir / "dunstrc"
        dunstrc.write_text(self.DUNSTRC)
        dunst = self._spawn("dunst", ["dunst", "-config", str(dunstrc)], env)

        def owned() -> bool:
            dunst.check_alive()
            return self.notification_server_running()

        wait_until(owned, self.start_timeout, message="dunst on the session bus")

    # -- running things on the desktop

    def run(
        self,
        args: Sequence[str],
        *,
        check: bool = True,
        timeout: float = 10.0,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run a short command on this desktop and return its output."""
        return subprocess.run(
            list(args),
            env=self.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
            input=input,
        )

    def spawn(
        self,
        args: Sequence[str],
        *,
        name: str = "app",
        env: Mapping[str, str] | None = None,
        stdout: Path | None = None,
        cwd: Path | None = None,
    ) -> subprocess.Popen[bytes]:
        """Start a long-running process (the app under test) that is stopped with the desktop.

        Its stderr (and stdout unless ``stdout`` is given) go to ``log_dir/<name>.log``.
        ``env`` entries are added on top of :attr:`env`.
        """
        child = self._spawn(name, args, {**self.env, **(env or {})}, stdout=stdout, cwd=cwd)
        return child.proc

    def stop_process(self, proc: subprocess.Popen[bytes], timeout: float = 3.0) -> int:
        """Stop a process started by :meth:`spawn` now (TERM, then KILL); return its exit code."""
        for child in self._children:
            if child.proc is proc:
                child.stop(timeout)
                self._children.remove(child)
                break
        else:
            raise ValueError("not a process of this desktop")
        assert proc.returncode is not None
        return proc.returncode

    def screenshot(self, path: str | os.PathLike[str]) -> Path:
        """Save the whole screen as an image (format from the suffix, e.g. .png)."""
        target = Path(path)
        self.run(["import", "-window", "root", str(target)], timeout=20)
        return target

    # -- notifications

    def notification_server_running(self) -> bool:
        """True when something owns org.freedesktop.Notifications on the session bus."""
        reply = self.run(
            [
                "dbus-send",
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.Notifications",
            ],
            check=False,
        )
        return reply.returncode == 0 and "boolean true" in reply.stdout

    def notify_log(self) -> str:
        """Everything dbus-monitor has logged on the Notifications interface so far."""
        try:
            return self.notify_log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_notify(self, match: str | Callable[[str], object], timeout: float = 5.0) -> str:
        """Wait until the notify log contains ``match`` (or ``match(log)`` is truthy); return it."""
        what = repr(match) if isinstance(match, str) else getattr(match, "__name__", "predicate")

        def matches(log: str) -> object:
            return match in log if isinstance(match, str) else match(log)

        def check() -> str | None:
            log = self.notify_log()
            return log if matches(log) else None

        try:
            return wait_until(check, timeout, message=f"{what} in the notification log")
        except TimeoutError as error:
            raise TimeoutError(
                f"{error}\n--- notify log tail ---\n{_tail(self.notify_log_path, 40)}"
            ) from None

    def _messages(self) -> list[tuple[str, float, list[str]]]:
        """The log split into (header, time, top-level argument texts) per message."""
        messages: list[tuple[str, float, list[str]]] = []
        header: str | None = None
        stamp = 0.0
        body: list[str] = []

        def flush() -> None:
            if header is not None:
                # Top-level arguments are indented by exactly three spaces.
                args = re.split(r"\n   (?=\S)", "\n" + "\n".join(body))[1:]
                messages.append((header, stamp, [a.strip("\n") for a in args]))

        for line in self.notify_log().splitlines():
            start = _MESSAGE_START.match(line)
            if start:
                flush()
                header, stamp, body = line, float(start["time"]), []
            elif header is not None:
                body.append(line)
        flush()
        return messages

    def notify_calls(self) -> list[NotifyCall]:
        """Every Notify call so far, parsed (best effort: one-line strings are exact)."""
        calls = []
        for header, stamp, args in self._messages():
            if not header.startswith("method call") or "member=Notify" not in header:
                continue
            if len(args) < 6:
                continue

            def string(text: str) -> str:
                m = _STRING_ARG.match(text)
                return m.group(1) if m else ""

            uint = _UINT_ARG.match(args[1])
            labels = re.findall(r'^\s+string "(.*)"$', args[5], re.M)
            calls.append(
                NotifyCall(
                    time=stamp,
                    app_name=string(args[0]),
                    replaces_id=int(uint.group(1)) if uint else 0,
                    icon=string(args[2]),
                    summary=string(args[3]),
                    body=string(args[4]),
                    actions=list(zip(labels[::2], labels[1::2], strict=False)),
                )
            )
        return calls

    def action_invocations(self) -> list[tuple[int, str]]:
        """Every ActionInvoked signal so far as (notification id, action key)."""
        found = []
        for header, _stamp, args in self._messages():
            if header.startswith("signal") and "member=ActionInvoked" in header and len(args) >= 2:
                uint = _UINT_ARG.match(args[0])
                key = _STRING_ARG.match(args[1])
                if uint and key:
                    found.append((int(uint.group(1)), key.group(1)))
        return found

    def displayed_notifications(self) -> int:
        """How many notifications dunst is showing right now."""
        out = self.run(["dunstctl", "count", "displayed"], check=False).stdout.strip()
        return int(out) if out.isdigit() else 0

    def press_notification_button(self, timeout: float = 5.0) -> tuple[int, str]:
        """Press the button labelled "Acknowledge" of a shown notification, as a user would.

        Waits until dunst shows a notification, runs ``dunstctl context`` (dunst
        asks its ``dmenu``, our grep, which picks Acknowledge) and waits for the
        resulting ActionInvoked signal; returns it as (notification id, key).
        """
        wait_until(self.displayed_notifications, timeout, message="dunst to show a notification")
        before = len(self.action_invocations())
        self.run(["dunstctl", "context"])
        invoked = wait_until(
            lambda: self.action_invocations()[before:],
            timeout,
            message="ActionInvoked after dunstctl context",
        )
        return invoked[0]

    def click_notification(self, timeout: float = 5.0) -> tuple[int, str]:
        """Click the newest shown notification's body, as a user would.

        ``dunstctl action 0`` invokes its default action, as a click does where dunst is
        set up to (the spec's "default" key); returns the ActionInvoked signal it led to.
        """
        wait_until(self.displayed_notifications, timeout, message="dunst to show a notification")
        before = len(self.action_invocations())
        self.run(["dunstctl", "action", "0"])
        invoked = wait_until(
            lambda: self.action_invocations()[before:],
            timeout,
            message="ActionInvoked after dunstctl action",
        )
        return invoked[0]

    # -- tray

    def _find_trayer_panel(self) -> str | None:
        """trayer's panel window (WM_CLASS "panel", "trayer"); the icons are inside it."""
        tree = self.run(["xwininfo", "-root", "-tree"], check=False).stdout
        for line in tree.splitlines():
            if '("panel" "trayer")' in line:
                return line.split()[0]
        return None

    def tray_icons(self) -> list[WindowGeometry]:
        """The client windows embedded in trayer, with absolute geometry.

        trayer wraps each docked icon in a socket window, so the icons are the
        panel's grandchildren in ``xwininfo -tree`` (its other children are
        empty 1x1 helpers). Only mapped (viewable) icons count.
        """
        if self._trayer_panel is None:
            return []
        tree = self.run(["xwininfo", "-tree", "-id", self._trayer_panel], check=False).stdout
        icons = []
        for line in tree.splitlines():
            m = _TREE_LINE.match(line)
            if not m or (len(m["indent"]) - 5) // 3 != 1:
                continue
            geometry = WindowGeometry(m["id"], int(m["x"]), int(m["y"]), int(m["w"]), int(m["h"]))
            info = self.run(["xwininfo", "-id", geometry.window_id], check=False).stdout
            if "IsViewable" in info and geometry.width > 1 and geometry.height > 1:
                icons.append(geometry)
        return icons

    def wait_for_tray_icon(self, timeout: float = 10.0, count: int = 1) -> list[WindowGeometry]:
        """Wait until at least ``count`` icons are docked in the tray; return them."""

        def enough() -> list[WindowGeometry] | None:
            icons = self.tray_icons()
            return icons if len(icons) >= count else None

        return wait_until(
            enough,
            timeout,
            interval=0.05,
            message=f"{count} icon(s) in the tray",
        )

    def click_tray_icon(self, button: int = 1, index: int = 0) -> WindowGeometry:
        """Click the centre of a docked icon with the real (XTest) pointer; return it."""
        icon = self.wait_for_tray_icon(count=index + 1)[index]
        x, y = icon.centre
        self.run(["xdotool", "mousemove", "--sync", str(x), str(y), "click", str(button)])
        return icon
