"""Suite-wide settings. Widget tests run offscreen; the e2e tests start their own desktop."""

import os

# Set before any test module imports PySide6: Qt reads it when QApplication starts.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
