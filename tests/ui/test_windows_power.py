"""The Windows power-broadcast filter, handed MSGs laid out as Windows lays them out."""

from __future__ import annotations

import ctypes

from PySide6.QtCore import QByteArray

from shiftbell.ui.windows_power import (
    EVENT_TYPE,
    MSG,
    PBT_APMRESUMEAUTOMATIC,
    PBT_APMSUSPEND,
    WM_POWERBROADCAST,
    PowerBroadcastFilter,
)


def deliver(event_filter: PowerBroadcastFilter, message: int, wparam: int) -> tuple[bool, int]:
    msg = MSG(None, message, wparam, 0, 0, 0, 0)
    return event_filter.nativeEventFilter(QByteArray(EVENT_TYPE), ctypes.addressof(msg))


def test_suspend_hands_over_and_resume_checks_and_windows_carries_on() -> None:
    seen: list[object] = []
    event_filter = PowerBroadcastFilter(seen.append, lambda: seen.append("woke"))
    assert deliver(event_filter, WM_POWERBROADCAST, PBT_APMSUSPEND) == (False, 0)
    assert deliver(event_filter, WM_POWERBROADCAST, PBT_APMRESUMEAUTOMATIC) == (False, 0)
    assert seen == [1.8, "woke"]


def test_other_messages_and_event_types_are_left_alone() -> None:
    seen: list[object] = []
    event_filter = PowerBroadcastFilter(seen.append, lambda: seen.append("woke"))
    deliver(event_filter, 0x0010, PBT_APMSUSPEND)  # WM_CLOSE
    msg = MSG(None, WM_POWERBROADCAST, PBT_APMSUSPEND, 0, 0, 0, 0)
    event_filter.nativeEventFilter(QByteArray(b"xcb_generic_event_t"), ctypes.addressof(msg))
    assert seen == []


def test_a_failing_hand_over_does_not_break_the_event_loop() -> None:
    def broken(_limit: float) -> None:
        raise RuntimeError("phone service on fire")

    event_filter = PowerBroadcastFilter(broken, lambda: None)
    assert deliver(event_filter, WM_POWERBROADCAST, PBT_APMSUSPEND) == (False, 0)
