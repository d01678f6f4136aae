"""Suite-wide settings. Widget tests run offscreen; the e2e tests start their own desktop."""

import os
import sys
from pathlib import Path

# Set before any test module imports PySide6: Qt reads it when QApplication starts.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The tests import the package from the source tree, installed or not.
_SOURCE_ROOT = Path(__file__).resolve().parents[1] / "desktop"
if str(_SOURCE_ROOT) not in sys.path:
    sys.path.insert(0, str(_SOURCE_ROOT))
