"""Fault-injection tests: the real app against crashes, clocks, disks and broken input.

They share the e2e fixtures: a private PulseAudio sink that records, the virtual desktop,
and the reports that tell a fixture its test failed (so it prints the logs).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


from tests.e2e.conftest import (  # noqa: F401  (fixtures and the hook, shared)
    alertmanager,
    headless_app,
    pulse_sink,
    pytest_runtest_makereport,
    virtual_desktop,
)
