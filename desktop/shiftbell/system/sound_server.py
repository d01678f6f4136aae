"""Where the sound server's socket is, so a missing one can be waited for.

Qt's multimedia looks for PulseAudio (or PipeWire's PulseAudio socket) once per
process, when the first sound is set up, and never again. If Shiftbell starts
before the sound server (an autostart racing the login session), the alarm would
stay unavailable all shift. Watching for the socket lets the app restart itself
the moment the server is there, instead of waiting for the person to notice.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path


def sound_server_socket(env: Mapping[str, str]) -> Path | None:
    """The PulseAudio-protocol socket clients will use; None if it cannot be watched (TCP)."""
    server = env.get("PULSE_SERVER", "").strip()
    if server:
        # PULSE_SERVER may list several; the first local socket is the one to wait for.
        for candidate in server.split():
            if candidate.startswith("unix:"):
                return Path(candidate.removeprefix("unix:"))
            if candidate.startswith("/"):
                return Path(candidate)
        return None
    runtime = env.get("XDG_RUNTIME_DIR", "").strip()
    return Path(runtime) / "pulse" / "native" if runtime else None
