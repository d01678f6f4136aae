"""Hearing that the machine is about to sleep or shut down, and that it woke up (Linux: logind).

A closed lid means the desktop alarm rings for nobody. So before the machine sleeps or shuts
down Shiftbell hands what is still unanswered to the phone, and after it wakes it checks
that everything that wakes the person still works.

logind (org.freedesktop.login1(5), on the system bus) says `PrepareForSleep(true)` and
`PrepareForShutdown(true)` before, and `PrepareForSleep(false)` after. It waits for programs
that hold a "delay" inhibitor lock, up to InhibitDelayMaxSec (5 s by default), until they
close the lock's file descriptor. So the watch holds one such lock while awake, lets go of
it once `before` has run (or `BEFORE_LIMIT_S` passed), and takes a new one on waking.

No logind (macOS, a container, a system without systemd): `start` says why and the rest of
Shiftbell runs as before. Windows says it with WM_POWERBROADCAST (ui/windows_power.py);
macOS (NSWorkspaceWillSleepNotification, IOKit's power notifications) is not watched yet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

LOGIND = "org.freedesktop.login1"
LOGIND_PATH = "/org/freedesktop/login1"
MANAGER = "org.freedesktop.login1.Manager"
WHY = "Hands unanswered alerts to your phone before the machine sleeps"
# Below logind's default InhibitDelayMaxSec (5 s): ours must finish before it gives up on us.
BEFORE_LIMIT_S = 4.0


class SleepWatch:
    """`before` runs (awaited, at most BEFORE_LIMIT_S) as the machine goes to sleep or shuts
    down; `after` runs when it wakes."""

    def __init__(
        self,
        before: Callable[[str], Awaitable[None]],
        after: Callable[[], object],
    ) -> None:
        self._before = before
        self._after = after
        self._bus: Any = None
        self._lock_fd: int | None = None
        self._handling: set[asyncio.Task[None]] = set()

    async def start(self) -> str:
        """Connect and take the first lock; "" when watching, else why not (for the log)."""
        if sys.platform != "linux":
            return "sleep and shutdown are watched on Linux only (logind)"
        try:
            from dbus_fast import BusType, Message, MessageType
            from dbus_fast.aio import MessageBus
        except ImportError as exc:
            return f"no D-Bus library ({exc})"
        self._message, self._error = Message, MessageType.ERROR
        try:
            # DBUS_SYSTEM_BUS_ADDRESS, when set, says where (as for libdbus).
            bus = MessageBus(bus_type=BusType.SYSTEM, negotiate_unix_fd=True)
            self._bus = await asyncio.wait_for(bus.connect(), 5)
        except (OSError, TimeoutError, Exception) as exc:  # dbus-fast raises its own kinds
            return f"cannot reach the system bus ({exc})"
        self._bus.add_message_handler(self._on_message)
        rule = f"type='signal',sender='{LOGIND}',interface='{MANAGER}'"
        await self._call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "AddMatch",
            "s",
            [rule],
        )
        problem = await self._inhibit()
        if problem:
            return problem
        return ""

    async def stop(self) -> None:
        self._release()
        if self._bus is not None:
            self._bus.disconnect()
            self._bus = None

    async def _inhibit(self) -> str:
        reply = await self._call(
            LOGIND,
            LOGIND_PATH,
            MANAGER,
            "Inhibit",
            "ssss",
            ["sleep:shutdown", "Shiftbell", WHY, "delay"],
        )
        if reply is None or reply.message_type == self._error:
            said = reply.body[0] if reply is not None and reply.body else "no answer"
            return f"logind would not let Shiftbell delay sleep ({said})"
        index = reply.body[0]
        self._release()
        self._lock_fd = reply.unix_fds[index] if reply.unix_fds else index
        # Received without close-on-exec: the alarm's player and pactl, started later, would
        # each hold a copy, and logind would wait for them all to let go.
        os.set_inheritable(self._lock_fd, False)
        return ""

    def _release(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = None

    async def _call(
        self,
        destination: str,
        path: str,
        interface: str,
        member: str,
        signature: str,
        body: list[Any],
    ) -> Any:
        message = self._message(
            destination=destination,
            path=path,
            interface=interface,
            member=member,
            signature=signature,
            body=body,
        )
        try:
            return await asyncio.wait_for(self._bus.call(message), 5)
        except (OSError, TimeoutError) as exc:
            log.warning("D-Bus call %s.%s failed: %s", interface, member, exc)
            return None

    def _on_message(self, message: Any) -> bool:
        if message.interface != MANAGER or message.member not in (
            "PrepareForSleep",
            "PrepareForShutdown",
        ):
            return False
        going = bool(message.body and message.body[0])
        what = "sleep" if message.member == "PrepareForSleep" else "shutdown"
        task = asyncio.get_running_loop().create_task(self._on_signal(what, going))
        self._handling.add(task)
        task.add_done_callback(self._handling.discard)
        return False

    async def _on_signal(self, what: str, going: bool) -> None:
        if going:
            log.warning("the machine is about to %s", "sleep" if what == "sleep" else "shut down")
            try:
                await asyncio.wait_for(self._before(what), BEFORE_LIMIT_S)
            except TimeoutError:
                log.error("handing over before %s took longer than %.0f s", what, BEFORE_LIMIT_S)
            except Exception:
                log.exception("handing over before %s failed", what)
            self._release()
            return
        log.warning("the machine woke up")
        problem = await self._inhibit()
        if problem:
            log.warning("%s", problem)
        try:
            self._after()
        except Exception:
            log.exception("checking after waking up failed")
