"""ZabbixFeed against a real Zabbix 6.0 (server, PostgreSQL and the PHP frontend under Apache,
zabbix_process.py beside it): a problem fired with zabbix_sender appears with its severity
and host, acknowledging shows in Zabbix with Shiftbell's message and who did it,
un-acknowledging undoes it, closing works where the trigger allows it and says why not where
it does not, recovery resolves it, and a wrong token, a stopped server and a garbled answer
each say so clearly."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest
from tests.desktop import wait_until
from tests.helpers.feed_calls import alert_of, run
from tests.unit.sources.zabbix.zabbix_process import DISK, HOST, LOAD, ZabbixProcess

from shiftbell.core.alert import AckInfo, Alert, Incoming, Severity
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedUnreachableError,
)
from shiftbell.sources.feed import AckReceipt, FeedConfig, PollingFeed, ResolvingFeed
from shiftbell.sources.zabbix.feed import ZabbixFeed

FEED = "ops-zabbix"


def feed_for(zabbix: ZabbixProcess, token: str = "", url: str = "", **options: str) -> ZabbixFeed:
    config = FeedConfig(FEED, "zabbix", url or zabbix.url, options=options)
    return ZabbixFeed(config, token or zabbix.token, clock=FakeClock(datetime.now(UTC)))


def problems(zabbix: ZabbixProcess, **options: str) -> dict[str, Incoming]:
    return {p.title: p for p in run(feed_for(zabbix, **options), lambda f: f.fetch())}


def alert_for(found: Incoming, comment: str = "") -> Alert:
    return alert_of(FEED, found, comment)


def test_is_a_polling_feed_that_resolves(zabbix: ZabbixProcess) -> None:
    feed = feed_for(zabbix)
    assert isinstance(feed, PollingFeed) and isinstance(feed, ResolvingFeed)


def test_problems_appear_with_their_severity_host_and_link(zabbix: ZabbixProcess) -> None:
    assert problems(zabbix) == {}
    disk_event = zabbix.fire(DISK)
    zabbix.fire(LOAD)
    assert disk_event is not None

    found = problems(zabbix)

    disk = found["Disk full on db1"]
    assert disk.source_id == disk_event["eventid"]
    assert disk.severity is Severity.CRITICAL  # high
    assert ("host", HOST) in disk.labels and ("severity", "high") in disk.labels
    assert disk.summary.startswith("Host: DB server 1")
    assert not disk.acknowledged
    assert disk.started_at is not None
    assert abs((disk.started_at - datetime.now(UTC)).total_seconds()) < 120
    trigger = zabbix.triggers[DISK]
    assert [link.url for link in disk.links] == [
        f"{zabbix.url}/tr_events.php?triggerid={trigger}&eventid={disk.source_id}"
    ]
    assert found["Load high on db1"].severity is Severity.WARNING  # average
    quieter = problems(zabbix, critical_from="disaster", warning_from="high")
    assert quieter["Disk full on db1"].severity is Severity.WARNING
    assert quieter["Load high on db1"].severity is Severity.INFO


def test_acknowledge_shows_in_zabbix_with_the_message_and_unack_undoes_it(
    zabbix: ZabbixProcess,
) -> None:
    zabbix.fire(DISK)
    disk = problems(zabbix)["Disk full on db1"]

    run(feed_for(zabbix), lambda f: f.acknowledge(alert_for(disk, "growing /var - Alex")))

    event = zabbix.event(disk.source_id)
    assert event["acknowledged"] == "1"
    assert [a["message"] for a in event["acknowledges"]] == ["growing /var - Alex"]
    again = problems(zabbix)["Disk full on db1"]
    assert again.acknowledged
    # The token is Admin's: Zabbix's own "Zabbix Administrator (Admin)".
    assert again.ack_info == AckInfo(
        by="Zabbix Administrator (Admin)", comment="growing /var - Alex"
    )
    # Twice is done, not an error (someone was quicker).
    run(feed_for(zabbix), lambda f: f.acknowledge(alert_for(disk)))

    run(feed_for(zabbix), lambda f: f.unacknowledge(alert_for(disk), AckReceipt()))
    assert zabbix.event(disk.source_id)["acknowledged"] == "0"
    assert not problems(zabbix)["Disk full on db1"].acknowledged


def test_close_where_the_trigger_allows_it_and_say_why_not_elsewhere(
    zabbix: ZabbixProcess,
) -> None:
    zabbix.fire(DISK)
    zabbix.fire(LOAD)
    found = problems(zabbix)

    run(feed_for(zabbix), lambda f: f.resolve(alert_for(found["Disk full on db1"], "fixed")))
    # The server's task manager closes it a moment after the API took the request; Shiftbell
    # holds it acknowledged meanwhile.
    wait_until(
        lambda: "Disk full on db1" not in problems(zabbix), 15, interval=0.2, message="closed"
    )
    [closing] = zabbix.event(found["Disk full on db1"].source_id)["acknowledges"]
    assert closing["message"] == "fixed"

    with pytest.raises(FeedError, match="does not allow manual close") as caught:
        run(feed_for(zabbix), lambda f: f.resolve(alert_for(found["Load high on db1"])))
    assert FEED in str(caught.value)
    assert "Load high on db1" in problems(zabbix)


def test_recovery_leaves_the_snapshot(zabbix: ZabbixProcess) -> None:
    zabbix.fire(LOAD)
    assert "Load high on db1" in problems(zabbix)
    zabbix.fire(LOAD, 0)
    assert problems(zabbix) == {}


def test_a_wrong_token_says_so(zabbix: ZabbixProcess) -> None:
    with pytest.raises(FeedAuthError) as caught:
        problems_with = feed_for(zabbix, token="0" * 64)
        run(problems_with, lambda f: f.fetch())
    assert FEED in str(caught.value) and "API token" in str(caught.value)


def test_the_api_address_itself_is_read_as_the_frontend(zabbix: ZabbixProcess) -> None:
    zabbix.fire(LOAD)
    assert "Load high on db1" in problems(zabbix, url=f"{zabbix.url}/api_jsonrpc.php")


def test_a_stopped_server_is_unreachable() -> None:
    config = FeedConfig(FEED, "zabbix", "http://127.0.0.1:1/zabbix")
    with pytest.raises(FeedUnreachableError, match="cannot reach Zabbix"):
        run(ZabbixFeed(config, "a-token"), lambda f: f.fetch())


@pytest.mark.parametrize(
    "body", [b"<html>proxy error</html>", b'{"jsonrpc": "2.0", "id": 1}', b'{"result": "x.y"}']
)
def test_a_garbled_answer_is_a_payload_error(body: bytes) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    config = FeedConfig(FEED, "zabbix", "https://zabbix.example.com/zabbix")
    feed = ZabbixFeed(config, "a-token", transport=httpx.MockTransport(answer))
    with pytest.raises(FeedPayloadError) as caught:
        run(feed, lambda f: f.fetch())
    assert "Zabbix" in str(caught.value)


def test_a_severity_option_that_is_not_one_says_so() -> None:
    config = FeedConfig(FEED, "zabbix", "https://z.example.com", options={"critical_from": "hot"})
    with pytest.raises(FeedConfigError, match="critical_from and warning_from take a Zabbix"):
        ZabbixFeed(config, "a-token")


def test_a_problem_list_that_is_not_a_list_is_a_payload_error_not_an_all_clear() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        method = json.loads(request.content)["method"]
        result = "6.0.14" if method == "apiinfo.version" else {"problems": []}
        return httpx.Response(200, json={"jsonrpc": "2.0", "result": result, "id": 1})

    config = FeedConfig(FEED, "zabbix", "https://zabbix.example.com/zabbix")
    feed = ZabbixFeed(config, "a-token", transport=httpx.MockTransport(answer))
    with pytest.raises(FeedPayloadError, match="without a list of problems"):
        run(feed, lambda f: f.fetch())
