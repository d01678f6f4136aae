"""The app on a real desktop: start-up, memory, idle CPU and how fast an alert is told.

One run starts the real `shiftbell run` on Xvfb with a tray, dunst on a private session bus
and a PulseAudio null sink, polling a real Alertmanager every 5 s through a logging proxy
(benchmarks/poll_proxy.py), and reads:

- start-up: process start → the tray icon docked (xwininfo), → the receiver accepting a
  connection, → the first poll arriving at the proxy; of a start in a home the app has run
  in before, as every start but the first (the first one's are `first_run_*`);
- memory: RSS (and PSS) of the process tree `settle_s` after start;
- idle CPU: user + system seconds of the tree over the next `idle_s`, nothing firing;
- poll → Notify: from the proxy's answer that first carried a new alert to the D-Bus Notify
  call for it, read from `dbus-monitor --profile` (both on the wall clock);
- receiver POST → Notify, for each of `posts` alerts sent one at a time;
- POST → audible: a critical alert posted to the receiver, to the first sample above
  AUDIBLE in a recording of the sink.
"""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from measure import cpu_seconds, memory_mb, tree, wait_for
from poll_proxy import PollProxy
from tests.alertmanager_process import AlertmanagerProcess
from tests.desktop import PulseSink, VirtualDesktop
from tests.e2e.shiftbell_app import ShiftbellHome, shiftbell_command

POLL_S = 5
AUDIBLE = 0.005  # RMS of a 10 ms window, full scale 1: well under the alarm's first beep


@dataclass(frozen=True)
class Durations:
    settle_s: float = 30.0
    idle_s: float = 60.0
    posts: int = 50


class NotifyLog:
    """`dbus-monitor --profile` of the Notify calls on the desktop's session bus."""

    def __init__(self, desktop: VirtualDesktop, path: Path) -> None:
        self.path = path
        self._proc = desktop.spawn(
            [
                "dbus-monitor",
                "--session",
                "--profile",
                "type='method_call',interface='org.freedesktop.Notifications',member='Notify'",
            ],
            name="dbus-monitor-profile",
            stdout=path,
        )
        self._desktop = desktop
        # The monitor is in place once the bus has taken its name away (as tests/desktop.py).
        wait_for(lambda: "NameLost" in self._text(), 10, "dbus-monitor --profile")

    def _text(self) -> str:
        return self.path.read_text(errors="replace") if self.path.exists() else ""

    def times(self) -> list[float]:
        """When each Notify call went over the bus (seconds since the epoch)."""
        found = []
        for line in self._text().splitlines():
            fields = line.split("\t")
            if fields[0] == "mc" and fields[-1] == "Notify":
                found.append(float(fields[1]))
        return found

    def next_after(self, moment: float, timeout: float = 10) -> float:
        return wait_for(
            lambda: next((t for t in self.times() if t >= moment), None), timeout, "Notify call"
        )

    def stop(self) -> None:
        self._desktop.stop_process(self._proc)


def feeds_config(url: str, count: int) -> str:
    return "".join(
        f'[[feeds]]\nname = "am-{n}"\nkind = "alertmanager"\nurl = "{url}"\n'
        f"interval_s = {POLL_S}\n\n"
        for n in range(count)
    )


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.05):
            return True
    except OSError:
        return False


class AppRun:
    """One app on the desktop, its home in `root`, polling `feed_url` `feeds` times over."""

    def __init__(self, desktop: VirtualDesktop, root: Path, feed_url: str, feeds: int) -> None:
        self.desktop = desktop
        self.home = ShiftbellHome(root, feeds_config(feed_url, feeds))
        self.env = self.home.env(desktop.env)
        self.proc: subprocess.Popen[bytes] | None = None
        self.started = 0.0  # wall clock
        self.started_steady = 0.0

    def start(self) -> None:
        self.started_steady, self.started = time.monotonic(), time.time()
        self.proc = self.desktop.spawn(
            [*shiftbell_command(), "run"],
            name="shiftbell",
            env=self.env,
            stdout=self.home.root / "app-output.log",
        )

    def startup(self, proxy: PollProxy | None) -> dict[str, float]:
        """Seconds from the process start to the tray icon, the receiver and the first poll."""
        seen: dict[str, float] = {}
        deadline = time.monotonic() + 30
        while len(seen) < (3 if proxy else 2):
            assert self.proc is not None and self.proc.poll() is None, "the app exited"
            assert time.monotonic() < deadline, f"start-up incomplete after 30 s: {seen}"
            now = time.monotonic() - self.started_steady
            if "start_to_receiver_s" not in seen and listening(self.home.port):
                seen["start_to_receiver_s"] = now
            if "start_to_tray_s" not in seen and self.desktop.tray_icons():
                seen["start_to_tray_s"] = now
            if proxy and "start_to_first_poll_s" not in seen:
                poll = proxy.first_poll(after=self.started)
                if poll is not None:
                    seen["start_to_first_poll_s"] = poll.arrived - self.started
            time.sleep(0.01)
        return seen

    def pids(self) -> list[int]:
        assert self.proc is not None
        return tree(self.proc.pid)

    def client(self) -> httpx.Client:
        token_file = self.home.root / "data" / "shiftbell" / "receiver-token"
        return httpx.Client(
            base_url=f"http://127.0.0.1:{self.home.port}/api/v1",
            headers={"Authorization": f"Bearer {token_file.read_text().strip()}"},
            timeout=30,
        )

    def stop(self) -> None:
        if self.proc is not None:
            self.desktop.stop_process(self.proc, timeout=10)
            self.proc = None


def memory_and_idle(app: AppRun, durations: Durations) -> dict[str, float]:
    """RSS and PSS `settle_s` after start, then the CPU spent over `idle_s`."""
    time.sleep(max(0.0, app.started_steady + durations.settle_s - time.monotonic()))
    pids = app.pids()
    figures = {"rss_mb": memory_mb(pids, "Rss"), "pss_mb": memory_mb(pids, "Pss")}
    before, began = cpu_seconds(pids), time.monotonic()
    time.sleep(durations.idle_s)
    spent = cpu_seconds(app.pids()) - before
    figures["idle_cpu_s_per_60s"] = spent * 60 / (time.monotonic() - began)
    return figures


def poll_to_notify(
    alertmanager: AlertmanagerProcess, proxy: PollProxy, notify: NotifyLog, run: int, times: int
) -> list[float]:
    found = []
    for n in range(times):
        name = f"BenchPoll{run}x{n}"
        fired = time.time()
        alertmanager.fire({"alertname": name, "severity": "info"}, {"summary": "benchmark"})
        poll = wait_for(
            lambda name=name, fired=fired: proxy.first_answer_with(name.encode(), after=fired),
            3 * POLL_S,
            f"a poll carrying {name}",
        )
        found.append(notify.next_after(poll.answered) - poll.answered)
    return found


def post_to_notify(app: AppRun, notify: NotifyLog, run: int, posts: int) -> list[float]:
    found = []
    with app.client() as client:
        client.get("/health").raise_for_status()  # the connection is open before the clock runs
        for n in range(posts):
            body = {"title": f"Bench push {run}.{n}", "key": f"push-{run}-{n}", "severity": "info"}
            sent = time.time()
            client.post("/alerts", json=body).raise_for_status()
            found.append(notify.next_after(sent) - sent)
            time.sleep(0.05)  # not one storm: each alert is its own notification
    return found


def post_to_audible(app: AppRun, sink: PulseSink, run: int) -> float:
    recording = sink.start_recording(f"audible-{run}")
    try:
        with app.client() as client:
            client.get("/health").raise_for_status()
            time.sleep(0.3)  # recorded silence first: the alarm's start stands out
            sent = time.monotonic()
            body = {"title": f"Bench alarm {run}", "key": f"alarm-{run}", "severity": "critical"}
            client.post("/alerts", json=body).raise_for_status()
            heard = recording.wait_for_sound(AUDIBLE, timeout=10, since=sent, window_s=0.01)
            client.post("/ack-all").raise_for_status()
        return heard - sent
    finally:
        recording.stop()


def resting(
    desktop: VirtualDesktop, root: Path, proxy: PollProxy | None, feeds: int, durations: Durations
) -> dict[str, float]:
    """Memory and idle CPU of an app with `feeds` feeds (none: no proxy) and nothing firing."""
    app = AppRun(desktop, root, proxy.url if proxy else "", feeds)
    app.start()
    try:
        app.startup(proxy)
        found = memory_and_idle(app, durations)
    finally:
        app.stop()
    prefix = {0: "no_feeds", 1: "one_feed", 6: "six_feeds"}[feeds]
    return {f"{prefix}_{name}": value for name, value in found.items()}


def desktop_figures(
    desktop: VirtualDesktop,
    sink: PulseSink,
    alertmanager: AlertmanagerProcess,
    root: Path,
    run: int,
    durations: Durations,
) -> dict[str, Sequence[float] | float]:
    """One run of every desktop figure; lists where a run measures several times."""
    figures: dict[str, Sequence[float] | float] = {}
    notify = NotifyLog(desktop, root / f"notify-profile-{run}.log")
    try:
        with PollProxy(alertmanager.url) as proxy:
            app = AppRun(desktop, root / f"one-feed-{run}", proxy.url, 1)
            app.start()
            try:
                # The first start in a new home (its database, token and keyring look to
                # make), then the start of every day after it, which the figures are of.
                for name, value in app.startup(proxy).items():
                    figures[f"first_run_{name}"] = value
                app.stop()
                app.start()
                figures.update(app.startup(proxy))
                for name, value in memory_and_idle(app, durations).items():
                    figures[f"one_feed_{name}"] = value
                figures["poll_to_notify_s"] = poll_to_notify(alertmanager, proxy, notify, run, 3)
                figures["post_to_notify_s"] = post_to_notify(app, notify, run, durations.posts)
                figures["post_to_audible_s"] = post_to_audible(app, sink, run)
            finally:
                app.stop()
            figures.update(resting(desktop, root / f"six-feeds-{run}", proxy, 6, durations))
        figures.update(resting(desktop, root / f"no-feeds-{run}", None, 0, durations))
    finally:
        notify.stop()
    return figures
