"""Sleep and wake-up on Windows: WM_POWERBROADCAST, as Qt hands it to a native event filter.

Windows tells every top-level window `PBT_APMSUSPEND` before it suspends and waits about two
seconds for the answer; `PBT_APMRESUMEAUTOMATIC` (and `PBT_APMRESUMESUSPEND` when a person
woke it) after. Shiftbell does on Windows what system/sleep_watch.py does with logind on
Linux: before, the unanswered alerts go to the phone (`before`, which blocks at most
`BEFORE_LIMIT_S`); after, the pre-shift check runs (`after`).

Written for Windows and tested on Linux by handing the filter a MSG as Windows lays it out
(tests/ui/test_windows_power.py); not run on Windows here.
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable

from PySide6.QtCore import QAbstractNativeEventFilter, QByteArray

log = logging.getLogger(__name__)

WM_POWERBROADCAST = 0x0218
PBT_APMSUSPEND = 0x0004
PBT_APMRESUMESUSPEND = 0x0007
PBT_APMRESUMEAUTOMATIC = 0x0012
EVENT_TYPE = b"windows_generic_MSG"
# Windows waits about 2 s for a window to answer PBT_APMSUSPEND.
BEFORE_LIMIT_S = 1.8


class MSG(ctypes.Structure):
    """winuser.h's MSG, with types of the same size on every platform (for the tests)."""

    _fields_ = (
        ("hwnd", ctypes.c_void_p),
        ("message", ctypes.c_uint),
        ("wParam", ctypes.c_size_t),
        ("lParam", ctypes.c_ssize_t),
        ("time", ctypes.c_ulong),
        ("pt_x", ctypes.c_long),
        ("pt_y", ctypes.c_long),
    )


class PowerBroadcastFilter(QAbstractNativeEventFilter):
    """`before(limit_s)` runs before a suspend (it may block up to `limit_s`); `after()` once
    the machine is back. Install with QCoreApplication.installNativeEventFilter."""

    def __init__(self, before: Callable[[float], object], after: Callable[[], object]) -> None:
        super().__init__()
        self._before = before
        self._after = after

    def nativeEventFilter(
        self, eventType: QByteArray | bytes | bytearray | memoryview, message: int, /
    ) -> tuple[bool, int]:
        kind = eventType.data() if isinstance(eventType, QByteArray) else bytes(eventType)
        if kind != EVENT_TYPE or not message:
            return False, 0
        msg = MSG.from_address(int(message))
        if msg.message != WM_POWERBROADCAST:
            return False, 0
        try:
            if msg.wParam == PBT_APMSUSPEND:
                log.warning("the machine is about to sleep")
                self._before(BEFORE_LIMIT_S)
            elif msg.wParam in (PBT_APMRESUMEAUTOMATIC, PBT_APMRESUMESUSPEND):
                log.warning("the machine woke up")
                self._after()
        except Exception:  # a hand-over that fails must not stop Windows' own handling
            log.exception("handling the power broadcast failed")
        return False, 0  # Windows' default handling goes on
