"""Fault-injection tests (issue 7): the app against crashes, clocks, disks and broken input.

Widget-level cases run offscreen like tests/ui; cases on the real app process use the
virtual desktop and sound card of tests/e2e.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_REPO_ROOT = Path(__file__).resolve().parents[2]
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))
