"""Where Shiftbell keeps its files, in one place so the app, the CLI and the tests agree.

The directories come from platformdirs, so they follow each platform's rules
(XDG on Linux, which also lets tests point them at tmp dirs through
XDG_CONFIG_HOME / XDG_DATA_HOME / XDG_STATE_HOME).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import platformdirs

from shiftbell.receiver.address import PORT_FILE_NAME
from shiftbell.receiver.token import TOKEN_FILE_NAME

APP_NAME = "shiftbell"


@dataclass(frozen=True)
class AppPaths:
    """The three directories Shiftbell uses and the files inside them.

    Attributes:
        config_dir: the TOML config (no secrets: those go to the keyring).
        data_dir: the SQLite state and the receiver token (kept private, 0700).
        log_dir: the app's log file.
    """

    config_dir: Path
    data_dir: Path
    log_dir: Path

    @classmethod
    def default(cls) -> AppPaths:
        """The platform's per-user directories, read from the environment at call time."""
        return cls(
            config_dir=platformdirs.user_config_path(APP_NAME, appauthor=False),
            data_dir=platformdirs.user_data_path(APP_NAME, appauthor=False),
            log_dir=platformdirs.user_log_path(APP_NAME, appauthor=False),
        )

    @property
    def config_file(self) -> Path:
        return self.config_dir / "config.toml"

    @property
    def db_file(self) -> Path:
        return self.data_dir / "shiftbell.sqlite3"

    @property
    def token_file(self) -> Path:
        return self.data_dir / TOKEN_FILE_NAME

    @property
    def port_file(self) -> Path:
        """The port this user's running app listens on (receiver/port_file.py)."""
        return self.data_dir / PORT_FILE_NAME

    @property
    def runtime_dir(self) -> Path:
        """The login session's own folder (XDG_RUNTIME_DIR; RAM on Linux), off the data disk."""
        return platformdirs.user_runtime_path(APP_NAME, appauthor=False)

    @property
    def log_file(self) -> Path:
        return self.log_dir / "shiftbell.log"

    def make_dirs(self) -> None:
        """Create the directories; new ones are private because data_dir holds the token."""
        for directory in (self.config_dir, self.data_dir, self.log_dir):
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
