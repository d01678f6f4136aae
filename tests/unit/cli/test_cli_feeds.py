"""`shiftbell feed add/list/test/remove` against real fake vendors on 127.0.0.1, with a real
keyring backend; tokens must reach the keyring and the vendor, and nothing else."""

import io
import json
import logging
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from keyring.backend import KeyringBackend
from keyring.backends import fail
from tests.helpers.data import TEST_DATA
from tests.helpers.memory_keyring import MemoryKeyring, keyring_in_use
from tests.helpers.vendor_server import FakeVendorServer, free_port
from tests.unit.sources.alertmanager.fake_alertmanager import recorded_alertmanager
from tests.unit.sources.pagerduty.fake_pagerduty import FakePagerDuty

from shiftbell.cli import main
from shiftbell.settings.template import render_settings
from shiftbell.store.credentials import SERVICE
from shiftbell.system.paths import AppPaths

DATA = TEST_DATA / "alertmanager_api"
TOKEN = "pd-user-token-7Hq2-do-not-leak"  # distinctive, so a leak anywhere is easy to find


class TerminalInput(io.StringIO):
    """Standard input as a person at a terminal: isatty() is True."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    # No app is running in these tests: a port nothing listens on, whatever runs on 8974.
    monkeypatch.setenv("SHIFTBELL_URL", f"http://127.0.0.1:{free_port()}")
    paths = AppPaths.default()
    assert str(paths.config_file).startswith(str(tmp_path))
    return paths


@pytest.fixture
def vault() -> Iterator[MemoryKeyring]:
    with keyring_in_use(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def no_keyring() -> Iterator[KeyringBackend]:
    with keyring_in_use(fail.Keyring()) as backend:
        yield backend


@pytest.fixture(autouse=True)
def logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    caplog.set_level(logging.DEBUG)
    yield
    assert TOKEN not in caplog.text


def stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> io.StringIO:
    piped = io.StringIO(text)
    monkeypatch.setattr(sys, "stdin", piped)
    return piped


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["feed", *argv])
    out, err = capsys.readouterr()
    assert TOKEN not in out and TOKEN not in err
    return code, out, err


@pytest.fixture
def alertmanager() -> Iterator[FakeVendorServer]:
    """Alertmanager's API v2, answering from recorded payloads."""
    with recorded_alertmanager() as server:
        yield server


def config_text(paths: AppPaths) -> str:
    return paths.config_file.read_text(encoding="utf-8")


# -- the whole round ---------------------------------------------------------------------------


def test_add_list_test_remove_an_alertmanager_feed(
    dirs: AppPaths,
    vault: MemoryKeyring,
    alertmanager: FakeVendorServer,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["feed", "list"]) == 0 and not dirs.config_file.exists()
    assert main(["feed", "remove", "lab"]) == 1
    capsys.readouterr()
    code, out, err = run(capsys, "add", "alertmanager", "lab", "--url", alertmanager.url)
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Added Alertmanager feed lab at {alertmanager.url} to {dirs.config_file}.",
        "Check it with: shiftbell feed test lab",
        "Shiftbell is not running: the feed starts when it does.",
    ]
    assert 'name = "lab"' in config_text(dirs)
    assert config_text(dirs).startswith("# Shiftbell configuration.")  # the commented file

    code, out, _ = run(capsys, "list")
    assert code == 0
    assert out.splitlines() == [
        "NAME  KIND          ENABLED  SECRET  URL",
        f"lab   alertmanager  yes      none    {alertmanager.url}",
    ]

    code, out, err = run(capsys, "test", "lab")
    assert (code, err) == (0, "")
    assert out == "lab: Alertmanager 0.25.0, 6 active alerts (1 silenced)\n"
    assert [r.path for r in alertmanager.requests_to("/api/v2")] == [
        "/api/v2/status",
        "/api/v2/alerts",
        "/api/v2/silences",  # who silenced the silenced one
    ]

    code, out, err = run(capsys, "remove", "lab")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Removed feed lab from {dirs.config_file}.",
        "Shiftbell is not running: the feed stops when it does.",
    ]
    # As it was before the feed came and went, but for the blank line that set it apart.
    assert config_text(dirs) == render_settings() + "\n"
    assert run(capsys, "list", "--json")[1] == "[]\n"


def test_a_token_goes_to_the_keyring_and_the_vendor_and_nowhere_else(
    dirs: AppPaths,
    vault: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakePagerDuty(TOKEN) as pagerduty:
        stdin(monkeypatch, TOKEN + "\n")
        code, out, err = run(
            capsys,
            "add",
            "PagerDuty",
            "work-pd",
            "--url",
            pagerduty.url,
            "--token-stdin",
            "--option",
            "from_email=earline@example.com",
            "--interval",
            "30",
        )
        assert (code, err) == (0, "")
        assert "its token is in the OS keyring" in out
        assert vault.passwords == {(SERVICE, "feed:work-pd"): TOKEN}
        text = config_text(dirs)
        assert TOKEN not in text
        assert 'from_email = "earline@example.com"' in text and "interval_s = 30" in text

        code, out, err = run(capsys, "test", "work-pd")
        assert (code, err) == (0, "")
        assert out.startswith("work-pd: PagerDuty: signed in as Earline Greenholt (earline@")
        # The fake answers only to this exact header: the token came from the keyring.
        sent = {r.headers["Authorization"] for r in pagerduty.server.requests}
        assert sent == {f"Token token={TOKEN}"}

    code, out, _ = run(capsys, "list", "--json")
    [listed] = json.loads(out)
    assert listed == {
        "name": "work-pd",
        "kind": "pagerduty",
        "url": pagerduty.url,
        "enabled": True,
        "interval_s": 30.0,
        "stale_after_s": 120.0,
        "options": {"from_email": "earline@example.com"},
        "secret_stored": True,
        "secret_store": "keyring",
    }

    code, out, _ = run(capsys, "remove", "work-pd")
    assert code == 0
    assert out.startswith(f"Removed feed work-pd from {dirs.config_file} and its stored token.")
    assert vault.passwords == {}
    assert "work-pd" not in config_text(dirs)


def test_feed_test_reports_the_vendors_refusal_and_fails(
    dirs: AppPaths,
    vault: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with FakePagerDuty("the-real-key") as pagerduty:
        stdin(monkeypatch, TOKEN)
        assert (
            run(capsys, "add", "pagerduty", "pd", "--url", pagerduty.url, "--token-stdin")[0] == 0
        )
        code, out, err = run(capsys, "test", "pd")
    assert (code, out) == (1, "")
    assert err.startswith("shiftbell: feed pd: PagerDuty rejected the API key (401")
    assert "check the API key in Settings > Feeds > pd" in err


def test_feed_test_says_when_the_source_is_down(
    dirs: AppPaths, vault: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    server = FakeVendorServer()
    with server:
        url = server.url
    assert run(capsys, "add", "alertmanager", "gone", "--url", url)[0] == 0
    code, _, err = run(capsys, "test", "gone")
    assert code == 1
    assert err.startswith(f"shiftbell: feed gone: cannot reach Alertmanager at {url}")


# -- what add refuses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["ntfy", "my feed", "--url", "https://n", "--option", "topics=a"], '"my feed" has'),
        (["ntfy", "team", "--url", "ftp://n", "--option", "topics=a"], "must start with https://"),
        (["ntfy", "team", "--url", "https://n"], "a ntfy feed needs --option topics=..."),
        (["ntfy", "team"], "a ntfy feed needs --url"),
        (["ntfy", "team", "--url", "https://n", "--option", "topics"], "is not KEY=VALUE"),
        (["pagerduty", "pd"], "a PagerDuty feed needs its API key: add --token-stdin"),
        (
            ["pagerduty", "pd", "--token-stdin", "--interval", "2"],
            "the interval 2 s is shorter than pagerduty allows: use 5 s or more",
        ),
        (
            ["alertmanager", "am", "--url", "https://u:pw@am.example.org"],
            "leave them out of the URL",
        ),
    ],
)
def test_bad_arguments_are_named_and_nothing_is_written(
    dirs: AppPaths,
    vault: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
    words: str,
) -> None:
    piped = stdin(monkeypatch, TOKEN)
    code, out, err = run(capsys, "add", *argv)
    assert code == 2
    assert out == ""
    assert err.startswith("shiftbell: feed add: ")
    assert words in err
    assert not dirs.config_file.exists()
    assert vault.passwords == {}
    assert piped.tell() == 0  # the token was not even read


def test_an_unknown_kind_is_a_usage_error(
    dirs: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["feed", "add", "checkmk", "x", "--url", "https://x"])
    assert caught.value.code == 2
    assert "'checkmk' is not a feed kind: use alertmanager, pagerduty" in capsys.readouterr().err


def test_a_taken_name_is_refused_before_the_token_is_read(
    dirs: AppPaths,
    vault: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run(capsys, "add", "alertmanager", "pd", "--url", "http://am")[0] == 0
    before = config_text(dirs)
    piped = stdin(monkeypatch, TOKEN)
    code, _, err = run(capsys, "add", "pagerduty", "pd", "--token-stdin")
    assert code == 1
    assert f'a feed named "pd" is already in {dirs.config_file}' in err
    assert "shiftbell feed remove pd" in err
    assert piped.tell() == 0
    assert config_text(dirs) == before
    assert vault.passwords == {}


def test_the_adapters_own_checks_run_before_anything_is_stored(
    dirs: AppPaths,
    vault: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdin(monkeypatch, "me@example.com:" + TOKEN)
    code, _, err = run(capsys, "add", "opsgenie", "jsm", "--token-stdin", "--option", "api=jsm")
    assert code == 1
    assert err.startswith("shiftbell: feed jsm was not added: ")
    assert "cloud_id" in err
    assert vault.passwords == {}
    assert not dirs.config_file.exists()


def test_a_malformed_config_is_refused_untouched_and_the_token_is_not_kept(
    dirs: AppPaths,
    vault: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dirs.config_dir.mkdir(parents=True)
    broken = "# mine\n[receiver]\nport = 8974\nport = 8975\n"
    dirs.config_file.write_text(broken)
    stdin(monkeypatch, TOKEN)
    code, out, err = run(capsys, "add", "pagerduty", "pd", "--token-stdin")
    assert (code, out) == (1, "")
    assert err == (
        f"shiftbell: {dirs.config_file} line 4 is not valid TOML (this key is set twice): "
        "fix it first, then add the feed again; the file is unchanged\n"
    )
    assert dirs.config_file.read_text() == broken
    assert vault.passwords == {}


def test_an_empty_or_multi_line_token_is_refused(
    dirs: AppPaths,
    vault: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdin(monkeypatch, "\n")
    code, _, err = run(capsys, "add", "pagerduty", "pd", "--token-stdin")
    assert code == 1 and "no API key on standard input" in err
    stdin(monkeypatch, "line one\nline two\n")
    code, _, err = run(capsys, "add", "pagerduty", "pd", "--token-stdin")
    assert code == 1 and "has several lines" in err
    assert vault.passwords == {}
    assert not dirs.config_file.exists()


def test_missing_advised_options_give_a_warning_but_the_feed_is_added(
    dirs: AppPaths,
    vault: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdin(monkeypatch, TOKEN)
    code, out, err = run(capsys, "add", "pagerduty", "pd", "--token-stdin", "--disabled")
    assert code == 0
    assert err.startswith("shiftbell: warning: feed pd: without from_email")
    assert "(disabled)" in out and "Restart Shiftbell" not in out
    assert 'url = "https://api.pagerduty.com"' in config_text(dirs)
    assert "enabled = false" in config_text(dirs)


# -- no keyring --------------------------------------------------------------------------------


def test_without_a_keyring_a_script_is_told_how_to_allow_the_file(
    dirs: AppPaths,
    no_keyring: KeyringBackend,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdin(monkeypatch, TOKEN)
    code, out, err = run(capsys, "add", "pagerduty", "pd", "--token-stdin")
    assert (code, out) == (1, "")
    assert err.startswith(
        "shiftbell: No usable OS keyring (Secret Service / KWallet / macOS Keychain / "
        "Windows Credential Locker) was found, so the token for feed pd could not be stored"
    )
    assert "--allow-file-secrets" in err and str(dirs.data_dir / "secrets.json") in err
    assert not dirs.config_file.exists()
    assert not (dirs.data_dir / "secrets.json").exists()


def test_without_a_keyring_allow_file_secrets_keeps_the_token_in_a_private_file(
    dirs: AppPaths,
    no_keyring: KeyringBackend,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stdin(monkeypatch, TOKEN)
    code, out, _ = run(capsys, "add", "pagerduty", "pd", "--token-stdin", "--allow-file-secrets")
    assert code == 0
    secrets_file = dirs.data_dir / "secrets.json"
    assert f"its token is in {secrets_file} (readable only by you)" in out
    assert json.loads(secrets_file.read_text())["secrets"] == {"feed:pd": TOKEN}
    if os.name == "posix":
        assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert TOKEN not in config_text(dirs)
    [listed] = json.loads(run(capsys, "list", "--json")[1])
    assert listed["secret_store"] == "file"

    assert run(capsys, "remove", "pd")[0] == 0
    assert json.loads(secrets_file.read_text())["secrets"] == {}


@pytest.mark.parametrize(("answer", "added"), [("y\n", True), ("\n", False), ("no\n", False)])
def test_without_a_keyring_a_person_at_a_terminal_is_asked(
    dirs: AppPaths,
    no_keyring: KeyringBackend,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    answer: str,
    added: bool,
) -> None:
    prompts: list[str] = []

    def typed_without_echo(prompt: str = "") -> str:
        prompts.append(prompt)
        return TOKEN

    monkeypatch.setattr("getpass.getpass", typed_without_echo)
    monkeypatch.setattr(sys, "stdin", TerminalInput(answer))
    code, out, err = run(capsys, "add", "pagerduty", "pd", "--token-stdin")
    secrets_file = dirs.data_dir / "secrets.json"
    assert prompts == ["PagerDuty API key for pd (not shown): "]
    assert f"Store the token in {secrets_file} (readable only by you) instead? [y/N] " in out
    assert "No usable OS keyring" in err
    assert dirs.config_file.exists() is added
    if added:
        assert code == 0
        assert json.loads(secrets_file.read_text())["secrets"] == {"feed:pd": TOKEN}
    else:
        assert code == 1
        assert "the token was not stored, so feed pd was not added" in err
        assert not secrets_file.exists()


# -- list, test, remove: the edges ------------------------------------------------------------


def test_list_without_a_config_file_does_not_create_one(
    dirs: AppPaths, vault: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "list")
    assert (code, out) == (
        0,
        "No feeds yet. Add one with: shiftbell feed add KIND NAME --url URL\n",
    )
    assert not dirs.config_file.exists()


def test_list_warns_about_skipped_feeds_and_test_names_the_problem(
    dirs: AppPaths, vault: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    dirs.config_dir.mkdir(parents=True)
    dirs.config_file.write_text(
        '[[feeds]]\nname = "old"\nkind = "checkmk"\nurl = "https://n"\n'
        '[[feeds]]\nname = "ok"\nkind = "alertmanager"\nurl = "http://am"\nenabled = false\n'
    )
    code, out, err = run(capsys, "list", "--json")
    assert code == 0
    assert [(f["name"], f["enabled"], f["secret_stored"]) for f in json.loads(out)] == [
        ("ok", False, False)
    ]
    assert err.startswith(f'shiftbell: warning: {dirs.config_file}: line 3: feed "old": kind')

    code, out, err = run(capsys, "test", "old")
    assert (code, out) == (1, "")
    assert '"checkmk" is not a feed kind' in err and "this feed is skipped" in err

    code, _, err = run(capsys, "test", "nope")
    assert code == 1
    assert err == (
        f"shiftbell: there is no feed named nope in {dirs.config_file}: "
        "`shiftbell feed list` shows the feeds\n"
    )


def test_remove_of_an_unknown_feed_fails_and_a_leftover_token_is_cleaned(
    dirs: AppPaths, vault: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "remove", "nope")
    assert code == 1
    assert "there is no feed named nope" in err
    vault.passwords[(SERVICE, "feed:orphan")] = TOKEN
    code, out, _ = run(capsys, "remove", "orphan")
    assert code == 0
    assert out == (
        f"There was no feed orphan in {dirs.config_file}; removed the token stored for it.\n"
    )
    assert vault.passwords == {}


def test_feed_test_without_a_keyring_says_why_the_token_is_missing(
    dirs: AppPaths, no_keyring: KeyringBackend, capsys: pytest.CaptureFixture[str]
) -> None:
    dirs.config_dir.mkdir(parents=True)
    dirs.config_file.write_text('[[feeds]]\nname = "pd"\nkind = "pagerduty"\n')
    code, out, err = run(capsys, "test", "pd")
    assert (code, out) == (1, "")
    assert err.startswith("shiftbell: No usable OS keyring (Secret Service")
    assert f"{dirs.data_dir / 'secrets.json'} holds no token for feed pd" in err


def test_feed_without_a_command_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["feed"]) == 2
    assert "add" in capsys.readouterr().err


def test_the_secret_never_reaches_the_config_even_in_a_round_of_edits(
    dirs: AppPaths,
    vault: MemoryKeyring,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    files: dict[str, Any] = {}
    for name in ("a", "b", "c"):
        stdin(monkeypatch, TOKEN + name)
        assert run(capsys, "add", "gotify", name, "--url", "https://g", "--token-stdin")[0] == 0
        files[name] = config_text(dirs)
    assert run(capsys, "remove", "b")[0] == 0
    for text in [*files.values(), config_text(dirs)]:
        assert TOKEN not in text
    assert sorted(vault.passwords) == [(SERVICE, "feed:a"), (SERVICE, "feed:c")]


def test_a_running_app_is_told_to_reload_its_feeds(
    dirs: AppPaths,
    vault: MemoryKeyring,
    alertmanager: FakeVendorServer,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """a feed added with the CLI starts in the running app, without a restart."""
    reloads: list[str] = []

    async def reload(request: web.Request) -> web.Response:
        reloads.append(request.headers.get("Authorization", ""))
        return web.json_response({"ok": True})

    app = FakeVendorServer()
    app.route("POST", "/api/v1/reload", reload)
    with app:
        monkeypatch.setenv("SHIFTBELL_URL", app.url)
        code, out, _ = run(capsys, "add", "alertmanager", "lab", "--url", alertmanager.url)
        assert code == 0
        assert out.splitlines()[-1] == (
            "The running Shiftbell reloaded its feeds: the feed starts now."
        )
        assert len(reloads) == 1 and reloads[0].startswith("Bearer ")


def test_feed_kinds_lists_the_sources_and_explains_one(
    dirs: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "kinds")
    assert code == 0
    assert out.splitlines()[1] == "pagerduty       PagerDuty (feed and schedule)"
    assert "ics             Calendar (ICS link or file) (schedule)" in out
    code, out, _ = run(capsys, "kinds", "NTFY")
    assert code == 0
    assert out.startswith("ntfy (kind ntfy)\n")
    assert "  topics  [list]\n      Required. One or more topic names" in out
    code, _, err = run(capsys, "kinds", "checkmk")
    assert code == 2
    assert "'checkmk' is not a kind: use alertmanager, pagerduty" in err


def test_feed_add_refuses_an_unknown_option_naming_the_known_ones(
    dirs: AppPaths, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        capsys, "add", "alertmanager", "lab", "--url", "http://127.0.0.1:9", "--option", "filtre=x"
    )
    assert code == 2
    assert (
        "feed add: unknown option 'filtre': the options of alertmanager are filter, receiver, "
        "ack_mode, silence_duration_s, created_by, comment, auth"
    ) in err
    assert not dirs.config_file.exists() or "lab" not in dirs.config_file.read_text()
