"""Zabbix 6.4 and later want the token as `Authorization: Bearer` and 7.2 refuses the `auth`
field 6.0 needs (the real 6.0 is tested in test_zabbix_feed.py): against a 7.2 API of our own,
the feed asks the version first without a token, then signs in the new way, and reads 7.2's
answers; a wrong token there is still said as a wrong token."""

from __future__ import annotations

import pytest
from tests.helpers.feed_calls import alert_of, run
from tests.unit.sources.zabbix.fake_zabbix import API_PATH, TOKEN, FakeZabbix

from shiftbell.core.alert import AckInfo, Incoming, Severity
from shiftbell.core.errors import FeedAuthError
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.zabbix.feed import ZabbixFeed

FEED = "noc-zabbix"


def feed_for(server: FakeZabbix, token: str = TOKEN) -> ZabbixFeed:
    return ZabbixFeed(FeedConfig(FEED, "zabbix", server.frontend), token)


def test_a_7_2_server_is_asked_its_version_then_signed_in_with_bearer() -> None:
    with FakeZabbix() as server:
        [problem] = run(feed_for(server), lambda f: f.fetch())
        calls = server.requests_to(API_PATH)

    methods = [c.body["method"] for c in calls]
    assert methods == ["apiinfo.version", "problem.get", "trigger.get", "user.get"]
    assert "authorization" not in {k.lower() for k in calls[0].headers}
    assert all(c.headers.get("Authorization") == f"Bearer {TOKEN}" for c in calls[1:])
    assert all("auth" not in c.body for c in calls)
    assert problem.title == "High CPU utilization on core-sw1"
    assert problem.severity is Severity.CRITICAL  # disaster
    assert ("host", "core-sw1") in problem.labels
    assert problem.summary == "Host: Core switch 1\nCurrent utilization: 97 %"
    assert problem.acknowledged
    assert problem.ack_info == AckInfo(by="Jane Doe (jdoe)", comment="looking at the uplink")


def test_acknowledging_on_7_2_sends_the_message_with_bearer() -> None:
    alert = alert_of(FEED, Incoming("9001", "High CPU", Severity.CRITICAL), "on it - Sam")
    with FakeZabbix() as server:
        run(feed_for(server), lambda f: f.acknowledge(alert))
        assert server.acknowledged == [
            {"eventids": ["9001"], "action": 6, "message": "on it - Sam"}
        ]


def test_a_wrong_token_on_7_2_is_said_as_one() -> None:
    with FakeZabbix() as server, pytest.raises(FeedAuthError, match="rejected the API token"):
        run(feed_for(server, token="wrong"), lambda f: f.fetch())
