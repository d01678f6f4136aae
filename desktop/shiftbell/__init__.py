"""Shiftbell: a tray app for people on call that makes sure an alert is noticed."""

import sys

__version__ = "0.1.0"

# WORKAROUND: `import httpx` imports its command-line client, and with it click and rich where
# they are installed: a tenth of the app's start-up, for a command Shiftbell never runs.
# httpx falls back to a stub `main` when that import fails, which an absent module makes it do.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
