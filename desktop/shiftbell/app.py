"""Composition root: builds every part of the running app and wires them together.

Only this module knows all the parts. Start-up never dies on bad input: a broken
config, an unwritable disk, a taken port or a missing audio device each become a
problem shown in the tray and the window, and the rest keeps working.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from secrets import token_urlsafe
from typing import TYPE_CHECKING

from shiftbell import __version__
from shiftbell.core.errors import FeedError, ShiftbellError, StoreError
from shiftbell.core.feed_status import RECEIVER_FEED_NAME, FeedStatus
from shiftbell.core.schedule import Override
from shiftbell.core.snooze import AlertSnoozes, Snooze
from shiftbell.receiver.address import LOCAL_FEED_ID, ports_to_try
from shiftbell.receiver.port_file import read_port, write_port
from shiftbell.receiver.token import load_or_create_token
from shiftbell.runtime.desk import AlertDesk
from shiftbell.runtime.feed_config_sync import FeedConfigSync
from shiftbell.runtime.feed_runner import FeedRunner
from shiftbell.runtime.phone_escalator import PhoneEscalator
from shiftbell.runtime.readiness import Readiness
from shiftbell.runtime.schedule_cache import ScheduleCache
from shiftbell.runtime.schedule_keeper import OverrideStore, ScheduleKeeper, schedule_cache_dir
from shiftbell.settings.config_keeper import ConfigKeeper
from shiftbell.settings.model import NotificationBackend
from shiftbell.sources.build import AlertAbilities
from shiftbell.sources.feed import FeedConfig
from shiftbell.store.ack_journal import AckJournal
from shiftbell.store.alert_store import AlertStore
from shiftbell.store.credentials import SecretStore
from shiftbell.store.list_view_store import ListView, ListViewStore
from shiftbell.store.phone_page_store import PhonePageStore
from shiftbell.store.snooze_store import SnoozeStore
from shiftbell.system.clock import SystemClock, local_zone
from shiftbell.system.logging_setup import setup_logging
from shiftbell.system.paths import AppPaths
from shiftbell.system.sleep_watch import SleepWatch
from shiftbell.system.sound_server import sound_server_socket

if TYPE_CHECKING:
    from shiftbell.receiver.server import LocalReceiver
    from shiftbell.ui.settings_window import SettingsWindow

log = logging.getLogger("shiftbell")


def display_available() -> bool:
    """Whether a GUI session is there to draw on; Qt would abort without one."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform != "linux":
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_app(args: argparse.Namespace) -> int:
    paths = AppPaths.default()
    log_problem = setup_logging(paths.log_file)
    log.info("Shiftbell %s starting (pid %d)", __version__, os.getpid())
    headless = bool(getattr(args, "headless", False)) or not display_available()
    if headless:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        log.warning(
            "No display available (DISPLAY and WAYLAND_DISPLAY are unset): running headless. "
            "Alerts are still received, notified where possible and the alarm still sounds."
        )

    # Qt is imported only here, after QT_QPA_PLATFORM is settled.
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from shiftbell.ui.alarm_process import AlarmProcess
    from shiftbell.ui.confirmations import STOPPED_BODY, STOPPED_TITLE
    from shiftbell.ui.controller import UiController
    from shiftbell.ui.icons import icon
    from shiftbell.ui.login_start import TrayWait, ask_once
    from shiftbell.ui.notifier import Notifier
    from shiftbell.ui.runner import AsyncRunner, MainThreadCaller
    from shiftbell.ui.shift_tab import ShiftTab
    from shiftbell.ui.signals import install_quit_on_signals
    from shiftbell.ui.stall_probe import StallProbe, probe_wanted
    from shiftbell.ui.tray import TrayIcon
    from shiftbell.ui.window import MainWindow

    app = QApplication(sys.argv[:1])
    app.setApplicationName("Shiftbell")
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("shiftbell")
    app.setQuitOnLastWindowClosed(False)  # the tray keeps running with the window closed
    app.setWindowIcon(QIcon(icon("shiftbell")))

    clock = SystemClock()
    problems: dict[str, str] = {}
    if log_problem:
        problems["log"] = log_problem
    config = ConfigKeeper(paths.config_file, paths.data_dir)
    in_force = config.load()
    settings = in_force.settings
    if in_force.problems:
        problems["config"] = "\n".join(in_force.problems)

    store: AlertStore | None = None
    try:
        store = AlertStore.open(paths.db_file)
        if store.recovered_from is not None:
            problems["store-recovered"] = (
                f"The alert database was damaged; it was moved to {store.recovered_from} "
                "and a new one started."
            )
    except StoreError as exc:
        problems["store"] = f"{exc} Alerts are kept in memory only until this is fixed."
    desk = AlertDesk(clock, store, AckJournal(paths.runtime_dir))

    runner = AsyncRunner()
    runner.start()
    caller = MainThreadCaller()

    # Feed statuses arrive on the worker thread; the controller lives on the main one.
    def show_feed_status(status: FeedStatus) -> None:
        caller.call(lambda: controller.set_feed_status(status))

    def drop_feed_status(name: str) -> None:
        caller.call(lambda: controller.remove_feed_status(name))

    # Right after the desk: its AckSender follows the desk's acknowledgements from here on.
    feed_runner = FeedRunner(
        desk, clock, store, on_status=show_feed_status, on_removed=drop_feed_status
    )
    window = MainWindow()
    tray = TrayIcon(snooze_choices=settings.notifications.snooze_choices_min)
    notifier = Notifier(
        runner.loop, balloon=tray.show_message, backend=settings.notifications.backend
    )
    # In a process of its own, started anew when the sound server changes (ui/sound_worker.py).
    alarm = AlarmProcess(
        output_device=settings.alarm.output_device,
        sound_server=sound_server_socket(os.environ),
        raise_output=settings.alarm.raise_output,
        every_output=settings.alarm.every_output,
    )
    zone = local_zone()
    overrides = OverrideStore(paths.data_dir)

    def saved_or_said(topic: str, save: Callable[[], object], what: str, cost: str = "") -> None:
        """Keep something the person set; a failure is a problem until a save works."""
        try:
            save()
        except OSError as exc:
            controller.set_problem(topic, f"Cannot save {what}: {exc}{cost}")
        else:
            controller.set_problem(topic, "")

    def keep_override(override: Override | None) -> None:
        saved_or_said(
            "override",
            overrides.clear if override is None else lambda: overrides.save(override),
            f"the on-call override to {overrides.path}",
        )

    snoozes = SnoozeStore(paths.data_dir)

    def keep_snooze(snooze: Snooze | None, alert_snoozes: AlertSnoozes) -> None:
        saved_or_said(
            "snooze",
            lambda: snoozes.save(snooze, alert_snoozes.by_id),
            f"the snooze to {snoozes.path}",
            "; a restart ends it.",
        )

    controller = UiController(
        desk,
        clock,
        settings.escalation,
        window,
        tray,
        notifier,
        alarm,
        caller,
        schedule_policy=settings.schedule.policy(zone),
        tz=zone,
        on_override_changed=keep_override,
        snooze=snoozes.load(),
        alert_snoozes=AlertSnoozes(snoozes.load_alerts()),
        on_snooze_changed=keep_snooze,
    )
    list_views = ListViewStore(paths.data_dir)

    def keep_list_view(grouping: str, columns: list[str]) -> None:
        saved_or_said(
            "list view",
            lambda: list_views.save(ListView(grouping, tuple(columns))),
            f"the alert list's grouping and columns to {list_views.path}",
        )

    shift_tab = ShiftTab(window.shift_page, desk, clock, zone, lambda: controller.schedule)
    window.tabs.currentChanged.connect(
        lambda index: shift_tab.refresh() if window.tabs.widget(index) is window.shift_tab else None
    )
    desk.subscribe(lambda _changes: caller.call(shift_tab.changed))
    controller.shift_notices.on_shift_ended = shift_tab.changed
    window.alerts_table.arrangement_changed.connect(keep_list_view)
    kept = list_views.load()
    window.alerts_table.arrange(kept.grouping, kept.label_columns)
    for topic, text in problems.items():
        controller.set_problem(topic, text)
    if headless:
        controller.set_problem("display", "No display: running headless (no tray, no window).")

    secrets = SecretStore(paths.data_dir)
    feeds = FeedConfigSync(
        desk, feed_runner, secrets, clock, on_status=show_feed_status, on_removed=drop_feed_status
    )
    # As soon as what shows their alerts is there: not after the receiver or the phones.
    runner.run(feed_runner.start())
    # Not waited for: a keyring that is slow to answer must not hold up the tray.
    runner.submit(feeds.apply(settings.enabled_feeds, first=True))

    phones = PhoneEscalator(
        desk,
        clock,
        secrets,
        PhonePageStore(paths.data_dir),
        runner.submit,
        lambda text: caller.call(lambda: controller.set_problem("phone", text)),
    )
    controller.phone = phones
    readiness = Readiness(
        desk,
        controller.report,
        phones,
        None if headless else _notification_probe(settings.notifications.backend),
    )

    def check_before_shift() -> None:
        runner.submit(readiness.run("before your shift"))
        if settings.schedule.check_sound:
            controller.test_alarm()

    controller.shift_notices.on_check_due = check_before_shift
    sleep_watch = SleepWatch(
        lambda what: phones.hand_over(what, settings.escalation),
        lambda: runner.submit(readiness.run("after waking up")),
    )

    def feeds_lookup(name: str) -> FeedConfig | None:
        found = settings.feed(name)
        return found.config if found is not None else None

    schedules = ScheduleKeeper(
        ScheduleCache(schedule_cache_dir(paths.data_dir)),
        secrets,
        clock,
        zone,
        on_update=lambda schedule, copies: caller.call(
            lambda: controller.set_schedule(schedule if copies else None, copies)
        ),
        feeds_lookup=feeds_lookup,
    )

    def kind_of(feed_name: str) -> str | None:
        feed = settings.feed(feed_name)
        return feed.kind if feed is not None else None

    abilities = AlertAbilities(kind_of, local_feeds=(LOCAL_FEED_ID,))
    window.details.why_no_resolve = abilities.why_no_resolve
    tray.can_silence = lambda alert_id: (
        (alert := desk.get(alert_id)) is not None and not abilities.why_no_silence(alert)
    )
    window.details.why_no_unack = abilities.why_no_unack
    window.details.why_no_silence = abilities.why_no_silence
    controller.actions.abilities = abilities

    def reload_config() -> None:
        """After `shiftbell feed|schedule ...` or the Settings window: read the config again.

        A file that cannot be read leaves everything running as it is (ConfigKeeper).
        """
        nonlocal settings
        reloaded = config.load(running=settings)
        controller.set_problem("config", "\n".join(reloaded.problems))
        controller.set_override(overrides.load())
        if reloaded.keep_running:
            return
        settings = reloaded.settings
        controller.set_policy(settings.escalation, settings.schedule.policy(zone))
        alarm.output_override.enabled = settings.alarm.raise_output
        runner.submit(feeds.apply(settings.enabled_feeds))
        runner.submit(schedules.apply(settings.schedules))
        runner.submit(phones.apply(settings.phones))

    controller.set_override(overrides.load())
    runner.submit(schedules.apply(settings.schedules))
    runner.submit(phones.apply(settings.phones))
    if sys.platform == "win32":
        from shiftbell.ui.windows_power import PowerBroadcastFilter

        # Kept in a local for as long as the app runs: Qt holds no reference of its own.
        power_filter = PowerBroadcastFilter(
            lambda limit: runner.submit(phones.hand_over("sleep", settings.escalation)).result(
                limit
            ),
            lambda: runner.submit(readiness.run("after waking up")),
        )
        app.installNativeEventFilter(power_filter)
    else:
        runner.submit(_watch_sleep(sleep_watch))

    settings_windows: list[SettingsWindow] = []

    def present_settings() -> None:
        # Built when first asked for: its pages and their imports cost a sixth of start-up,
        # for a window most shifts never open.
        from shiftbell.ui.settings_window import SettingsWindow

        if not settings_windows:
            made = SettingsWindow(
                paths.config_file,
                secrets,
                runner.submit,
                data_dir=paths.data_dir,
                log_dir=paths.log_dir,
            )
            made.feeds_changed.connect(reload_config)
            settings_windows.append(made)
        settings_windows[0].present()

    tray.settings_requested.connect(present_settings)
    window.settings_requested.connect(present_settings)
    controller.quit_requested.connect(app.quit)
    install_quit_on_signals(app)
    if probe_wanted():
        stall_probe = StallProbe(feed_runner.timings, parent=app)  # noqa: F841 (kept alive)
    if not headless:

        def no_tray() -> None:
            log.warning("no system tray on this desktop: showing the window instead")
            controller.set_problem(
                "tray", "No system tray found: keep this window open to see alerts."
            )
            window.bring_to_front()

        at_login = getattr(args, "autostart", False)
        if QSystemTrayIcon.isSystemTrayAvailable():
            tray.show()
        elif at_login:
            tray_wait = TrayWait(tray.show, no_tray, parent=tray)
            tray_wait.start()
        else:
            no_tray()
        if getattr(args, "show", False) and not at_login:
            controller.show_window()
        if not at_login:
            ask_once(paths.data_dir, window)

    receivers: list[LocalReceiver] = []

    def start_receiver() -> None:
        # After the tray and the feeds: the web server's imports are a fifth of start-up,
        # and what it serves (the CLI, webhooks, which retry) can wait that long.
        from shiftbell.receiver.server import LocalReceiver, ReceiverCommands

        try:
            token = load_or_create_token(paths.token_file)
        except (ShiftbellError, OSError) as exc:
            # A read-only or missing data dir must not stop the alarm: the receiver still
            # runs for feeds and webhooks, on a token only this process knows.
            token = token_urlsafe(32)
            controller.set_problem(
                "token",
                f"Cannot keep the receiver token in {paths.token_file} ({exc}): the shiftbell "
                "command cannot reach this Shiftbell until the data folder is writable.",
            )
        ports = ports_to_try(settings.receiver.port, read_port(paths.port_file))
        receiver = LocalReceiver(
            desk,
            token,
            ports[0],
            fallback_ports=ports[1:],
            config_path=paths.config_file,
            level_of=controller.level_of,
            why_no_unack=abilities.why_no_unack,
            why_no_silence=abilities.why_no_silence,
            why_no_resolve=abilities.why_no_resolve,
            commands=ReceiverCommands(
                show_window=lambda: caller.call(controller.show_window),
                test_alarm=lambda: caller.call(controller.test_alarm),
                snooze=lambda minutes: caller.call(lambda: controller.snooze(minutes)),
                snooze_alert=lambda alert_id, seconds: caller.call(
                    lambda: controller.snooze_alert(alert_id, seconds)
                ),
                snoozed_until=controller.alert_snoozes.until,
                reload=lambda: caller.call(reload_config),
                report=lambda: {**controller.report(), "timings": feed_runner.timings.report()},
                check=lambda: _checked(readiness, "when asked"),
            ),
        )
        try:
            runner.run(receiver.start())
            controller.set_feed_status(
                FeedStatus(
                    RECEIVER_FEED_NAME,
                    True,
                    f"listening on {receiver.url}",
                    clock.now(),
                    clock.now(),
                )
            )
            _note_port(paths, receiver.port, controller.set_problem)
        except FeedError as exc:
            controller.set_feed_status(
                FeedStatus(RECEIVER_FEED_NAME, False, str(exc), clock.now(), None)
            )
            # Loud, not only a feed line: without it the CLI, Alertmanager's webhook and
            # scripts cannot reach this Shiftbell at all.
            controller.set_problem("receiver", f"The local receiver is not listening: {exc}")
        receivers.append(receiver)

    start_receiver()
    log.info("ready")
    try:
        code = app.exec()
    finally:
        log.info("shutting down")
        controller.shutdown()
        alarm.shutdown()
        tray.hide()
        for name, stopping in (
            *(("receiver", receiver.stop()) for receiver in receivers),
            ("feeds", feed_runner.stop()),
            ("schedules", schedules.stop()),
            ("phones", phones.stop()),
            ("sleep watch", sleep_watch.stop()),
        ):
            try:
                runner.run(stopping, timeout=10)
            except Exception:
                log.exception("stopping the %s failed", name)
        # The last word: what rang is gone with the app, so nobody believes it still watches.
        notifier.close(farewell=(STOPPED_TITLE, STOPPED_BODY))
        runner.stop()
        if store is not None:
            store.close()
    return code


async def _checked(readiness: Readiness, when: str) -> list[dict[str, object]]:
    return [dataclasses.asdict(item) for item in await readiness.run(when)]


def _notification_probe(backend: NotificationBackend) -> Callable[[], Awaitable[str]] | None:
    """Asks the notification service directly where notifications go over D-Bus."""
    from shiftbell.ui.notify_backends import NotifyUnavailable, probe_notification_server, uses_dbus

    if backend is NotificationBackend.TRAY or not uses_dbus():
        return None

    async def probe() -> str:
        try:
            await probe_notification_server()
        except NotifyUnavailable as exc:
            return str(exc)
        return ""

    return probe


async def _watch_sleep(watch: SleepWatch) -> None:
    why_not = await watch.start()
    if why_not:
        log.warning("not handing alerts to the phone before sleep: %s", why_not)
    else:
        log.info("watching for sleep and shutdown (logind)")


def _note_port(paths: AppPaths, port: int, set_problem: Callable[[str, str], None]) -> None:
    """Where this user's CLI finds this app (with `port = 0` it may differ from run to run)."""
    try:
        write_port(paths.port_file, port)
    except OSError as exc:
        set_problem(
            "port-file",
            f"Cannot write {paths.port_file} ({exc.strerror or exc}): the shiftbell command "
            f"may not find this Shiftbell, which listens on port {port}.",
        )
