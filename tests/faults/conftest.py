"""Fault-injection tests (issue 7): the real app against crashes, clocks, disks and broken input.

They share the e2e fixtures: a private PulseAudio sink that records, the virtual desktop,
and the reports that tell a fixture its test failed (so it prints the logs).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_REPO_ROOT = Path(__file__).resolve().parents[2]
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))

from tests.e2e.conftest import (  # noqa: E402, F401  (fixtures and the hook, shared)
    alertmanager,
    headless_app,
    pulse_sink,
    pytest_runtest_makereport,
    virtual_desktop,
)
