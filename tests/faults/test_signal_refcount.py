"""No crash over weeks: the main-thread hand-over must not leak references.

PySide6 6.12.0 dropped one reference to `True` on every Signal.emit(); CPython 3.11
aborts ("bool_dealloc: deallocating True or False") once the count reaches zero, which
the app reached after a few thousand hand-overs. This drives the app's real hand-over
path, `MainThreadCaller.call`, from the main thread and from a worker thread.
"""

from __future__ import annotations

import sys
import threading

from PySide6.QtCore import QCoreApplication

from shiftbell.ui.runner import MainThreadCaller

HAND_OVERS = 100_000
# Unrelated code may take or drop a few references meanwhile; a leak drops one per emit.
SLACK = 100


def _counts() -> tuple[int, int, int]:
    return sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)


def test_hand_overs_keep_reference_counts_of_singletons(qapp: QCoreApplication) -> None:
    caller = MainThreadCaller()
    calls = 0

    def bump() -> None:
        nonlocal calls
        calls += 1

    before = _counts()
    half = HAND_OVERS // 2
    for _ in range(half):
        caller.call(bump)
    worker = threading.Thread(target=lambda: [caller.call(bump) for _ in range(half)])
    worker.start()
    worker.join()
    while calls < HAND_OVERS:
        QCoreApplication.processEvents()
    after = _counts()

    assert calls == HAND_OVERS
    for name, old, new in zip(("True", "False", "None"), before, after, strict=True):
        assert abs(new - old) < SLACK, f"{name}: {old} references before, {new} after"
