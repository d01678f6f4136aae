"""Shared by the schedule tests: the repository root on sys.path (for tests.vendors)."""

import sys
from pathlib import Path

# tests/vendors is imported as a package from the repository root.
_REPO_ROOT = Path(__file__).resolve().parents[3]
if str(_REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(_REPO_ROOT))
