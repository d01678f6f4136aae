"""PagerDutyFeed against a fake PagerDuty REST API v2 (fake_pagerduty.py beside it)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from tests.unit.sources.pagerduty.fake_pagerduty import ERRORS, FakePagerDuty

from shiftbell.core.alert import AckInfo, Alert, AlertKey, Incoming, Severity, Status
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedRateLimitedError,
    FeedUnreachableError,
)
from shiftbell.sources.feed import AckReceipt, FeedConfig, PollingFeed
from shiftbell.sources.pagerduty import feed as pagerduty
from shiftbell.sources.pagerduty.feed import PagerDutyFeed, severity_for

T = TypeVar("T")
FEED = "work-pd"
WHERE = "Settings > Feeds > work-pd"
ME = "PXPGF42"
# Open incidents assigned to ME in tests/data/pagerduty/incidents.json.
MY_OPEN = {"PT4KHLK", "PD5A0SZ", "PQ7RV3L", "PW2XD9E"}
ACK_BODY = {"incident": {"type": "incident_reference", "status": "acknowledged"}}


def config(url: str, **options: str) -> FeedConfig:
    return FeedConfig(name=FEED, kind="pagerduty", url=url, options=options)


def run(feed: PagerDutyFeed, action: Callable[[PagerDutyFeed], Awaitable[T]]) -> T:
    """Run one scenario on a fresh event loop; the fake server has its own thread."""

    async def scenario() -> T:
        try:
            return await action(feed)
        finally:
            await feed.close()

    return asyncio.run(scenario())


def fetch(feed: PagerDutyFeed) -> list[Incoming]:
    return run(feed, lambda f: f.fetch())


def alert_for(source_id: str) -> Alert:
    when = datetime(2015, 10, 7, 12, 0, tzinfo=UTC)
    return Alert(
        id="a1b2c3d4",
        key=AlertKey(FEED, source_id),
        title="The server is on fire.",
        severity=Severity.CRITICAL,
        status=Status.ACKNOWLEDGED,
        started_at=when,
        alarm_since=when,
        updated_at=when,
    )


def by_id(incoming: list[Incoming]) -> dict[str, Incoming]:
    return {i.source_id: i for i in incoming}


@pytest.fixture
def pd() -> Any:
    with FakePagerDuty() as fake:
        yield fake


def test_is_a_polling_feed(pd: FakePagerDuty) -> None:
    feed = PagerDutyFeed(config(pd.url), pd.token)
    assert isinstance(feed, PollingFeed)
    run(feed, lambda f: f.close())


# -- fetch ------------------------------------------------------------------------------


def test_fetch_reads_every_page_with_the_documented_query(pd: FakePagerDuty) -> None:
    generated = pd.add_incidents(250, assignee_id=ME)

    incidents = fetch(PagerDutyFeed(config(pd.url), pd.token))

    assert {i.source_id for i in incidents} == MY_OPEN | set(generated)
    pages = pd.server.requests_to("/incidents", "GET")
    assert [p.query["offset"] for p in pages] == [["0"], ["100"], ["200"]]
    for page in pages:
        assert page.query["limit"] == ["100"]
        assert page.query["statuses[]"] == ["triggered", "acknowledged"]
        assert page.query["user_ids[]"] == [ME]
        assert page.query["date_range"] == ["all"]
        assert page.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
        assert page.headers["Authorization"] == f"Token token={pd.token}"


def test_who_i_am_is_looked_up_once(pd: FakePagerDuty) -> None:
    feed = PagerDutyFeed(config(pd.url), pd.token)

    async def twice(f: PagerDutyFeed) -> None:
        await f.fetch()
        await f.fetch()

    run(feed, twice)
    assert len(pd.server.requests_to("/users/me")) == 1
    assert len(pd.server.requests_to("/incidents")) == 2


def test_incident_fields_are_mapped(pd: FakePagerDuty) -> None:
    incidents = by_id(fetch(PagerDutyFeed(config(pd.url), pd.token)))

    fire = incidents["PT4KHLK"]
    assert fire.title == "The server is on fire."
    assert fire.severity is Severity.CRITICAL  # P2
    assert fire.url == "https://acme.pagerduty.com/incidents/PT4KHLK"
    assert fire.summary == "#1234 on My Mail Service"
    assert fire.started_at == datetime(2015, 10, 6, 21, 30, 42, tzinfo=UTC)
    assert fire.firing and not fire.acknowledged
    assert dict(fire.labels) == {
        "incident_number": "1234",
        "priority": "P2",
        "service": "My Mail Service",
        "status": "triggered",
        "urgency": "high",
    }
    assert list(fire.labels) == sorted(fire.labels)
    assert incidents["PD5A0SZ"].acknowledged
    assert "PZ0OLD1" not in incidents  # resolved
    assert "PK3NN4B" not in incidents  # someone else's


@pytest.mark.parametrize(
    ("urgency", "priority", "expected"),
    [
        ("high", "", Severity.CRITICAL),
        ("low", "", Severity.WARNING),
        ("", "", Severity.WARNING),
        ("high", "P1", Severity.CRITICAL),
        ("low", "P1", Severity.CRITICAL),
        ("low", "P2", Severity.CRITICAL),
        ("high", "P3", Severity.WARNING),
        ("high", "P4", Severity.INFO),
        ("high", "p5", Severity.INFO),
        ("low", "P5 - informational", Severity.INFO),
        ("high", "SEV-1", Severity.CRITICAL),  # renamed priorities fall back to urgency
        ("low", "Major", Severity.WARNING),
        ("low", "P9", Severity.WARNING),
    ],
)
def test_severity_mapping(urgency: str, priority: str, expected: Severity) -> None:
    assert severity_for(urgency, priority) is expected


def test_severity_from_recorded_payloads(pd: FakePagerDuty) -> None:
    incidents = by_id(fetch(PagerDutyFeed(config(pd.url), pd.token)))

    assert incidents["PD5A0SZ"].severity is Severity.CRITICAL  # high, no priority
    assert incidents["PQ7RV3L"].severity is Severity.WARNING  # low, no priority
    assert incidents["PW2XD9E"].severity is Severity.INFO  # high but P4


def test_scope_all_sends_no_user_filter(pd: FakePagerDuty) -> None:
    incidents = fetch(PagerDutyFeed(config(pd.url, scope="all"), pd.token))

    assert {i.source_id for i in incidents} == MY_OPEN | {"PK3NN4B"}
    assert "user_ids[]" not in pd.server.requests_to("/incidents")[0].query
    assert pd.server.requests_to("/users/me") == []


def test_user_id_option_skips_the_lookup(pd: FakePagerDuty) -> None:
    incidents = fetch(PagerDutyFeed(config(pd.url, user_id="PAM4FGS"), pd.token))

    assert {i.source_id for i in incidents} == {"PK3NN4B"}
    assert pd.server.requests_to("/incidents")[0].query["user_ids[]"] == ["PAM4FGS"]
    assert pd.server.requests_to("/users/me") == []


def test_service_and_urgency_filters_are_sent(pd: FakePagerDuty) -> None:
    feed = PagerDutyFeed(config(pd.url, service_ids="PQ1X8KR, PIJ90N7", urgencies="High"), pd.token)

    incidents = fetch(feed)

    query = pd.server.requests_to("/incidents")[0].query
    assert query["service_ids[]"] == ["PQ1X8KR", "PIJ90N7"]
    assert query["urgencies[]"] == ["high"]
    assert {i.source_id for i in incidents} == {"PT4KHLK", "PD5A0SZ", "PW2XD9E"}


def test_account_key_watches_everything_by_default() -> None:
    with FakePagerDuty("pd-account-key", account_key=True) as pd:
        incidents = fetch(PagerDutyFeed(config(pd.url), pd.token))

        assert {i.source_id for i in incidents} == MY_OPEN | {"PK3NN4B"}
        assert "user_ids[]" not in pd.server.requests_to("/incidents")[0].query


def test_account_key_with_scope_mine_needs_a_user_id() -> None:
    with FakePagerDuty("pd-account-key", account_key=True) as pd:
        feed = PagerDutyFeed(config(pd.url, scope="mine"), pd.token)

        with pytest.raises(FeedConfigError) as caught:
            fetch(feed)

        assert "user_id" in str(caught.value)
        assert WHERE in str(caught.value)
        assert pd.server.requests_to("/incidents") == []


def test_an_incident_seen_on_two_pages_is_reported_once(pd: FakePagerDuty) -> None:
    # Page 1 as PagerDuty served it before a new incident pushed PD5A0SZ onto page 2.
    first = {"incidents": [pd.incidents["PD5A0SZ"]], "limit": 1, "offset": 0, "more": True}
    pd.server.fail_next(200, first, {"Content-Type": "application/json"}, path_prefix="/incidents")

    incidents = fetch(PagerDutyFeed(config(pd.url), pd.token))

    assert sorted(i.source_id for i in incidents) == ["PD5A0SZ", "PQ7RV3L", "PW2XD9E"]
    assert [p.query["offset"] for p in pd.server.requests_to("/incidents")] == [["0"], ["1"]]


def test_too_many_incidents_refuse_instead_of_truncating(
    pd: FakePagerDuty, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pagerduty, "MAX_WINDOW", 200)
    pd.add_incidents(250, assignee_id=ME)

    with pytest.raises(FeedConfigError) as caught:
        fetch(PagerDutyFeed(config(pd.url), pd.token))

    assert "more than 200 open incidents" in str(caught.value)
    assert WHERE in str(caught.value)


# -- acknowledge ------------------------------------------------------------------------


def test_acknowledge_with_a_user_token_sends_the_documented_put(pd: FakePagerDuty) -> None:
    receipt = run(
        PagerDutyFeed(config(pd.url), pd.token), lambda f: f.acknowledge(alert_for("PT4KHLK"))
    )

    assert receipt == AckReceipt()
    (put,) = pd.server.requests_to("/incidents/PT4KHLK", "PUT")
    assert put.body == ACK_BODY
    assert "From" not in put.headers  # PagerDuty credits the token's owner
    assert put.headers["Authorization"] == f"Token token={pd.token}"
    assert put.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
    assert pd.status_of("PT4KHLK") == "acknowledged"


def test_the_next_fetch_says_who_acknowledged(pd: FakePagerDuty) -> None:
    feed = PagerDutyFeed(config(pd.url), pd.token)
    run(feed, lambda f: f.acknowledge(alert_for("PT4KHLK")))
    incidents = run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.fetch())
    acked = next(i for i in incidents if i.source_id == "PT4KHLK")
    assert acked.acknowledged and acked.ack_info == AckInfo(by="Earline Greenholt")
    assert all(i.ack_info is None for i in incidents if not i.acknowledged)


def test_a_silence_is_a_snooze_and_a_comment_a_note_in_the_persons_name(
    pd: FakePagerDuty,
) -> None:
    now = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)
    feed = PagerDutyFeed(config(pd.url), pd.token, clock=FakeClock(now))
    asked = replace(
        alert_for("PT4KHLK"),
        ack_info=AckInfo(comment="failing over to db2", until=now + timedelta(hours=1)),
    )

    assert run(feed, lambda f: f.acknowledge(asked)) == AckReceipt()

    assert pd.status_of("PT4KHLK") == "acknowledged"
    assert pd.snoozes == {"PT4KHLK": 3600}
    assert pd.notes == {"PT4KHLK": ["failing over to db2"]}
    for action in ("snooze", "notes"):
        (sent,) = pd.server.requests_to(f"/incidents/PT4KHLK/{action}", "POST")
        assert sent.headers["From"] == pd.me["email"]  # the token's user, from /users/me
    # When the time is up PagerDuty triggers it again, and the next poll sees it firing.
    pd.end_snooze("PT4KHLK")
    again = by_id(run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.fetch()))
    assert not again["PT4KHLK"].acknowledged


def test_a_plain_acknowledgement_neither_snoozes_nor_notes(pd: FakePagerDuty) -> None:
    run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.acknowledge(alert_for("PT4KHLK")))
    # One whose AckInfo came from PagerDuty (someone else acknowledged) sends nothing more.
    theirs = replace(
        alert_for("PQ7RV3L"),
        ack_info=AckInfo(by="Alex", until=datetime(2030, 1, 1, tzinfo=UTC)),
    )
    run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.acknowledge(theirs))
    assert pd.snoozes == {} and pd.notes == {}
    assert not pd.server.requests_to("/incidents/PT4KHLK/snooze", "POST")


def test_a_refused_snooze_is_an_error_to_retry(pd: FakePagerDuty) -> None:
    pd.server.fail_next(400, {"error": {"message": "Nope"}}, path_prefix="/incidents/PT4KHLK/sn")
    asked = replace(
        alert_for("PT4KHLK"),
        ack_info=AckInfo(until=datetime.now(UTC) + timedelta(hours=1)),
    )
    with pytest.raises(FeedError, match=r"refused to snooze incident PT4KHLK \(400: Nope\)"):
        run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.acknowledge(asked))


def test_resolve_puts_the_status_with_the_comment_as_a_note_first(pd: FakePagerDuty) -> None:
    asked = replace(alert_for("PT4KHLK"), ack_info=AckInfo(comment="db2 took over"))

    run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.resolve(asked))

    assert pd.status_of("PT4KHLK") == "resolved"
    (put,) = pd.server.requests_to("/incidents/PT4KHLK", "PUT")
    assert put.body == {"incident": {"type": "incident_reference", "status": "resolved"}}
    assert pd.notes == {"PT4KHLK": ["db2 took over"]}
    # Resolved already (someone was quicker): done, not an error.
    run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.resolve(alert_for("PT4KHLK")))
    assert pd.notes == {"PT4KHLK": ["db2 took over"]}


def test_acknowledge_sends_from_email_when_set(pd: FakePagerDuty) -> None:
    feed = PagerDutyFeed(config(pd.url, from_email="earline@example.com"), pd.token)

    run(feed, lambda f: f.acknowledge(alert_for("PQ7RV3L")))

    (put,) = pd.server.requests_to("/incidents/PQ7RV3L", "PUT")
    assert put.headers["From"] == "earline@example.com"
    assert pd.status_of("PQ7RV3L") == "acknowledged"


def test_acknowledge_with_an_account_key_and_from_email() -> None:
    with FakePagerDuty("pd-account-key", account_key=True) as pd:
        feed = PagerDutyFeed(config(pd.url, from_email="earline@example.com"), pd.token)

        receipt = run(feed, lambda f: f.acknowledge(alert_for("PK3NN4B")))

        assert receipt == AckReceipt()
        (put,) = pd.server.requests_to("/incidents/PK3NN4B", "PUT")
        assert put.headers["From"] == "earline@example.com"
        assert put.body == ACK_BODY
        assert pd.status_of("PK3NN4B") == "acknowledged"


def test_acknowledge_with_an_account_key_needs_from_email() -> None:
    with FakePagerDuty("pd-account-key", account_key=True) as pd:
        feed = PagerDutyFeed(config(pd.url), pd.token)

        with pytest.raises(FeedConfigError) as caught:
            run(feed, lambda f: f.acknowledge(alert_for("PK3NN4B")))

        assert "from_email" in str(caught.value)
        assert WHERE in str(caught.value)
        assert pd.server.requests_to("/incidents/PK3NN4B", "PUT") == []
        assert pd.status_of("PK3NN4B") == "triggered"


def test_a_from_refusal_names_the_option(pd: FakePagerDuty) -> None:
    pd.server.fail_next(400, ERRORS["from_required"], path_prefix="/incidents/")

    with pytest.raises(FeedConfigError) as caught:
        run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.acknowledge(alert_for("PT4KHLK")))

    assert "from_email" in str(caught.value)
    assert '"From" header' in str(caught.value)


def test_acknowledging_an_acknowledged_incident_is_done(pd: FakePagerDuty) -> None:
    receipt = run(
        PagerDutyFeed(config(pd.url), pd.token), lambda f: f.acknowledge(alert_for("PD5A0SZ"))
    )

    assert receipt == AckReceipt()
    assert pd.status_of("PD5A0SZ") == "acknowledged"


def test_acknowledging_a_resolved_incident_is_done(pd: FakePagerDuty) -> None:
    receipt = run(
        PagerDutyFeed(config(pd.url), pd.token), lambda f: f.acknowledge(alert_for("PZ0OLD1"))
    )

    assert receipt == AckReceipt()
    assert pd.status_of("PZ0OLD1") == "resolved"


def test_acknowledging_a_vanished_incident_fails_for_good(pd: FakePagerDuty) -> None:
    with pytest.raises(FeedError) as caught:
        run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.acknowledge(alert_for("PGONE00")))

    assert not isinstance(caught.value, FeedUnreachableError)
    assert "PGONE00" in str(caught.value)
    assert FEED in str(caught.value)


def test_a_put_that_did_not_take_is_an_error(pd: FakePagerDuty) -> None:
    still = {"incident": {"id": "PT4KHLK", "status": "triggered"}}
    pd.server.fail_next(200, still, {"Content-Type": "application/json"}, path_prefix="/incidents/")

    with pytest.raises(FeedError) as caught:
        run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.acknowledge(alert_for("PT4KHLK")))

    assert "still 'triggered'" in str(caught.value)


def test_unacknowledge_is_not_possible(pd: FakePagerDuty) -> None:
    with pytest.raises(FeedError) as caught:
        run(
            PagerDutyFeed(config(pd.url), pd.token),
            lambda f: f.unacknowledge(alert_for("PT4KHLK"), AckReceipt()),
        )

    assert "cannot un-acknowledge" in str(caught.value)
    assert pd.server.requests_to("/incidents", "PUT") == []


def test_oauth_tokens_are_sent_as_bearer() -> None:
    with FakePagerDuty("pd-oauth-token", oauth=True) as pd:
        incidents = fetch(PagerDutyFeed(config(pd.url, auth="oauth"), pd.token))

        assert {i.source_id for i in incidents} == MY_OPEN
        assert pd.server.requests_to("/incidents")[0].headers["Authorization"] == (
            "Bearer pd-oauth-token"
        )


# -- test() -----------------------------------------------------------------------------


def test_test_says_who_is_signed_in(pd: FakePagerDuty) -> None:
    result = run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.test())

    assert result == (
        "PagerDuty: signed in as Earline Greenholt (earline@example.com); "
        "4 open incidents (1 acknowledged) assigned to you"
    )


def test_test_with_an_account_key() -> None:
    with FakePagerDuty("pd-account-key", account_key=True) as pd:
        result = run(PagerDutyFeed(config(pd.url), pd.token), lambda f: f.test())

        assert result == (
            "PagerDuty: account API key works (15 abilities); 5 open incidents (1 acknowledged) "
            "that the key can see"
        )
        assert len(pd.server.requests_to("/abilities")) == 1


# -- errors -----------------------------------------------------------------------------


def test_a_wrong_key_is_an_auth_error_naming_the_feed(pd: FakePagerDuty) -> None:
    with pytest.raises(FeedAuthError) as caught:
        fetch(PagerDutyFeed(config(pd.url), "pd-wrong-token"))

    message = str(caught.value)
    assert "PagerDuty rejected the API key (401: Invalid Credentials)" in message
    assert f"check the API key in {WHERE}" in message
    assert "pd-wrong-token" not in message


def test_403_is_an_auth_error(pd: FakePagerDuty) -> None:
    pd.server.fail_next(403, ERRORS["403"], {"Content-Type": "application/json"})

    with pytest.raises(FeedAuthError) as caught:
        fetch(PagerDutyFeed(config(pd.url, scope="all"), pd.token))

    assert "PagerDuty refused access with the API key (403: Access Denied)" in str(caught.value)
    assert WHERE in str(caught.value)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"ratelimit-reset": "17", "ratelimit-limit": "960", "ratelimit-remaining": "0"}, 17.0),
        ({"Retry-After": "30"}, 30.0),
        ({}, None),
    ],
)
def test_429_carries_how_long_to_wait(
    pd: FakePagerDuty, headers: dict[str, str], expected: float | None
) -> None:
    pd.server.fail_next(429, ERRORS["429"], {"Content-Type": "application/json", **headers})

    with pytest.raises(FeedRateLimitedError) as caught:
        fetch(PagerDutyFeed(config(pd.url, scope="all"), pd.token))

    assert caught.value.retry_after_s == expected
    assert FEED in str(caught.value)


def test_500_is_unreachable(pd: FakePagerDuty) -> None:
    pd.server.fail_next(500, "Internal Server Error")

    with pytest.raises(FeedUnreachableError) as caught:
        fetch(PagerDutyFeed(config(pd.url, scope="all"), pd.token))

    assert "PagerDuty server error 500" in str(caught.value)


def test_malformed_json_is_a_payload_error(pd: FakePagerDuty) -> None:
    pd.server.malformed_next()

    with pytest.raises(FeedPayloadError) as caught:
        fetch(PagerDutyFeed(config(pd.url, scope="all"), pd.token))

    assert FEED in str(caught.value)


def test_json_of_the_wrong_shape_is_a_payload_error(pd: FakePagerDuty) -> None:
    pd.server.fail_next(200, {"incidents": {"PT4KHLK": {}}}, {"Content-Type": "application/json"})

    with pytest.raises(FeedPayloadError) as caught:
        fetch(PagerDutyFeed(config(pd.url, scope="all"), pd.token))

    assert "'incidents' list" in str(caught.value)


def test_an_incident_without_an_id_is_skipped(pd: FakePagerDuty) -> None:
    pd.server.fail_next(
        200,
        {"incidents": [{"title": "no id"}, {"id": "PT4KHLK", "title": "ok"}], "more": False},
        {"Content-Type": "application/json"},
    )

    incidents = fetch(PagerDutyFeed(config(pd.url, scope="all"), pd.token))

    assert [i.source_id for i in incidents] == ["PT4KHLK"]


def test_a_connection_dropped_once_is_sent_again_and_twice_is_unreachable(
    pd: FakePagerDuty,
) -> None:
    # Once: what a kept-alive connection the server closed as it was reused looks like.
    pd.server.drop_next()
    sent_again = fetch(PagerDutyFeed(config(pd.url, scope="all"), pd.token))
    assert sent_again and sent_again == fetch(PagerDutyFeed(config(pd.url, scope="all"), pd.token))

    pd.server.drop_next(times=2)
    with pytest.raises(FeedUnreachableError) as caught:
        fetch(PagerDutyFeed(config(pd.url, scope="all"), pd.token))

    assert FEED in str(caught.value)


def test_a_server_that_is_down_is_unreachable(pd: FakePagerDuty) -> None:
    pd.server.stop()

    with pytest.raises(FeedUnreachableError) as caught:
        fetch(PagerDutyFeed(config(pd.url, scope="all"), pd.token))

    assert f"cannot reach PagerDuty at {pd.url}" in str(caught.value)
    assert FEED in str(caught.value)


def test_a_server_restart_between_calls_is_survived(pd: FakePagerDuty) -> None:
    feed = PagerDutyFeed(config(pd.url), pd.token)

    async def across_restart(f: PagerDutyFeed) -> tuple[list[Incoming], list[Incoming]]:
        before = await f.fetch()
        await asyncio.to_thread(pd.server.restart)
        after = await f.fetch()
        return before, after

    before, after = run(feed, across_restart)
    assert {i.source_id for i in before} == {i.source_id for i in after} == MY_OPEN


# -- configuration ----------------------------------------------------------------------


def test_missing_key_is_a_config_error() -> None:
    with pytest.raises(FeedConfigError) as caught:
        PagerDutyFeed(config("http://127.0.0.1:9"), "")

    assert WHERE in str(caught.value)


@pytest.mark.parametrize(
    ("option", "value"), [("auth", "basic"), ("scope", "team"), ("urgencies", "urgent")]
)
def test_bad_options_are_config_errors(option: str, value: str) -> None:
    with pytest.raises(FeedConfigError) as caught:
        PagerDutyFeed(config("http://127.0.0.1:9", **{option: value}), "key")

    assert value in str(caught.value)
    assert WHERE in str(caught.value)


def test_default_url_is_pagerdutys() -> None:
    feed = PagerDutyFeed(config(""), "key")
    assert str(feed.account.client.base_url).rstrip("/") == "https://api.pagerduty.com"
    run(feed, lambda f: f.close())
