"""`shiftbell phone add/list/test/remove` with a real keyring backend and fakes of ntfy and
Pushover on 127.0.0.1: the token reaches the keyring and the phone service, nothing else."""

import io
import json
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.helpers.memory_keyring import MemoryKeyring, keyring_in_use
from tests.helpers.vendor_server import free_port
from tests.unit.phones.fake_pushover import APP_TOKEN, USER_KEY, FakePushover
from tests.unit.sources.ntfy.fake_ntfy import FakeNtfy

from shiftbell.cli import main
from shiftbell.store.credentials import SERVICE
from shiftbell.system.paths import AppPaths


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    for name in ("CONFIG", "DATA", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    monkeypatch.setenv("SHIFTBELL_URL", f"http://127.0.0.1:{free_port()}")
    return AppPaths.default()


@pytest.fixture
def vault() -> Iterator[MemoryKeyring]:
    with keyring_in_use(MemoryKeyring()) as backend:
        yield backend


def test_pushover_added_listed_tested_and_removed(
    paths: AppPaths,
    vault: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with FakePushover() as pushover:
        monkeypatch.setattr("sys.stdin", io.StringIO(APP_TOKEN + "\n"))
        added = main(
            [
                *("phone", "add", "pushover", "pager", "--url", pushover.url, "--token-stdin"),
                *("--option", f"user={USER_KEY}", "--option", "retry_s=45"),
            ]
        )
        assert added == 0
        assert "its token is in the OS keyring" in capsys.readouterr().out
        assert vault.get_password(SERVICE, "phone:pager") == APP_TOKEN
        text = paths.config_file.read_text()
        assert APP_TOKEN not in text
        [entry] = tomllib.loads(text)["phones"]
        assert entry == {
            "name": "pager",
            "kind": "pushover",
            "url": pushover.url,
            "options": {"user": USER_KEY, "retry_s": "45"},
        }

        assert main(["phone", "list", "--json"]) == 0
        [row] = json.loads(capsys.readouterr().out)
        assert (row["name"], row["secret_store"]) == ("pager", "keyring")

        assert main(["phone", "test", "pager"]) == 0
        assert "accepted" in capsys.readouterr().out
        [sent] = pushover.messages
        assert sent["title"] == "Shiftbell test" and sent.get("priority") is None

        assert main(["phone", "remove", "pager"]) == 0
        assert vault.get_password(SERVICE, "phone:pager") is None
        assert "phones" not in tomllib.loads(paths.config_file.read_text())


def test_a_bad_option_or_a_missing_token_is_refused_before_anything_is_written(
    paths: AppPaths, vault: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["phone", "add", "pushover", "pager", "--option", "user=u1"]) == 2
    assert "needs its application API token" in capsys.readouterr().err
    assert main(["phone", "add", "ntfy", "me", "--option", "topic=a b"]) == 1
    assert "is not a topic name" in capsys.readouterr().err
    assert main(["phone", "add", "ntfy", "me", "--option", "topics=x"]) == 2
    assert "unknown option 'topics'" in capsys.readouterr().err
    assert not paths.config_file.exists() or "phones" not in paths.config_file.read_text()


def test_a_test_to_a_phone_service_that_refuses_says_why_and_fails(
    paths: AppPaths, vault: MemoryKeyring, capsys: pytest.CaptureFixture[str]
) -> None:
    with FakeNtfy(token="tk_right") as ntfy:
        assert (
            main(["phone", "add", "ntfy", "me", "--url", ntfy.url, "--option", "topic=alex-7f"])
            == 0
        )
        capsys.readouterr()
        assert main(["phone", "test", "me"]) == 1
        err = capsys.readouterr().err
        assert "ntfy rejected the access token (401" in err
        assert "Settings > Phones > me" in err
