"""What the `shiftbell` commands share: where the running app is, how to say a problem,
and reading the config as the app does."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shiftbell.core.errors import ConfigError
from shiftbell.receiver.address import AUTO_PORT, DEFAULT_RECEIVER_PORT, RECEIVER_HOST
from shiftbell.receiver.client import (
    NotRunningError,
    OtherUsersReceiverError,
    ReceiverClient,
    ReceiverClientError,
)
from shiftbell.receiver.port_file import read_port
from shiftbell.receiver.port_owner import listener_uid
from shiftbell.receiver.token import load_or_create_token
from shiftbell.system.paths import AppPaths

if TYPE_CHECKING:
    from shiftbell.settings.model import Settings

URL_ENV = "SHIFTBELL_URL"


PROBE_TIMEOUT_S = 2.0


def usage_of(parser: argparse.ArgumentParser) -> Callable[[argparse.Namespace, AppPaths], int]:
    def usage(args: argparse.Namespace, paths: AppPaths) -> int:
        parser.print_help(sys.stderr)
        return 2

    return usage


def add_secret_arguments(parser: argparse.ArgumentParser) -> None:
    """--token-stdin and --allow-file-secrets, as `feed add` and `phone add` take them."""
    parser.add_argument(
        "--token-stdin",
        action="store_true",
        help="read the token from standard input (asks for it when run in a terminal)",
    )
    parser.add_argument(
        "--allow-file-secrets",
        action="store_true",
        help="if there is no OS keyring, keep the token in a file only you can read "
        "(not encrypted) instead of asking",
    )


def seconds_arg(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError("use a positive number of seconds")
    return value


def label_arg(text: str) -> tuple[str, str]:
    """NAME=VALUE, as `send --label` takes it."""
    name, equals, value = text.partition("=")
    if not equals or not name.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE (host=db1)")
    return name.strip(), value.strip()


def receiver_url(paths: AppPaths) -> str:
    """SHIFTBELL_URL if set, else 127.0.0.1 at this user's app's port (`receiver_port`)."""
    override = os.environ.get(URL_ENV, "").strip()
    if override:
        return override.rstrip("/")
    return f"http://{RECEIVER_HOST}:{receiver_port(paths)}"


def receiver_port(paths: AppPaths) -> int:
    """The configured port; with `port = 0` (each user their own), the one this user's app
    wrote down when it started listening, else the first it would try."""
    configured = configured_port(paths)
    if configured != AUTO_PORT:
        return configured
    return read_port(paths.port_file) or DEFAULT_RECEIVER_PORT


def configured_port(paths: AppPaths) -> int:
    """The receiver port of the settings a running app would be using.

    Read exactly as the app reads config.toml (a BOM, a broken file and the last good
    copy included), so the CLI finds the app that runs; never writes a config file.
    A file that plainly says it (or says nothing) is read on its own, without the settings
    loader and all it imports, so `shiftbell status` and `ack` answer sooner.
    """
    quick = _plain_port(paths)
    if quick is not None:
        return quick
    from shiftbell.settings.config_keeper import ConfigKeeper

    in_force = ConfigKeeper(paths.config_file, paths.data_dir).peek()
    if in_force.fallback:
        warn(
            f"cannot read {paths.config_file} ({in_force.problems[0]}); "
            f"using the port of {in_force.fallback}, {in_force.settings.receiver.port}"
        )
    return in_force.settings.receiver.port


# Larger than any real config; a bigger file goes to the full loader (which refuses > 1 MiB).
_QUICK_READ_MAX = 256 * 1024


def _plain_port(paths: AppPaths) -> int | None:
    """`[receiver] port` when the file is readable TOML and the value is plainly a port (or
    there is none: the default); None when anything is less than plain."""
    try:
        raw = paths.config_file.read_bytes()
    except FileNotFoundError:
        return AUTO_PORT  # the app writes the default file, which says port = 0
    except OSError:
        return None
    if len(raw) > _QUICK_READ_MAX:
        return None
    try:
        document = tomllib.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    receiver = document.get("receiver", {})
    if not isinstance(receiver, dict):
        return None
    port = receiver.get("port", AUTO_PORT)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        return None
    return port


def client_for(paths: AppPaths, timeout: float | None = None) -> ReceiverClient:
    """A client of this user's running app. OtherUsersReceiverError (a NotRunningError) when
    another user's program holds the port: it is never sent this user's token."""
    if not os.environ.get(URL_ENV, "").strip():
        port = receiver_port(paths)
        owner = listener_uid(port)
        if owner is not None and hasattr(os, "getuid") and owner != os.getuid():
            raise OtherUsersReceiverError(port, owner)
    token = load_or_create_token(paths.token_file)
    if timeout is None:
        return ReceiverClient(receiver_url(paths), token)
    return ReceiverClient(receiver_url(paths), token, timeout=timeout)


def warn(message: str) -> None:
    print(f"shiftbell: warning: {message}", file=sys.stderr)


def usage_error(message: str) -> int:
    print(f"shiftbell: {message}", file=sys.stderr)
    return 2


def parse_options(pairs: list[str]) -> dict[str, str] | str:
    """`KEY=VALUE` arguments as a dict, or the reason they are not."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, equals, value = pair.partition("=")
        key = key.strip()
        if not equals or not key:
            return f"--option {pair!r} is not KEY=VALUE"
        from shiftbell.settings import feed_rules

        why = feed_rules.option_problem(key, value)
        if why is not None:
            return why
        if key in options:
            return f"--option {key} is given twice"
        options[key] = value
    return options


def interactive() -> bool:
    try:
        return sys.stdin.isatty()
    except (AttributeError, ValueError):
        return False


def read_config(paths: AppPaths) -> tuple[Settings, list[str]]:
    """The settings as the app would load them, without writing a default file."""
    from shiftbell.settings.toml_store import read_settings

    # The app's own reader (a BOM, the size limit, the same messages); a file it cannot
    # read at all is refused here, since the commands that read it go on to change it.
    loaded = read_settings(paths.config_file)
    if not loaded.readable:
        raise ConfigError(f"{loaded.problems[0]}: fix it first")
    return loaded.settings, loaded.problems


def no_such_entry(noun: str, name: str, problems: list[str], config_file: Path) -> int:
    """No usable `noun` called `name` in the config: what the loader said of it (exit 1), or,
    when it said nothing, a ConfigError naming the command that lists them."""
    about = [problem for problem in problems if f'{noun} "{name}"' in problem]
    for problem in about:
        print(f"shiftbell: {problem}", file=sys.stderr)
    if about:
        return 1
    raise ConfigError(
        f"there is no {noun} named {name} in {config_file}: "
        f"`shiftbell {noun} list` shows the {noun}s"
    )


def tell_running_app(paths: AppPaths, what_happens: str, thing: str = "the feed") -> None:
    """Have a running app pick up the change now; without one, say when it will."""
    try:
        client_for(paths, timeout=PROBE_TIMEOUT_S).reload()
    except NotRunningError:
        print(f"Shiftbell is not running: {thing} {what_happens} when it does.")
    except ReceiverClientError as exc:
        print(f"The running Shiftbell did not reload ({exc}): restart it.")
    else:
        what = "feeds" if thing == "the feed" else "settings"
        print(f"The running Shiftbell reloaded its {what}: {thing} {what_happens} now.")


Handler = Callable[[argparse.Namespace, AppPaths], int]


def later(module: str, name: str) -> Handler:
    """The handler `name` of `shiftbell.cli.<module>`, imported when it runs.

    So `shiftbell ack` loads nothing that `shiftbell feed add` needs (the config editor,
    the sources' HTTP code, the keyring): a command answers fast and works over SSH.
    """

    def run(args: argparse.Namespace, paths: AppPaths) -> int:
        handler: Handler = getattr(importlib.import_module(f"shiftbell.cli.{module}"), name)
        return handler(args, paths)

    return run


class CommandGroup:
    """A command with commands of its own (`shiftbell feed add`, `shiftbell schedule list`):
    each is carried out by the function of `shiftbell.cli.<module>` named after both
    (feed_add, schedule_list), and every one ends with the group's `epilog`."""

    def __init__(
        self, sub: Any, name: str, *, help: str, description: str, epilog: str, module: str
    ) -> None:
        self.name, self._epilog, self._module = name, epilog, module
        parser = sub.add_parser(
            name,
            help=help,
            description=description,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.set_defaults(handler=usage_of(parser), command=name)
        self._commands = parser.add_subparsers(title=f"{name} commands", metavar="COMMAND")

    def add(self, name: str, help: str, description: str | None = None) -> argparse.ArgumentParser:
        """A command; a `description` keeps its line breaks (for examples)."""
        parser: argparse.ArgumentParser = self._commands.add_parser(
            name,
            help=help,
            description=description,
            epilog=self._epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.set_defaults(
            handler=later(self._module, f"{self.name}_{name}"), command=f"{self.name} {name}"
        )
        return parser
