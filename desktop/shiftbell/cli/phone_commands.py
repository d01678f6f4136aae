"""`shiftbell phone add|list|test|remove`: the config file and the keyring, through the phone
operations; they work without the app."""

from __future__ import annotations

import argparse
import asyncio
import sys

from shiftbell.cli.common import (
    no_such_entry,
    parse_options,
    read_config,
    tell_running_app,
    usage_error,
    warn,
)
from shiftbell.cli.feed_commands import ask_before_file, read_secret
from shiftbell.cli.listing import print_listing
from shiftbell.core.errors import ConfigError, FeedError, ShiftbellError
from shiftbell.operations.phones import PhoneOperations, send_test
from shiftbell.phones import registry
from shiftbell.phones.channel import PhoneConfig
from shiftbell.settings.phone_rules import phone_problems
from shiftbell.sources.spec import SecretNeed
from shiftbell.store.credentials import SecretLocation, SecretStore
from shiftbell.system.paths import AppPaths

PHONE_TEST_TIMEOUT_S = 30.0


def phone_add(args: argparse.Namespace, paths: AppPaths) -> int:
    spec = registry.find(args.kind)
    assert spec is not None  # argparse checked the kind
    options = parse_options(args.option)
    if isinstance(options, str):
        return usage_error(f"phone add: {options}")
    url = args.url if args.url is not None else spec.address.default
    if url is None:
        return usage_error(f"phone add: a {spec.name} phone needs --url ({spec.address.help})")
    config = PhoneConfig(args.name, spec.id, url, options)
    problems = phone_problems(config)
    word = spec.secret.word
    if spec.secret.need is SecretNeed.REQUIRED and not args.token_stdin:
        problems.append(f"a {spec.name} phone needs its {word}: add --token-stdin")
    if problems:
        for problem in problems:
            print(f"shiftbell: phone add: {problem}", file=sys.stderr)
        return 2
    secret = read_secret(spec.name, word, args.name, "phone") if args.token_stdin else ""
    store = SecretStore(paths.data_dir, allow_file=args.allow_file_secrets)
    operations = PhoneOperations(paths.config_file, store, ask_before_file(args.name, "phone"))
    try:
        spec.open(config, secret)  # the channel checks its own options; no network
    except FeedError as exc:
        raise ConfigError(f"phone {args.name} was not added: {exc}") from None
    stored = operations.add(config, secret)
    where = {
        SecretLocation.KEYRING: "; its token is in the OS keyring",
        SecretLocation.FILE: f"; its token is in {store.file_path} (readable only by you)",
        SecretLocation.NONE: "",
    }[stored]
    print(f"Added {spec.name} phone {args.name} at {url} to {paths.config_file}{where}.")
    print(f"Send it a test with: shiftbell phone test {args.name}")
    tell_running_app(paths, "gets unanswered alarms", thing="the phone")
    return 0


def phone_list(args: argparse.Namespace, paths: AppPaths) -> int:
    settings, problems = read_config(paths)
    for problem in problems:
        if "phone" in problem:
            warn(problem)
    store = SecretStore(paths.data_dir)
    rows = []
    table = [("NAME", "KIND", "SECRET", "URL")]
    for phone in settings.phones:
        try:
            where: str | None = store.where(phone.name, scope="phone").value
        except ShiftbellError as exc:
            warn(f"phone {phone.name}: {exc}")
            where = None
        rows.append(
            {
                "name": phone.name,
                "kind": phone.kind,
                "url": phone.url,
                "options": dict(phone.options),
                "secret_store": where,
            }
        )
        table.append((phone.name, phone.kind, where or "?", phone.url))
    empty = "No phones yet. Add one with: shiftbell phone add KIND NAME --option ..."
    return print_listing(args.json, rows, table, empty)


def phone_test(args: argparse.Namespace, paths: AppPaths) -> int:
    settings, problems = read_config(paths)
    phone = settings.phone(args.name)
    if phone is None:
        return no_such_entry("phone", args.name, problems, paths.config_file)
    secret = SecretStore(paths.data_dir).get(phone.name, scope="phone")
    try:
        asyncio.run(send_test(phone, secret, PHONE_TEST_TIMEOUT_S))
    except FeedError as exc:
        print(f"shiftbell: phone {phone.name}: {exc}", file=sys.stderr)
        return 1
    print(f"{phone.name}: the test message was accepted; check that the phone shows it.")
    return 0


def phone_remove(args: argparse.Namespace, paths: AppPaths) -> int:
    name = args.name
    removed = PhoneOperations(paths.config_file, SecretStore(paths.data_dir)).remove(name)
    if removed.problem:
        raise ConfigError(
            f"removed phone {name}, but its token could not be deleted: {removed.problem}"
        )
    if not removed.entry and not removed.token:
        raise ConfigError(f"there is no phone named {name} in {paths.config_file}")
    print(f"Removed phone {name}" + (" and its stored token." if removed.token else "."))
    if removed.entry:
        tell_running_app(paths, "no longer gets alarms", thing="the phone")
    return 0
