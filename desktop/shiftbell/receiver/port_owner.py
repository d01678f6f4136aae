"""Whose program listens on a port of 127.0.0.1, so the CLI never talks to another user's
Shiftbell (it would send this user's token to it, and act on that user's alerts).

Linux says so in /proc/net/tcp; elsewhere the owner is unknown and the token decides.
"""

from __future__ import annotations

from pathlib import Path

PROC_NET_TCP = Path("/proc/net/tcp")
_LISTEN = "0A"
# 127.0.0.1 and 0.0.0.0 as /proc/net/tcp writes them (the address in the host's byte order,
# little-endian on every machine Shiftbell runs on).
_REACHABLE_ON_LOOPBACK = {"0100007F", "00000000"}


def listener_uid(port: int, table: Path = PROC_NET_TCP) -> int | None:
    """The uid of the socket listening on `port` on 127.0.0.1; None when nothing listens
    there or the system does not tell."""
    try:
        lines = table.read_text(encoding="ascii", errors="replace").splitlines()[1:]
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if len(fields) < 8 or fields[3] != _LISTEN:
            continue
        address, _, port_hex = fields[1].partition(":")
        if address in _REACHABLE_ON_LOOPBACK and port_hex.isalnum() and int(port_hex, 16) == port:
            return int(fields[7]) if fields[7].isdigit() else None
    return None
