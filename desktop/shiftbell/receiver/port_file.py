"""The port a user's Shiftbell listens on, kept in their data dir for their CLI.

Written each time the receiver starts listening and kept when it stops: it is also the port
the next start tries first, so a webhook set up for it keeps working. While the app is not
running, nothing (or another user's program) listens there; the CLI checks who owns the port
before it sends anything.
"""

from __future__ import annotations

from pathlib import Path

from shiftbell.system.atomic_file import write_atomically


def read_port(path: Path) -> int | None:
    """The port in the file, or None when there is no file or it holds no port."""
    try:
        text = path.read_text(encoding="ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() and 0 < int(text) < 65536 else None


def write_port(path: Path, port: int) -> None:
    """Raises OSError when it cannot be written (a full or read-only disk)."""
    write_atomically(path, f"{port}\n".encode())
