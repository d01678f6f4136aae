"""The local receiver's bearer token: made once, kept in the data dir, readable by its owner only.

Anything on the machine can reach 127.0.0.1, so the token is what tells the
person's own scripts (and Alertmanager) apart from any other local program.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from shiftbell.core.errors import ConfigError

log = logging.getLogger(__name__)

TOKEN_FILE_NAME = "receiver-token"

# POSIX permission bits mean little on Windows (os.chmod only toggles read-only),
# so the 0600 check and repair only run where they mean something.
_POSIX = os.name == "posix"


def load_or_create_token(location: Path) -> str:
    """Return the receiver token, creating it with mode 0600 on first use.

    `location` is the data dir, or the token file itself (`AppPaths.token_file`,
    recognised by its name `receiver-token`). A file another user could read is
    set back to 0600 with a warning; an empty one (a crash between creating and
    writing it) gets a fresh token.
    """
    path = location if location.name == TOKEN_FILE_NAME else location / TOKEN_FILE_NAME
    token = secrets.token_urlsafe(32)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL and the mode in one call: the file never exists with looser
        # permissions, and when two processes start at once only one token wins.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_existing(path)
    except OSError as exc:
        raise ConfigError(
            f"cannot create the receiver token in {path}: {exc.strerror or exc}; "
            f"check that {path.parent} can be created and written"
        ) from exc
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(token + "\n")
    log.info("created the receiver token in %s", path)
    return token


def _read_existing(path: Path) -> str:
    if _POSIX:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            os.chmod(path, 0o600)
            log.warning(
                "the receiver token file %s was readable by other users (mode %04o); "
                "set it to 0600. If someone else may have read it, delete the file and "
                "restart Shiftbell to get a new token",
                path,
                mode,
            )
    try:
        token = path.read_text(encoding="ascii").strip()
    except UnicodeDecodeError:
        raise ConfigError(
            f"the receiver token file {path} holds non-ASCII text: "
            "delete it and Shiftbell makes a new token"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the receiver token file {path}: {exc.strerror}") from exc
    if not token:
        log.warning("the receiver token file %s was empty; wrote a new token", path)
        return _replace(path)
    if any(not ch.isprintable() or ch.isspace() for ch in token):
        raise ConfigError(
            f"the receiver token in {path} contains spaces or control characters, so it "
            "cannot travel in an HTTP header: delete the file and Shiftbell makes a new token"
        )
    return token


def _replace(path: Path) -> str:
    """Write a new token beside the file, then rename it over: never a half-written token."""
    token = secrets.token_urlsafe(32)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    scratch.unlink(missing_ok=True)  # a leftover could have other permissions: start afresh
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(token + "\n")
    os.replace(scratch, path)
    return token
