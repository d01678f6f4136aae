"""NagiosFeed against a real Nagios 4 with its CGIs under Apache (nagios_process.py beside
it): problems appear with the right severity and host, acknowledging through cmd.cgi shows in
Nagios' own status with Shiftbell's comment, un-acknowledging undoes it, recovery resolves,
basic and digest sign-in both work, and wrong credentials, a user without command rights, a
stopped daemon, a stopped web server and a garbled answer each say so clearly."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

import httpx
import pytest
from tests.helpers.feed_calls import alert_of, run
from tests.unit.sources.nagios.nagios_process import (
    AUTHOR,
    PASSWORD,
    USER,
    VIEWER,
    VIEWER_PASSWORD,
    NagiosProcess,
)

from shiftbell.core.alert import AckInfo, Alert, Incoming, Severity
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import FeedAuthError, FeedError, FeedPayloadError, FeedUnreachableError
from shiftbell.sources.feed import AckReceipt, FeedConfig, PollingFeed
from shiftbell.sources.nagios.feed import NagiosFeed

T = TypeVar("T")
FEED = "ops-nagios"
SECRET = f"{USER}:{PASSWORD}"


def feed_for(
    nagios: NagiosProcess, secret: str = SECRET, url: str = "", **options: str
) -> NagiosFeed:
    config = FeedConfig(FEED, "nagios", url or nagios.url, options=options)
    return NagiosFeed(config, secret, clock=FakeClock(datetime.now(UTC)))


def problems(nagios: NagiosProcess, **options: str) -> dict[str, Incoming]:
    return {p.source_id: p for p in run(feed_for(nagios, **options), lambda f: f.fetch())}


def alert_for(found: Incoming, comment: str = "") -> Alert:
    return alert_of(FEED, found, comment)


def test_is_a_polling_feed(nagios: NagiosProcess) -> None:
    assert isinstance(feed_for(nagios), PollingFeed)


def test_problems_appear_with_their_severity_host_and_link(nagios: NagiosProcess) -> None:
    assert problems(nagios) == {}
    nagios.set_service("disk", 2, "DISK CRITICAL - /var at 99% <b>not bold</b>")
    nagios.set_service("load", 3, "UNKNOWN - no load average")
    nagios.set_host("web1", 1, "PING CRITICAL - 100% packet loss")

    found = problems(nagios)

    disk = found["db1!disk"]
    assert disk.title == "disk on db1 is CRITICAL"
    assert disk.severity is Severity.CRITICAL
    assert disk.summary == "DISK CRITICAL - /var at 99% <b>not bold</b>"  # text, shown as text
    assert ("host", "db1") in disk.labels and ("service", "disk") in disk.labels
    assert not disk.acknowledged
    assert disk.started_at is not None
    assert abs((disk.started_at - datetime.now(UTC)).total_seconds()) < 60  # ms read right
    assert [link.url for link in disk.links] == [
        f"{nagios.url}/extinfo.cgi?type=2&host=db1&service=disk"
    ]
    assert found["db1!load"].severity is Severity.WARNING  # unknown: warning by default
    host = found["web1"]
    assert (host.title, host.severity) == ("web1 is DOWN", Severity.CRITICAL)
    assert ("host", "web1") in host.labels
    louder = problems(nagios, unknown_severity="critical")
    assert louder["db1!load"].severity is Severity.CRITICAL
    nagios.set_host("web1", 2, "unreachable behind its switch")
    assert problems(nagios)["web1"].severity is Severity.WARNING


@pytest.mark.parametrize("signed_in", ["basic", "digest"])
def test_acknowledge_shows_in_nagios_with_the_comment_and_unack_undoes_it(
    nagios: NagiosProcess, signed_in: str
) -> None:
    url = nagios.url if signed_in == "basic" else nagios.digest_url
    nagios.set_service("disk", 2, "DISK CRITICAL")
    disk = problems(nagios)["db1!disk"]

    run(feed_for(nagios, url=url), lambda f: f.acknowledge(alert_for(disk, "growing /var - Alex")))

    assert nagios.service("disk")["problem_has_been_acknowledged"] is True
    [comment] = [c for c in nagios.comments() if c["entry_type"] == 4]
    assert (comment["author"], comment["comment_data"]) == (AUTHOR, "growing /var - Alex")
    again = problems(nagios)["db1!disk"]
    assert again.acknowledged
    assert again.ack_info == AckInfo(by=AUTHOR, comment="growing /var - Alex")
    # Twice is done, not an error (someone was quicker).
    run(feed_for(nagios, url=url), lambda f: f.acknowledge(alert_for(disk)))

    run(feed_for(nagios, url=url), lambda f: f.unacknowledge(alert_for(disk), AckReceipt()))
    assert nagios.service("disk")["problem_has_been_acknowledged"] is False
    assert not problems(nagios)["db1!disk"].acknowledged


def test_a_host_is_acknowledged_as_a_host(nagios: NagiosProcess) -> None:
    nagios.set_host("web1", 1, "DOWN")
    host = problems(nagios)["web1"]
    run(feed_for(nagios), lambda f: f.acknowledge(alert_for(host, "rack move")))
    assert nagios.host("web1")["problem_has_been_acknowledged"] is True
    assert problems(nagios)["web1"].ack_info == AckInfo(by=AUTHOR, comment="rack move")


def test_recovery_leaves_the_snapshot(nagios: NagiosProcess) -> None:
    nagios.set_service("disk", 1, "DISK WARNING")
    assert problems(nagios)["db1!disk"].severity is Severity.WARNING
    nagios.set_service("disk", 0, "DISK OK")
    assert "db1!disk" not in problems(nagios)


def test_a_user_without_command_rights_gets_nagios_own_words(nagios: NagiosProcess) -> None:
    nagios.set_service("disk", 2, "DISK CRITICAL")
    viewer = f"{VIEWER}:{VIEWER_PASSWORD}"
    disk = problems(nagios, secret=viewer)["db1!disk"]  # seeing is allowed
    with pytest.raises(FeedError, match="not authorized to commit") as caught:
        run(feed_for(nagios, secret=viewer), lambda f: f.acknowledge(alert_for(disk)))
    assert FEED in str(caught.value)
    assert nagios.service("disk")["problem_has_been_acknowledged"] is False


def test_wrong_credentials_say_so(nagios: NagiosProcess) -> None:
    for url in (nagios.url, nagios.digest_url):
        with pytest.raises(FeedAuthError) as caught:
            run(feed_for(nagios, secret=f"{USER}:wrong", url=url), lambda f: f.fetch())
        assert FEED in str(caught.value) and "user name and password" in str(caught.value)


def test_a_cgi_address_pasted_is_read_as_its_directory(nagios: NagiosProcess) -> None:
    nagios.set_service("disk", 2, "DISK CRITICAL")
    assert "db1!disk" in problems(nagios, url=f"{nagios.url}/statusjson.cgi")


def test_a_stopped_daemon_and_a_stopped_web_server_say_so(nagios: NagiosProcess) -> None:
    nagios.stop_nagios()
    with pytest.raises(FeedError, match="is the Nagios daemon running"):
        problems(nagios)
    config = FeedConfig(FEED, "nagios", "http://127.0.0.1:1/cgi-bin/nagios4")
    with pytest.raises(FeedUnreachableError, match="cannot reach Nagios"):
        run(NagiosFeed(config, SECRET), lambda f: f.fetch())


@pytest.mark.parametrize(
    "body", [b"<html>proxy error</html>", b'{"result": {"type_code": 0}, "data": []}']
)
def test_a_garbled_answer_is_a_payload_error(body: bytes) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    config = FeedConfig(FEED, "nagios", "https://nagios.example.com/cgi-bin/nagios4")
    feed = NagiosFeed(config, SECRET, transport=httpx.MockTransport(answer))
    with pytest.raises(FeedPayloadError) as caught:
        run(feed, lambda f: f.fetch())
    assert "Nagios" in str(caught.value) and FEED in str(caught.value)


def test_acknowledging_a_problem_that_recovered_meanwhile_is_done(nagios: NagiosProcess) -> None:
    """Nagios acknowledges no OK service: the click that raced the recovery is not an error,
    and does not wait for an acknowledgement Nagios will never show."""
    nagios.set_service("load", 1, "LOAD WARNING")
    load = problems(nagios)["db1!load"]
    nagios.set_service("load", 0, "LOAD OK")
    feed = feed_for(nagios)
    feed.confirm_deadline_s = 0.0  # nothing to wait for: it must not come to that
    run(feed, lambda f: f.acknowledge(alert_for(load)))
    assert nagios.service("load")["problem_has_been_acknowledged"] is False
