"""FeedConfigSync at start-up: a feed last seen without a token polls before the keyring is
loaded, and the keyring, asked afterwards, still has the last word.

The feed is the real Alertmanager adapter polling a real HTTP server on 127.0.0.1; the
keyring is a real backend that answers only when the test lets it.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path

import pytest
from tests.helpers.memory_keyring import MemoryKeyring
from tests.helpers.vendor_server import FakeVendorServer
from tests.helpers.virtual_time import until
from tests.unit.runtime.feed_doubles import Rig, run
from tests.unit.sources.alertmanager.fake_alertmanager import recorded_alertmanager

from shiftbell.runtime.feed_config_sync import FeedConfigSync
from shiftbell.sources.feed import FeedConfig
from shiftbell.store.credentials import SERVICE, SecretStore
from shiftbell.store.secret_hints import SecretHints

TOKEN = "sync-test-token-81c2"


class GatedKeyring(MemoryKeyring):
    """Answers a read only once `opened` is set (a keyring still loading at login)."""

    def __init__(self) -> None:
        super().__init__()
        self.opened = threading.Event()
        self.reads: list[str] = []
        self.broken = False

    def get_password(self, service: str, username: str) -> str | None:
        self.reads.append(username)
        assert self.opened.wait(5), "the test never let the keyring answer"
        if self.broken:
            raise OSError("org.freedesktop.DBus.Error.NoReply")
        return super().get_password(service, username)


class Started:
    """A FeedConfigSync on a real feed runner, its wait before asking the keyring held."""

    def __init__(self, tmp_path: Path, keyring: GatedKeyring) -> None:
        self.rig = Rig()
        self.secrets = SecretStore(tmp_path, backend=keyring)
        self.waiting = asyncio.Event()
        self.go_on = asyncio.Event()
        self.sync = FeedConfigSync(
            self.rig.desk,
            self.rig.feed_runner,
            self.secrets,
            self.rig.clock,
            on_status=self.rig.statuses.append,
            on_removed=self.rig.removed.append,
            sleep=self._sleep,
        )

    async def _sleep(self, _seconds: float) -> None:
        self.waiting.set()
        await self.go_on.wait()


def polls(server: FakeVendorServer) -> list[str]:
    """The Authorization header of each poll ("" without one)."""
    return [
        next((v for k, v in r.headers.items() if k.lower() == "authorization"), "")
        for r in server.requests_to("/api/v2/alerts")
    ]


def test_a_feed_without_a_token_last_time_polls_before_the_keyring_answers(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        keyring = GatedKeyring()
        SecretHints(tmp_path).note("feed:am", present=False)
        started = Started(tmp_path, keyring)
        with recorded_alertmanager() as server:
            await started.rig.feed_runner.start()
            config = FeedConfig("am", "alertmanager", server.url)
            applying = asyncio.create_task(started.sync.apply([config], first=True))
            await until(lambda: polls(server) == [""], "the first poll")
            await until(started.waiting.is_set, "the wait before asking the keyring")
            assert keyring.reads == []

            started.go_on.set()
            keyring.opened.set()
            await applying
            assert keyring.reads == ["feed:am"]
            assert polls(server) == [""]  # nothing changed: not restarted, not polled again
            assert started.rig.status("am").ok
            await started.rig.feed_runner.stop()

    run(scenario)


def test_a_token_set_beside_shiftbell_restarts_the_feed_with_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        keyring = GatedKeyring()
        SecretHints(tmp_path).note("feed:am", present=False)
        keyring.passwords[(SERVICE, "feed:am")] = TOKEN  # the `keyring` command, say
        started = Started(tmp_path, keyring)
        with recorded_alertmanager() as server:
            await started.rig.feed_runner.start()
            config = FeedConfig("am", "alertmanager", server.url)
            applying = asyncio.create_task(started.sync.apply([config], first=True))
            await until(lambda: polls(server) == [""], "the first poll, without the token")
            started.go_on.set()
            keyring.opened.set()
            await applying
            await until(lambda: polls(server)[-1:] == [f"Bearer {TOKEN}"], "a poll with it")
            assert not started.secrets.last_seen_without("am")
            await started.rig.feed_runner.stop()

    caplog.set_level(logging.INFO)
    run(scenario)
    assert "feed am has a token in the keyring now: restarting it with it" in caplog.text
    assert TOKEN not in caplog.text


def test_a_keyring_that_cannot_answer_leaves_a_token_less_feed_polling(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> None:
        keyring = GatedKeyring()
        keyring.broken = True
        SecretHints(tmp_path).note("feed:am", present=False)
        started = Started(tmp_path, keyring)
        with recorded_alertmanager() as server:
            await started.rig.feed_runner.start()
            config = FeedConfig("am", "alertmanager", server.url, interval_s=15)
            applying = asyncio.create_task(started.sync.apply([config], first=True))
            await until(lambda: polls(server) == [""], "the first poll")
            started.go_on.set()
            keyring.opened.set()
            await applying
            assert keyring.reads == ["feed:am"]
            # The answer taken in, so the runner sleeps (on virtual time) towards the next.
            await until(lambda: started.rig.status("am").last_contact is not None, "an answer")
            await started.rig.time.advance(15)
            await until(lambda: polls(server) == ["", ""], "the next poll")
            assert started.rig.status("am").ok
            await started.rig.feed_runner.stop()

    caplog.set_level(logging.INFO)
    run(scenario)
    assert "feed am runs without a token; the keyring did not answer" in caplog.text


def test_without_a_hint_the_keyring_answers_before_the_first_poll(tmp_path: Path) -> None:
    async def scenario() -> None:
        keyring = GatedKeyring()
        keyring.passwords[(SERVICE, "feed:am")] = TOKEN
        started = Started(tmp_path, keyring)
        with recorded_alertmanager() as server:
            await started.rig.feed_runner.start()
            config = FeedConfig("am", "alertmanager", server.url)
            applying = asyncio.create_task(started.sync.apply([config], first=True))
            await until(lambda: keyring.reads == ["feed:am"], "the keyring asked")
            assert polls(server) == []
            keyring.opened.set()
            await applying
            await until(lambda: polls(server) == [f"Bearer {TOKEN}"], "the first poll")
            assert not started.waiting.is_set()  # nothing to ask afterwards
            await started.rig.feed_runner.stop()

    run(scenario)
