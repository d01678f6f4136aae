"""Logging to a rotating file in the user log dir and to stderr.

The log holds alert text, so it is the person's alone: 0600 in a 0700 folder.
Lines that say nothing a person needs (httpx's one line per request,
i.e. one per poll) stay out, or they rotate the useful ones away within a day.
"""

from __future__ import annotations

import contextlib
import io
import logging
import logging.handlers
import os
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Libraries that log each request at INFO.
QUIET_LOGGERS = ("httpx", "httpcore", "aiohttp.access")


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Every file it opens, the first one and each after a rollover, is made 0600."""

    def _open(self) -> io.TextIOWrapper:
        # umask first: the file never exists with wider permissions, not even briefly.
        old = os.umask(0o077)
        try:
            stream = super()._open()
        finally:
            os.umask(old)
        with contextlib.suppress(OSError):
            os.chmod(self.baseFilename, 0o600)  # one made before this version
        return stream


def setup_logging(log_file: Path, level: int = logging.INFO) -> str:
    """Configure the root logger; returns a problem message if the log file cannot be opened."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(console)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        log_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with contextlib.suppress(OSError):
            log_file.parent.chmod(0o700)  # a folder made 0755 by an earlier version
        file_handler = _PrivateRotatingFileHandler(
            log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as exc:
        return f"cannot write the log file {log_file}: {exc.strerror or exc}"
    file_handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(file_handler)
    return ""
