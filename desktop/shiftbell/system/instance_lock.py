"""One Shiftbell per user, also when two start in the same instant.

Asking the receiver "are you there?" is not enough: two processes started together
both hear nothing and both run, on one database. An exclusive lock on a file in the
user's data dir, taken before anything else, decides. The lock belongs to the open
file, so it goes away with the process however it ends; the descriptor is not
inherited, so the app's restart-in-place (os.execv) takes it anew.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_FILE_NAME = "instance.lock"


class InstanceLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / LOCK_FILE_NAME
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock without waiting; False if another Shiftbell of this user holds it."""
        try:
            import fcntl
        except ImportError:  # Windows: the receiver's port is the only guard there
            return True
        for path in (self.path, _fallback_path()):
            try:
                path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError as exc:
                log.warning("cannot open the instance lock %s: %s", path, exc)
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            except OSError as exc:
                os.close(fd)
                log.warning("cannot lock %s: %s", path, exc)
                continue
            self._fd = fd
            self.path = path
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            return True
        return True  # no lock can be had anywhere: run rather than not run

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _fallback_path() -> Path:
    # A read-only data dir must not let two run: the temp dir, per user.
    return Path(tempfile.gettempdir()) / f"shiftbell-{os.getuid()}" / LOCK_FILE_NAME
