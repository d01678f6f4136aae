"""Logging to a rotating file in the user log dir and to stderr."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


def setup_logging(log_file: Path, level: int = logging.INFO) -> str:
    """Configure the root logger; returns a problem message if the log file cannot be opened."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(console)
    try:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
        )
    except OSError as exc:
        return f"cannot write the log file {log_file}: {exc.strerror or exc}"
    file_handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(file_handler)
    return ""
