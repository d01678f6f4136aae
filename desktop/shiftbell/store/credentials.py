"""Feed credentials: in the OS keyring, or, only where the person agreed, in a private file.

The config file is meant to be shared, backed up and pasted into bug reports,
so tokens never go there. They go to the OS keyring (Secret Service / KWallet on
Linux, the macOS Keychain, the Windows Credential Locker) under the service
"shiftbell" and the user name "feed:<name>".

Some machines have no keyring (a headless box, a minimal window manager). There
the person may agree (`--allow-file-secrets`, or "y" at the CLI's question) to
keep tokens in `secrets.json` in Shiftbell's data folder instead. That file is
NOT encrypted: it is created with mode 0600 (readable by its owner only, like
the receiver token) and set back to 0600 if found looser. Encrypting it with a
key kept beside it would protect nothing, so it does not pretend to.

Secrets never reach a log or an error message: only feed names do.
"""

from __future__ import annotations

import json
import logging
import os
import secrets as random_names
import stat
import threading
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shiftbell.core.errors import ShiftbellError
from shiftbell.settings.feed_rules import name_problem
from shiftbell.store.secret_hints import SecretHints

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

SERVICE = "shiftbell"
# What a secret belongs to: a feed's token, a schedule's private calendar link, a phone
# channel's token (Pushover's app token, an ntfy access token).
SCOPES = ("feed", "schedule", "phone")
SECRETS_FILE_NAME = "secrets.json"
_FILE_VERSION = 1
_POSIX = os.name == "posix"

NO_KEYRING = (
    "No usable OS keyring (Secret Service / KWallet / macOS Keychain / Windows "
    "Credential Locker) was found"
)


class SecretStoreError(ShiftbellError):
    """A secret could not be stored, read or deleted; the message says why (never the secret)."""


class NoKeyringError(SecretStoreError):
    """There is no usable OS keyring, and the person has not agreed to the file instead.

    `file_path` is where the secret would go if they agree.
    """

    def __init__(self, message: str, file_path: Path) -> None:
        super().__init__(message)
        self.file_path = file_path


class SecretLocation(StrEnum):
    KEYRING = "keyring"
    FILE = "file"
    NONE = "none"


def username(name: str, scope: str = "feed") -> str:
    """The keyring user name of feed `name` ("feed:NAME"), or of a schedule ("schedule:NAME",
    its private calendar link)."""
    return f"{scope}:{name}"


def keyring_usable(backend: KeyringBackend) -> bool:
    """False for keyring's stand-ins that store nothing (fail, null, an empty chain)."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return False
    if isinstance(backend, chainer.ChainerBackend):
        return bool(backend.backends)
    return True


class SecretStore:
    """Get, set and delete feed secrets by feed name.

    Reads look in the file first (it exists only where the person chose it), then
    in the keyring. Writes go to the keyring when there is one; to the file only
    with `allow_file=True`. A token stored in the keyring is removed from the
    file, so an old copy never shadows a new one.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        allow_file: bool = False,
        backend: KeyringBackend | None = None,
    ) -> None:
        self.file_path = data_dir / SECRETS_FILE_NAME
        self.allow_file = allow_file
        self._chosen = backend
        self._choosing = threading.Lock()
        self._hints = SecretHints(data_dir)

    @property
    def _backend(self) -> KeyringBackend:
        # Found at the first use, not when the app starts: finding it loads every keyring
        # plug-in (cryptography among them), a sixth of the app's start-up.
        with self._choosing:
            if self._chosen is None:
                import keyring

                self._chosen = keyring.get_keyring()
            return self._chosen

    @property
    def keyring_usable(self) -> bool:
        return keyring_usable(self._backend)

    @property
    def keyring_name(self) -> str:
        return str(getattr(self._backend, "name", type(self._backend).__name__))

    # -- the three operations -------------------------------------------------------------

    def get(self, name: str, *, scope: str = "feed") -> str:
        """The secret for feed `name`, or "" if none is stored."""
        _check_name(name, scope)
        stored = self._file_secrets().get(username(name, scope))
        if stored is not None:
            return stored
        found = ""
        if self.keyring_usable:
            answer = self._call(
                "read",
                f"{scope} {name}",
                self._backend.get_password,
                SERVICE,
                username(name, scope),
            )
            found = answer if isinstance(answer, str) else ""
        self._hints.note(username(name, scope), bool(found))
        return found

    def last_seen_without(self, name: str, *, scope: str = "feed") -> bool:
        """True if the last look found no secret for `name` (store/secret_hints.py): a hint,
        answered without loading the keyring, that `get` may still contradict."""
        _check_name(name, scope)
        try:
            if username(name, scope) in self._file_secrets():
                return False
        except SecretStoreError:
            return False  # `get` says what is wrong with the file
        return self._hints.known_absent(username(name, scope))

    def where(self, name: str, *, scope: str = "feed") -> SecretLocation:
        """Where feed `name`'s secret is kept; NONE if nowhere."""
        _check_name(name, scope)
        if username(name, scope) in self._file_secrets():
            return SecretLocation.FILE
        if self.keyring_usable and self._call(
            "read", f"{scope} {name}", self._backend.get_password, SERVICE, username(name, scope)
        ):
            return SecretLocation.KEYRING
        return SecretLocation.NONE

    def set(self, name: str, secret: str, *, scope: str = "feed") -> SecretLocation:
        """Store `secret` for feed `name`; return where it went.

        Raises NoKeyringError when there is no keyring and the file was not allowed.
        """
        _check_name(name, scope)
        if not secret:
            raise SecretStoreError(f"the token for feed {name} is empty: nothing was stored")
        if self.keyring_usable:
            try:
                self._call(
                    "store",
                    f"{scope} {name}",
                    self._backend.set_password,
                    SERVICE,
                    username(name, scope),
                    secret,
                )
            except NoKeyringError:
                if not self.allow_file:
                    raise
            else:
                self._drop_from_file(name, scope)
                self._hints.note(username(name, scope), True)
                log.info("stored the token for feed %s in the OS keyring", name)
                return SecretLocation.KEYRING
        if not self.allow_file:
            raise NoKeyringError(NO_KEYRING, self.file_path)
        secrets = self._file_secrets()
        secrets[username(name, scope)] = secret
        self._write_file(secrets)
        log.warning(
            "stored the token for feed %s in %s (not encrypted, readable only by you), "
            "because there is no usable OS keyring",
            name,
            self.file_path,
        )
        return SecretLocation.FILE

    def delete(self, name: str, *, scope: str = "feed") -> bool:
        """Remove feed `name`'s secret from wherever it is; False if there was none."""
        _check_name(name, scope)
        removed = self._drop_from_file(name, scope)
        if self.keyring_usable and self._call(
            "read", f"{scope} {name}", self._backend.get_password, SERVICE, username(name, scope)
        ):
            self._call(
                "delete",
                f"{scope} {name}",
                self._backend.delete_password,
                SERVICE,
                username(name, scope),
            )
            self._hints.note(username(name, scope), False)
            removed = True
        if removed:
            log.info("deleted the token for feed %s", name)
        return removed

    # -- keyring ----------------------------------------------------------------------------

    def _call(self, verb: str, name: str, method: Any, *args: str) -> Any:
        """Call the keyring, turning its many failure types into ours, secret-free."""
        import keyring.errors

        try:
            return method(*args)
        except keyring.errors.NoKeyringError:
            raise NoKeyringError(NO_KEYRING, self.file_path) from None
        except keyring.errors.KeyringLocked:
            raise SecretStoreError(
                f"the OS keyring ({self.keyring_name}) is locked, so the token for {name} "
                f"could not be {_past(verb)}: unlock it (log in to the desktop) and try again"
            ) from None
        except keyring.errors.PasswordDeleteError:
            return None  # already gone: what delete wanted
        except Exception as exc:  # the edge to a plug-in backend: D-Bus, Security.framework...
            raise SecretStoreError(
                f"the OS keyring ({self.keyring_name}) could not {verb} the token for "
                f"{name}: {type(exc).__name__}: {_first_line(exc)}"
            ) from None

    # -- the file ----------------------------------------------------------------------------

    def _file_secrets(self) -> dict[str, str]:
        try:
            raw = self.file_path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretStoreError(
                f"cannot read the secrets file {self.file_path}: {exc.strerror or exc}"
            ) from None
        self._tighten()
        try:
            document = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
            # Never quote the content: it holds secrets.
            raise SecretStoreError(
                f"the secrets file {self.file_path} is damaged{where}: delete it and add "
                "the feeds' tokens again"
            ) from None
        found = document.get("secrets") if isinstance(document, dict) else None
        if not isinstance(found, dict):
            raise SecretStoreError(
                f"the secrets file {self.file_path} is not one Shiftbell wrote: delete it and "
                "add the feeds' tokens again"
            )
        return {key: value for key, value in found.items() if isinstance(value, str)}

    def _tighten(self) -> None:
        if not _POSIX:
            return
        mode = stat.S_IMODE(self.file_path.stat().st_mode)
        if mode & 0o077:
            os.chmod(self.file_path, 0o600)
            log.warning(
                "the secrets file %s was readable by other users (mode %04o); set it to 0600. "
                "If someone else may have read it, replace the tokens it holds",
                self.file_path,
                mode,
            )

    def _drop_from_file(self, name: str, scope: str = "feed") -> bool:
        if not self.file_path.exists():
            return False
        secrets = self._file_secrets()
        if secrets.pop(username(name, scope), None) is None:
            return False
        self._write_file(secrets)
        return True

    def _write_file(self, secrets: dict[str, str]) -> None:
        """Write beside the file and rename over it; the new file is 0600 from its first byte."""
        folder = self.file_path.parent
        scratch = folder / f".{SECRETS_FILE_NAME}.{random_names.token_hex(6)}.tmp"
        data = json.dumps({"version": _FILE_VERSION, "secrets": secrets}, indent=2) + "\n"
        try:
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            # O_EXCL and the mode in one call, as for the receiver token: the file
            # never exists with looser permissions, even for a moment.
            fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(scratch, self.file_path)
        except OSError as exc:
            scratch.unlink(missing_ok=True)
            raise SecretStoreError(
                f"cannot write the secrets file {self.file_path}: {exc.strerror or exc}"
            ) from None


def _check_name(name: str, scope: str = "feed") -> None:
    if scope not in SCOPES:
        raise SecretStoreError(f"no secrets are kept for a {scope!r}: use {', '.join(SCOPES)}")
    why = name_problem(name)
    if why is not None:
        raise SecretStoreError(f"cannot keep a token for that {scope}: {why}")


def _past(verb: str) -> str:
    return {"read": "read", "store": "stored", "delete": "deleted"}.get(verb, verb)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:200] if text else "no details"
