"""The ways a notification can reach the person, each behind the same small async interface.

In order of preference: desktop-notifier (native, with Acknowledge and Snooze
buttons), plyer (native, no buttons) and the tray icon's balloon (always there
while the tray is). They all run on the app's asyncio worker loop; the
Notifier (notifier.py) picks the first that works and falls back when one stops.

Two kinds of failure are kept apart on purpose: `NotifyUnavailable` means this
way does not work here at all (no D-Bus session, no notification server), so
the Notifier moves down the list and tells the person; `NotifyRejected` means
only this one notification failed while the way itself still works, so it is
shown another way once and nothing is switched.
"""

from __future__ import annotations

import asyncio
import html
import logging
import platform
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from shiftbell.core.alert import Severity
from shiftbell.settings.model import NotificationBackend

if TYPE_CHECKING:
    from desktop_notifier import DesktopNotifier

log = logging.getLogger(__name__)

APP_NAME = "Shiftbell"
DBUS_TIMEOUT_S = 5.0

_NOTIFICATIONS = "org.freedesktop.Notifications"
_NOTIFICATIONS_PATH = "/org/freedesktop/Notifications"


class NotifyUnavailable(Exception):
    """This way of notifying does not work here; the message says why, for a person."""


class NotifyRejected(Exception):
    """This one notification could not be shown, although the way itself works."""


class NotifyAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    SNOOZE = "snooze"
    OPEN = "open"  # the notification's body was clicked (its default action)


@dataclass(frozen=True)
class Note:
    """A notification as worded by the Notifier: plain text, ready to show.

    `key` names it for withdrawing it later (the alert id). `buttons` asks for
    Acknowledge and Snooze where the way supports them.
    """

    key: str
    title: str
    body: str
    severity: Severity
    buttons: bool = True
    snooze_minutes: int = 15


#: Called on the worker thread when a notification's button is pressed: (key, action).
ActionHandler = Callable[[str, NotifyAction], None]
#: Shows a tray balloon (title, body, severity); must be safe to call from the worker thread.
ShowBalloon = Callable[[str, str, Severity], None]


@dataclass(frozen=True)
class ServerInfo:
    """The notification server on the session bus, as it describes itself."""

    name: str
    version: str
    capabilities: frozenset[str]

    @property
    def parses_body(self) -> bool:
        """Whether it reads markup in the body, so `<`, `>` and `&` must be escaped.

        WORKAROUND: dunst 1.9 renders <b>, <i> and <a> in the body with its default
        config but advertises only "body-hyperlinks", not "body-markup"; any of the
        body-markup family means tags are parsed (seen: tests/e2e/test_notifier_desktop.py).
        """
        return bool(self.capabilities & {"body-markup", "body-hyperlinks", "body-images"})


def uses_dbus() -> bool:
    """Whether native notifications go through org.freedesktop.Notifications here.

    The same test as desktop-notifier's own backend choice.
    """
    return platform.system() == "Linux"


async def probe_notification_server(timeout: float = DBUS_TIMEOUT_S) -> ServerInfo:
    """Ask the session bus's notification server who it is; NotifyUnavailable if there is none.

    A connection of its own, closed again: desktop-notifier swallows its errors
    (it only logs them), so this is how a failure gets a reason a person can read.
    """
    try:
        from dbus_fast import Message, MessageType
        from dbus_fast.aio import MessageBus
        from dbus_fast.errors import InvalidAddressError
    except ImportError as exc:
        raise NotifyUnavailable(f"the D-Bus library dbus-fast is not installed ({exc})") from None

    try:
        bus = await asyncio.wait_for(MessageBus().connect(), timeout)
    except InvalidAddressError as exc:
        raise NotifyUnavailable(f"no D-Bus session bus ({exc})") from None
    except (OSError, TimeoutError) as exc:
        raise NotifyUnavailable(f"no D-Bus session bus (cannot connect: {exc})") from None
    try:

        async def call(member: str) -> list[object]:
            reply = await asyncio.wait_for(
                bus.call(
                    Message(
                        destination=_NOTIFICATIONS,
                        path=_NOTIFICATIONS_PATH,
                        interface=_NOTIFICATIONS,
                        member=member,
                    )
                ),
                timeout,
            )
            if reply is None or reply.message_type is MessageType.ERROR:
                error = reply.error_name if reply is not None else "no reply"
                raise NotifyUnavailable(f"no notification server on D-Bus ({error})")
            return list(reply.body)

        try:
            info = await call("GetServerInformation")
            capabilities = await call("GetCapabilities")
        except TimeoutError:
            raise NotifyUnavailable(
                f"the notification server on D-Bus did not answer within {timeout:.0f} s"
            ) from None
    finally:
        bus.disconnect()
    name = str(info[0]) if info else "unknown"
    version = str(info[2]) if len(info) > 2 else ""
    caps = capabilities[0] if capabilities and isinstance(capabilities[0], list) else []
    return ServerInfo(name, version, frozenset(str(c) for c in caps))


class NotifyBackend(ABC):
    """One way to show notifications. Every method runs on the worker loop.

    `probe` and `post` raise NotifyUnavailable when this way does not work;
    `withdraw` and `close` never raise (there is nobody to tell).
    """

    kind: ClassVar[NotificationBackend]
    #: How the person knows it, e.g. "Notifications: tray balloons only".
    label: ClassVar[str]

    @abstractmethod
    async def probe(self) -> None: ...

    @abstractmethod
    async def post(self, note: Note) -> None: ...

    async def withdraw(self, key: str) -> None:  # noqa: B027 - optional: not every way can
        """Remove the notification posted under `key`, where the way allows it."""

    async def close(self) -> None:  # noqa: B027 - optional: not every way holds anything
        """Let go of connections; nothing is posted afterwards."""


class NativeBackend(NotifyBackend):
    """desktop-notifier: D-Bus on Linux (dbus-fast), the platform's own elsewhere; with buttons."""

    kind = NotificationBackend.DESKTOP_NOTIFIER
    label = "native notifications"

    def __init__(
        self, on_action: ActionHandler, app_icon: Path | None, timeout: float = DBUS_TIMEOUT_S
    ) -> None:
        self._on_action = on_action
        self._app_icon = app_icon
        self._timeout = timeout
        self._notifier: DesktopNotifier | None = None
        self._ids: dict[str, str] = {}  # note key -> desktop-notifier's identifier
        self._server_ids: dict[str, int] = {}  # note key -> the notification server's id
        self._markup = False
        self.server = ""

    async def probe(self) -> None:
        try:
            from desktop_notifier import DesktopNotifier, Icon
            from desktop_notifier.main import get_backend_class
        except ImportError as exc:
            raise NotifyUnavailable(f"desktop-notifier is not installed ({exc})") from None
        if get_backend_class().__name__ == "DummyNotificationCenter":
            # macOS outside an app bundle, or an unsupported Windows: it would drop
            # every notification without a word.
            raise NotifyUnavailable("desktop-notifier has no notification service on this system")
        if uses_dbus():
            info = await probe_notification_server(self._timeout)
            self._markup = info.parses_body
            self.server = f"{info.name} {info.version}".strip()
        if self._notifier is None:
            icon = Icon(path=self._app_icon) if self._app_icon is not None else None
            self._notifier = DesktopNotifier(app_name=APP_NAME, app_icon=icon)

    async def post(self, note: Note) -> None:
        from desktop_notifier import Button, Urgency

        if self._notifier is None:
            await self.probe()
        assert self._notifier is not None
        await self.withdraw(note.key)  # a note for the same key replaces the old one
        buttons: tuple[Button, ...] = ()
        if note.buttons:
            buttons = (
                Button(
                    title="Acknowledge",
                    on_pressed=lambda: self._pressed(note.key, NotifyAction.ACKNOWLEDGE),
                ),
                Button(
                    title=f"Snooze {note.snooze_minutes} min",
                    on_pressed=lambda: self._pressed(note.key, NotifyAction.SNOOZE),
                ),
            )
        dispatched = False

        def on_dispatched() -> None:
            nonlocal dispatched
            dispatched = True

        # The spec lets servers read a subset of HTML in the body only; the
        # summary is always plain. desktop-notifier passes text through unchanged.
        body = html.escape(note.body, quote=False) if self._markup else note.body
        try:
            identifier = await asyncio.wait_for(
                self._notifier.send(
                    title=note.title,
                    message=body,
                    urgency=Urgency.Critical
                    if note.severity is Severity.CRITICAL
                    else Urgency.Normal,
                    buttons=buttons,
                    on_dispatched=on_dispatched,
                    on_clicked=lambda: self._pressed(note.key, NotifyAction.OPEN),
                    on_dismissed=lambda: self._ids.pop(note.key, None),
                ),
                self._timeout,
            )
        except TimeoutError:
            raise NotifyUnavailable(
                f"the notification server did not answer within {self._timeout:.0f} s"
            ) from None
        if not dispatched:
            # desktop-notifier logged the error and returned; find out whether the
            # way is gone (raises NotifyUnavailable) or only this notification failed.
            if uses_dbus():
                await probe_notification_server(self._timeout)
            raise NotifyRejected("desktop-notifier could not send it (its log has the details)")
        self._ids[note.key] = identifier
        server_id = self._server_id_of(identifier)
        if server_id is not None:
            self._server_ids[note.key] = server_id

    async def withdraw(self, key: str) -> None:
        identifier = self._ids.pop(key, None)
        server_id = self._server_ids.pop(key, None)
        if identifier is None or self._notifier is None:
            return
        try:
            await asyncio.wait_for(self._notifier.clear(identifier), self._timeout)
            return
        except Exception as exc:
            # Mostly: the person or the server closed it already.
            log.debug("withdrawing notification %s: %r", key, exc)
        if server_id is not None:
            await self._close_by_server_id(server_id)

    # WORKAROUND: desktop-notifier 6.2 forgets a notification as soon as one of its
    # buttons is pressed (DBusDesktopNotifier._on_action pops the server's id), so
    # clear() can no longer close it; dunst keeps such a bubble on screen. The server's
    # id is kept here and CloseNotification sent with it. Private API: any
    # change there only costs the workaround, never the notification.
    def _server_id_of(self, identifier: str) -> int | None:
        backend = getattr(self._notifier, "_backend", None)
        ids = getattr(backend, "_platform_to_interface_notification_identifier", None)
        try:
            found = ids.inverse.get(identifier) if ids is not None else None
        except AttributeError:
            return None
        return found if isinstance(found, int) else None

    async def _close_by_server_id(self, server_id: int) -> None:
        backend = getattr(self._notifier, "_backend", None)
        interface = getattr(backend, "interface", None)
        close = getattr(interface, "call_close_notification", None)
        if close is None:
            return
        try:
            await asyncio.wait_for(close(server_id), self._timeout)
        except Exception as exc:
            log.debug("closing notification %s: %r", server_id, exc)

    async def close(self) -> None:
        for key in list(self._ids):
            await self.withdraw(key)

    def _pressed(self, key: str, action: NotifyAction) -> None:
        # The id stays: not every server closes a notification whose button was pressed
        # (dunst left the red bubble up), so the acknowledgement withdraws it.
        self._on_action(key, action)


class PlyerBackend(NotifyBackend):
    """plyer: plain notifications, no buttons; its calls block, so they run on a thread."""

    kind = NotificationBackend.PLYER
    label = "plain notifications without buttons"

    def __init__(self, app_icon: Path | None, timeout: float = DBUS_TIMEOUT_S) -> None:
        self._app_icon = app_icon
        self._timeout = timeout
        self._markup = False
        # plyer warns on every first use that dbus-python is missing, and then
        # uses notify-send instead, which works.
        warnings.filterwarnings(
            "ignore",
            message="The Python dbus package is not installed",
            module=r"plyer\.",
        )

    async def probe(self) -> None:
        try:
            import plyer  # noqa: F401
        except ImportError as exc:
            raise NotifyUnavailable(f"plyer is not installed ({exc})") from None
        if uses_dbus():
            # plyer goes through the same notification server (dbus-python or
            # notify-send), but cannot tell whether it got there.
            info = await probe_notification_server(self._timeout)
            self._markup = info.parses_body

    async def post(self, note: Note) -> None:
        body = html.escape(note.body, quote=False) if self._markup else note.body
        try:
            await asyncio.wait_for(asyncio.to_thread(self._notify, note.title, body), self._timeout)
        except NotImplementedError:
            raise NotifyUnavailable("plyer cannot show notifications on this system") from None
        except TimeoutError:
            raise NotifyUnavailable(f"plyer did not finish within {self._timeout:.0f} s") from None
        except Exception as exc:
            await self.probe()
            raise NotifyRejected(f"plyer failed: {exc}") from exc

    def _notify(self, title: str, body: str) -> None:
        from plyer import notification

        notification.notify(
            title=title,
            message=body,
            app_name=APP_NAME,
            app_icon=str(self._app_icon or ""),
            timeout=30,
        )


class TrayBalloonBackend(NotifyBackend):
    """The tray icon's balloon: the last resort, plain text, no buttons."""

    kind = NotificationBackend.TRAY
    label = "tray balloons"

    def __init__(self, show: ShowBalloon | None) -> None:
        self._show = show

    async def probe(self) -> None:
        if self._show is None:
            raise NotifyUnavailable("no tray icon to show messages from")

    async def post(self, note: Note) -> None:
        if self._show is None:
            raise NotifyUnavailable("no tray icon to show messages from")
        self._show(note.title, note.body, note.severity)


def backend_chain(
    choice: NotificationBackend,
    on_action: ActionHandler,
    show_balloon: ShowBalloon | None,
    app_icon: Path | None,
    timeout: float = DBUS_TIMEOUT_S,
) -> list[NotifyBackend]:
    """The backends to try, best first. A chosen one still falls back to the tray balloon:
    a notification shown plainly beats one lost because a setting names a missing service.
    """
    native = NativeBackend(on_action, app_icon, timeout)
    plyer = PlyerBackend(app_icon, timeout)
    tray = TrayBalloonBackend(show_balloon)
    if choice is NotificationBackend.DESKTOP_NOTIFIER:
        return [native, tray]
    if choice is NotificationBackend.PLYER:
        return [plyer, tray]
    if choice is NotificationBackend.TRAY:
        return [tray]
    return [native, plyer, tray]
