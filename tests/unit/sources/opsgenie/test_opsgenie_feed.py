"""OpsgenieFeed (Opsgenie and JSM Ops) against a fake Alert API (fake_opsgenie.py beside it)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import TypeVar

import pytest
from tests.unit.sources.opsgenie.fake_opsgenie import ERRORS, FakeOpsgenie

from shiftbell.core.alert import AckInfo, Alert, AlertKey, Incoming, Severity, Status
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedRateLimitedError,
    FeedUnreachableError,
)
from shiftbell.sources.feed import AckReceipt, FeedConfig, PollingFeed
from shiftbell.sources.opsgenie.feed import OpsgenieFeed, severity_for

T = TypeVar("T")
FEED = "ops"
WHERE = "Settings > Feeds > ops"
# Open alerts in tests/data/opsgenie/alerts.json (one more is closed).
DANGER = "70413a06-38d6-4c85-92b8-5ebc900d42e2"  # P1, #1791
PAYMENTS = "1b3c7bf4-0ee9-4a52-a8a4-2a8f8d2ae0c5"  # P2, acknowledged
QUEUE = "4c0e5a1e-0b52-4a34-9e11-71c1c5f0a9a1"  # P3, with an entity
CERT = "9fa2d0a3-6f3c-4bd8-9d3d-5d7f4b1e2c33"  # P5
DISK = "d6e0b4b2-2d39-44a7-b1e4-7e1d2f3c4b55"  # P4, snoozed
CLOSED = "a1b2c3d4-1111-4222-8333-944455556666"
OPEN = {DANGER, PAYMENTS, QUEUE, CERT, DISK}
FAST = (0.01,) * 5  # the confirmation polls, shortened for tests
JSON = {"Content-Type": "application/json"}


def config(url: str, **options: str) -> FeedConfig:
    return FeedConfig(name=FEED, kind="opsgenie", url=url, options=options)


def opsgenie(og: FakeOpsgenie, *, delays: tuple[float, ...] = FAST, **options: str) -> OpsgenieFeed:
    if og.jsm:
        options = {"api": "jsm", "cloud_id": og.cloud_id, **options}
        secret = f"{og.email}:{og.api_key}"
    else:
        secret = og.api_key
    return OpsgenieFeed(config(og.url, **options), secret, confirm_delays_s=delays)


def run(feed: OpsgenieFeed, action: Callable[[OpsgenieFeed], Awaitable[T]]) -> T:
    """Run one scenario on a fresh event loop; the fake server has its own thread."""

    async def scenario() -> T:
        try:
            return await action(feed)
        finally:
            await feed.close()

    return asyncio.run(scenario())


def fetch(feed: OpsgenieFeed) -> list[Incoming]:
    return run(feed, lambda f: f.fetch())


def alert_for(source_id: str, tiny_id: str = "1791") -> Alert:
    when = datetime(2017, 3, 21, 20, 32, 52, tzinfo=UTC)
    return Alert(
        id="0badcafe",
        key=AlertKey(FEED, source_id),
        title="Our servers are in danger",
        severity=Severity.CRITICAL,
        status=Status.ACKNOWLEDGED,
        started_at=when,
        alarm_since=when,
        updated_at=when,
        labels=(("priority", "P1"), ("tinyId", tiny_id)),
    )


def by_id(incoming: list[Incoming]) -> dict[str, Incoming]:
    return {i.source_id: i for i in incoming}


@pytest.fixture
def og() -> Iterator[FakeOpsgenie]:
    with FakeOpsgenie() as fake:
        yield fake


@pytest.fixture
def jsm() -> Iterator[FakeOpsgenie]:
    with FakeOpsgenie("atl-api-token", jsm=True) as fake:
        yield fake


def test_is_a_polling_feed(og: FakeOpsgenie) -> None:
    feed = opsgenie(og)
    assert isinstance(feed, PollingFeed)
    run(feed, lambda f: f.close())


# -- fetch ------------------------------------------------------------------------------


def test_fetch_reads_every_page_with_the_documented_query(og: FakeOpsgenie) -> None:
    generated = og.add_alerts(230)

    alerts = fetch(opsgenie(og))

    assert {a.source_id for a in alerts} == OPEN | set(generated)
    assert len(alerts) == len(OPEN) + 230
    pages = og.server.requests_to("/v2/alerts", "GET")
    assert [p.query["offset"] for p in pages] == [["0"], ["100"], ["200"]]
    for page in pages:
        assert page.query["query"] == ["status:open"]
        assert page.query["limit"] == ["100"]
        assert page.query["sort"] == ["createdAt"]
        assert page.query["order"] == ["desc"]
        assert page.headers["Authorization"] == f"GenieKey {og.api_key}"


def test_alert_fields_are_mapped(og: FakeOpsgenie) -> None:
    alerts = by_id(fetch(opsgenie(og)))

    danger = alerts[DANGER]
    assert danger.title == "Our servers are in danger"
    assert danger.severity is Severity.CRITICAL
    assert danger.summary == "#1791 · from Isengard · tags: OverwriteQuietHours, Critical"
    assert danger.started_at == datetime(2017, 3, 21, 20, 32, 52, 353000, tzinfo=UTC)
    assert danger.url == ""  # no web_url configured
    assert danger.firing and not danger.acknowledged
    assert dict(danger.labels) == {
        "integration": "Nebuchadnezzar",
        "priority": "P1",
        "source": "Isengard",
        "tags": "OverwriteQuietHours, Critical",
        "tinyId": "1791",
    }
    assert list(danger.labels) == sorted(danger.labels)
    assert alerts[QUEUE].summary == "#1793 · from Prometheus · on orders-worker"
    assert dict(alerts[PAYMENTS].labels)["owner"] == "morpheus@opsgenie.com"
    assert CLOSED not in alerts


def test_acknowledged_and_snoozed_alerts_stay_in_the_snapshot_as_acknowledged(
    og: FakeOpsgenie,
) -> None:
    alerts = by_id(fetch(opsgenie(og)))

    assert alerts[PAYMENTS].acknowledged  # acknowledged at the source
    assert alerts[DISK].acknowledged  # snoozed at the source
    assert not alerts[QUEUE].acknowledged


@pytest.mark.parametrize(
    ("priority", "expected"),
    [
        ("P1", Severity.CRITICAL),
        ("P2", Severity.CRITICAL),
        ("P3", Severity.WARNING),
        ("P4", Severity.INFO),
        ("P5", Severity.INFO),
        ("p4", Severity.INFO),
        ("", Severity.WARNING),  # Opsgenie's default priority is P3
        ("P9", Severity.WARNING),
    ],
)
def test_severity_mapping(priority: str, expected: Severity) -> None:
    assert severity_for(priority) is expected


def test_severity_from_recorded_payloads(og: FakeOpsgenie) -> None:
    alerts = by_id(fetch(opsgenie(og)))

    assert {k: a.severity for k, a in alerts.items()} == {
        DANGER: Severity.CRITICAL,
        PAYMENTS: Severity.CRITICAL,
        QUEUE: Severity.WARNING,
        DISK: Severity.INFO,
        CERT: Severity.INFO,
    }


def test_an_alert_without_priority_is_p3(og: FakeOpsgenie) -> None:
    del og.alerts[QUEUE]["priority"]

    alerts = by_id(fetch(opsgenie(og)))

    assert alerts[QUEUE].severity is Severity.WARNING
    assert dict(alerts[QUEUE].labels)["priority"] == "P3"


@pytest.mark.parametrize(
    ("web_url", "expected"),
    [
        (
            "https://acme.app.opsgenie.com/",
            f"https://acme.app.opsgenie.com/alert/detail/{DANGER}/details",
        ),
        (
            "https://acme.example/alerts/{tinyId}?id={id}",
            f"https://acme.example/alerts/1791?id={DANGER}",
        ),
    ],
)
def test_web_url_builds_links(og: FakeOpsgenie, web_url: str, expected: str) -> None:
    alerts = by_id(fetch(opsgenie(og, web_url=web_url)))

    assert alerts[DANGER].url == expected


def test_query_option_narrows_the_search(og: FakeOpsgenie) -> None:
    fetch(opsgenie(og, query="teams:payments AND priority:(P1 OR P2)"))

    (page,) = og.server.requests_to("/v2/alerts", "GET")
    assert page.query["query"] == ["status:open AND (teams:payments AND priority:(P1 OR P2))"]


def test_an_alert_seen_on_two_pages_is_reported_once(og: FakeOpsgenie) -> None:
    # Page 1 as Opsgenie served it before a new alert (DISK) pushed CERT onto page 2.
    first = {
        "data": [og.alerts[CERT]],
        "paging": {"next": "https://api.opsgenie.com/v2/alerts?query=status%3Aopen&offset=1"},
    }
    og.server.fail_next(200, first, JSON)

    alerts = fetch(opsgenie(og))

    assert sorted(a.source_id for a in alerts) == sorted(OPEN - {DISK})
    assert [p.query["offset"] for p in og.server.requests_to("/v2/alerts")] == [["0"], ["1"]]


def test_a_next_link_that_does_not_advance_ends_the_paging(og: FakeOpsgenie) -> None:
    looping = {
        "data": [og.alerts[DANGER]],
        "paging": {"next": "https://api.opsgenie.com/v2/alerts?query=status%3Aopen&offset=0"},
    }
    og.server.fail_next(200, looping, JSON)

    alerts = fetch(opsgenie(og))

    assert [a.source_id for a in alerts] == [DANGER]
    assert len(og.server.requests_to("/v2/alerts", "GET")) == 1


# -- acknowledge ------------------------------------------------------------------------


def test_acknowledge_posts_the_documented_request_and_confirms_it(og: FakeOpsgenie) -> None:
    og.pending_polls = 2

    receipt = run(opsgenie(og, user="Earline"), lambda f: f.acknowledge(alert_for(DANGER)))

    assert receipt == AckReceipt()
    (post,) = og.server.requests_to(f"/v2/alerts/{DANGER}/acknowledge", "POST")
    assert post.query == {"identifierType": ["id"]}
    assert post.body == {
        "user": "Earline",
        "source": "Shiftbell",
        "note": "Acknowledged in Shiftbell",
    }
    assert post.headers["Authorization"] == f"GenieKey {og.api_key}"
    (request_id,) = og.action_requests
    polls = og.server.requests_to(f"/v2/alerts/requests/{request_id}", "GET")
    assert len(polls) == 3  # two "not processed yet", then the outcome
    assert og.alerts[DANGER]["acknowledged"] is True


def test_a_silence_is_opsgenies_snooze_which_pages_again_when_it_ends(og: FakeOpsgenie) -> None:
    until = datetime(2026, 12, 3, 4, 30, tzinfo=timezone(timedelta(hours=1)))
    asked = replace(alert_for(DANGER), ack_info=AckInfo(comment="deploy running", until=until))

    assert run(opsgenie(og, user="Earline"), lambda f: f.acknowledge(asked)) == AckReceipt()

    (post,) = og.server.requests_to(f"/v2/alerts/{DANGER}/snooze", "POST")
    assert post.query == {"identifierType": ["id"]}
    assert post.body == {
        "user": "Earline",
        "source": "Shiftbell",
        "note": "deploy running",
        "endTime": "2026-12-03T03:30:00Z",
    }
    assert not og.server.requests_to(f"/v2/alerts/{DANGER}/acknowledge", "POST")
    snoozed = by_id(run(opsgenie(og), lambda f: f.fetch()))[DANGER]
    assert snoozed.acknowledged  # Opsgenie notifies nobody about it meanwhile
    og.end_snooze(DANGER)
    assert not by_id(run(opsgenie(og), lambda f: f.fetch()))[DANGER].acknowledged


def test_resolve_closes_the_alert_with_the_comment_as_its_note(og: FakeOpsgenie) -> None:
    asked = replace(alert_for(DANGER), ack_info=AckInfo(comment="fixed the disk"))
    run(opsgenie(og, user="Earline"), lambda f: f.resolve(asked))
    (post,) = og.server.requests_to(f"/v2/alerts/{DANGER}/close", "POST")
    assert post.body == {"user": "Earline", "source": "Shiftbell", "note": "fixed the disk"}
    assert og.alerts[DANGER]["status"] == "closed"
    assert DANGER not in by_id(run(opsgenie(og), lambda f: f.fetch()))  # gone: resolved


def test_jsm_snoozes_too(jsm: FakeOpsgenie) -> None:
    until = datetime(2026, 12, 3, 4, 30, tzinfo=UTC)
    asked = replace(alert_for(DANGER), ack_info=AckInfo(until=until))
    run(opsgenie(jsm), lambda f: f.acknowledge(asked))
    (post,) = jsm.server.requests_to(f"{jsm.base_path}/alerts/{DANGER}/snooze", "POST")
    assert post.body == {
        "source": "Shiftbell",
        "note": "Silenced in Shiftbell",
        "endTime": "2026-12-03T04:30:00Z",
    }
    assert jsm.alerts[DANGER]["snoozed"] is True


def test_acknowledge_without_a_user_leaves_it_to_opsgenie(og: FakeOpsgenie) -> None:
    run(opsgenie(og), lambda f: f.acknowledge(alert_for(QUEUE, "1793")))

    (post,) = og.server.requests_to(f"/v2/alerts/{QUEUE}/acknowledge", "POST")
    assert post.body == {"source": "Shiftbell", "note": "Acknowledged in Shiftbell"}
    assert og.alerts[QUEUE]["acknowledged"] is True


def test_a_failed_request_is_an_error_with_opsgenies_reason(og: FakeOpsgenie) -> None:
    og.fail_next_request("Alert does not exist")

    with pytest.raises(FeedError) as caught:
        run(opsgenie(og), lambda f: f.acknowledge(alert_for(DANGER)))

    assert not isinstance(caught.value, FeedUnreachableError)  # retrying will not help
    assert str(caught.value) == (
        "Opsgenie did not acknowledge alert #1791: Alert does not exist (ops)"
    )
    assert og.alerts[DANGER]["acknowledged"] is False


def test_acknowledging_an_alert_that_is_gone_fails(og: FakeOpsgenie) -> None:
    with pytest.raises(FeedError) as caught:
        run(opsgenie(og), lambda f: f.acknowledge(alert_for("no-such-alert", "")))

    assert "Alert does not exist" in str(caught.value)
    assert "no-such-alert" in str(caught.value)


def test_already_acknowledged_counts_as_done(og: FakeOpsgenie) -> None:
    og.fail_next_request("Alert is already acknowledged")

    receipt = run(opsgenie(og), lambda f: f.acknowledge(alert_for(PAYMENTS, "1792")))

    assert receipt == AckReceipt()


def test_a_request_still_pending_at_the_deadline_is_retried_later(og: FakeOpsgenie) -> None:
    og.pending_polls = 1_000

    with pytest.raises(FeedUnreachableError) as caught:
        run(opsgenie(og, delays=(0.01, 0.01, 0.01)), lambda f: f.acknowledge(alert_for(DANGER)))

    assert "has not confirmed the acknowledge of alert #1791 yet (ops)" in str(caught.value)
    (request_id,) = og.action_requests
    assert len(og.server.requests_to(f"/v2/alerts/requests/{request_id}")) == 3


def test_the_deadline_bounds_the_wait(og: FakeOpsgenie) -> None:
    og.pending_polls = 1_000
    feed = OpsgenieFeed(
        config(og.url), og.api_key, confirm_delays_s=(0.01, 0.01, 30.0), confirm_deadline_s=0.5
    )

    with pytest.raises(FeedUnreachableError):
        run(feed, lambda f: f.acknowledge(alert_for(DANGER)))

    (request_id,) = og.action_requests
    assert len(og.server.requests_to(f"/v2/alerts/requests/{request_id}")) == 2


def test_a_404_on_the_post_names_the_alert(og: FakeOpsgenie) -> None:
    og.server.fail_next(404, {"message": "Alert not found"}, JSON, path_prefix="/v2/alerts/")

    with pytest.raises(FeedError) as caught:
        run(opsgenie(og), lambda f: f.acknowledge(alert_for(DANGER)))

    assert f"Opsgenie has no alert {DANGER} (404)" in str(caught.value)


def test_a_202_without_request_id_is_a_payload_error(og: FakeOpsgenie) -> None:
    og.server.fail_next(202, {"result": "Request will be processed"}, JSON, path_prefix="/v2/")

    with pytest.raises(FeedPayloadError) as caught:
        run(opsgenie(og), lambda f: f.acknowledge(alert_for(DANGER)))

    assert "requestId" in str(caught.value)


def test_unacknowledge_posts_and_confirms(og: FakeOpsgenie) -> None:
    run(opsgenie(og), lambda f: f.unacknowledge(alert_for(PAYMENTS, "1792"), AckReceipt()))

    (post,) = og.server.requests_to(f"/v2/alerts/{PAYMENTS}/unacknowledge", "POST")
    assert post.query == {"identifierType": ["id"]}
    assert post.body["source"] == "Shiftbell"
    assert og.alerts[PAYMENTS]["acknowledged"] is False


# -- JSM Ops ----------------------------------------------------------------------------


def test_jsm_fetch_pages_with_size_and_links_next(jsm: FakeOpsgenie) -> None:
    generated = jsm.add_alerts(120)

    alerts = fetch(opsgenie(jsm))

    assert {a.source_id for a in alerts} == OPEN | set(generated)
    pages = jsm.server.requests_to(f"/jsm/ops/api/{jsm.cloud_id}/v1/alerts", "GET")
    assert [p.query["offset"] for p in pages] == [["0"], ["100"]]
    for page in pages:
        assert page.query["size"] == ["100"]
        assert "limit" not in page.query
        assert page.query["query"] == ["status:open"]
    basic = base64.b64encode(f"{jsm.email}:{jsm.api_key}".encode()).decode()
    assert pages[0].headers["Authorization"] == f"Basic {basic}"


def test_jsm_acknowledge_and_confirm(jsm: FakeOpsgenie) -> None:
    receipt = run(opsgenie(jsm, user="Earline"), lambda f: f.acknowledge(alert_for(DANGER)))

    assert receipt == AckReceipt()
    base = f"/jsm/ops/api/{jsm.cloud_id}/v1/alerts"
    (post,) = jsm.server.requests_to(f"{base}/{DANGER}/acknowledge", "POST")
    assert post.query == {}
    assert post.body == {
        "user": "Earline",
        "source": "Shiftbell",
        "note": "Acknowledged in Shiftbell",
    }
    assert len(jsm.server.requests_to(f"{base}/requests/")) == 2
    assert jsm.alerts[DANGER]["acknowledged"] is True


def test_jsm_failure_reads_the_bare_request_status(jsm: FakeOpsgenie) -> None:
    jsm.fail_next_request("Alert does not exist")

    with pytest.raises(FeedError) as caught:
        run(opsgenie(jsm), lambda f: f.acknowledge(alert_for(DANGER)))

    assert (
        str(caught.value) == "JSM Ops did not acknowledge alert #1791: Alert does not exist (ops)"
    )


def test_jsm_token_with_email_option(jsm: FakeOpsgenie) -> None:
    feed = OpsgenieFeed(
        config(jsm.url, api="jsm", cloud_id=jsm.cloud_id, email=jsm.email), jsm.api_key
    )

    assert {a.source_id for a in fetch(feed)} == OPEN


def test_jsm_full_api_base_as_url(jsm: FakeOpsgenie) -> None:
    url = f"{jsm.url}/jsm/ops/api/{jsm.cloud_id}/v1"
    feed = OpsgenieFeed(config(url, api="jsm"), f"{jsm.email}:{jsm.api_key}")

    assert {a.source_id for a in fetch(feed)} == OPEN


def test_jsm_wrong_token_is_an_auth_error(jsm: FakeOpsgenie) -> None:
    feed = OpsgenieFeed(
        config(jsm.url, api="jsm", cloud_id=jsm.cloud_id), f"{jsm.email}:wrong-token"
    )

    with pytest.raises(FeedAuthError) as caught:
        fetch(feed)

    assert "JSM Ops rejected the API token (401: Unauthorized; scope does not match)" in str(
        caught.value
    )
    assert WHERE in str(caught.value)
    assert "wrong-token" not in str(caught.value)


def test_jsm_needs_a_cloud_id() -> None:
    with pytest.raises(FeedConfigError) as caught:
        OpsgenieFeed(config("", api="jsm"), "me@example.com:token")

    assert "cloud_id" in str(caught.value)
    assert WHERE in str(caught.value)


def test_jsm_needs_email_and_token() -> None:
    with pytest.raises(FeedConfigError) as caught:
        OpsgenieFeed(config("", api="jsm", cloud_id="c1"), "just-a-token")

    assert "email:api-token" in str(caught.value)
    assert "just-a-token" not in str(caught.value)


# -- test() -----------------------------------------------------------------------------


def test_test_counts_open_alerts(og: FakeOpsgenie) -> None:
    assert run(opsgenie(og), lambda f: f.test()) == "Opsgenie: 5 open alerts (2 acknowledged)"


def test_test_for_jsm(jsm: FakeOpsgenie) -> None:
    assert run(opsgenie(jsm), lambda f: f.test()) == "JSM Ops: 5 open alerts (2 acknowledged)"


# -- errors -----------------------------------------------------------------------------


def test_a_wrong_key_is_an_auth_error_naming_the_feed(og: FakeOpsgenie) -> None:
    with pytest.raises(FeedAuthError) as caught:
        fetch(OpsgenieFeed(config(og.url), "og-wrong-key"))

    message = str(caught.value)
    assert "Opsgenie rejected the API key (401: Could not authenticate)" in message
    assert f"check the API key in {WHERE}" in message
    assert "og-wrong-key" not in message


def test_403_is_an_auth_error(og: FakeOpsgenie) -> None:
    og.server.fail_next(403, ERRORS["403"], JSON)

    with pytest.raises(FeedAuthError) as caught:
        run(opsgenie(og), lambda f: f.acknowledge(alert_for(DANGER)))

    assert "Opsgenie refused access with the API key (403: You are not authorized" in str(
        caught.value
    )
    assert WHERE in str(caught.value)
    assert og.alerts[DANGER]["acknowledged"] is False


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12"}, 12.0),
        ({"X-RateLimit-State": "THROTTLED", "X-RateLimit-Period-In-Sec": "60"}, None),
    ],
)
def test_429_is_rate_limited(
    og: FakeOpsgenie, headers: dict[str, str], expected: float | None
) -> None:
    og.server.fail_next(429, ERRORS["429"], {**JSON, **headers})

    with pytest.raises(FeedRateLimitedError) as caught:
        fetch(opsgenie(og))

    assert caught.value.retry_after_s == expected
    assert FEED in str(caught.value)


def test_429_while_confirming_is_rate_limited(og: FakeOpsgenie) -> None:
    og.server.fail_next(
        429, ERRORS["429"], {**JSON, "Retry-After": "3"}, path_prefix="/v2/alerts/requests/"
    )

    with pytest.raises(FeedRateLimitedError) as caught:
        run(opsgenie(og), lambda f: f.acknowledge(alert_for(DANGER)))

    assert caught.value.retry_after_s == 3.0


def test_500_is_unreachable(og: FakeOpsgenie) -> None:
    og.server.fail_next(503, "upstream unavailable")

    with pytest.raises(FeedUnreachableError) as caught:
        fetch(opsgenie(og))

    assert "Opsgenie server error 503 (ops)" in str(caught.value)


def test_malformed_json_is_a_payload_error(og: FakeOpsgenie) -> None:
    og.server.malformed_next()

    with pytest.raises(FeedPayloadError) as caught:
        fetch(opsgenie(og))

    assert FEED in str(caught.value)


def test_json_of_the_wrong_shape_is_a_payload_error(og: FakeOpsgenie) -> None:
    og.server.fail_next(200, {"alerts": []}, JSON)

    with pytest.raises(FeedPayloadError) as caught:
        fetch(opsgenie(og))

    assert "'data' list" in str(caught.value)


def test_an_alert_without_an_id_is_skipped(og: FakeOpsgenie) -> None:
    og.server.fail_next(200, {"data": [{"message": "no id"}, og.alerts[DANGER]]}, JSON)

    assert [a.source_id for a in fetch(opsgenie(og))] == [DANGER]


def test_a_connection_dropped_once_is_sent_again_and_twice_is_unreachable(
    og: FakeOpsgenie,
) -> None:
    # Once: what a kept-alive connection the server closed as it was reused looks like.
    og.server.drop_next()
    sent_again = fetch(opsgenie(og))
    assert sent_again and sent_again == fetch(opsgenie(og))

    og.server.drop_next(times=2)
    with pytest.raises(FeedUnreachableError) as caught:
        fetch(opsgenie(og))

    assert FEED in str(caught.value)


def test_a_server_error_while_confirming_is_unreachable(og: FakeOpsgenie) -> None:
    og.server.fail_next(502, "bad gateway", path_prefix="/v2/alerts/requests/")

    with pytest.raises(FeedUnreachableError) as caught:
        run(opsgenie(og), lambda f: f.acknowledge(alert_for(DANGER)))

    assert "Opsgenie server error 502" in str(caught.value)


def test_a_server_that_is_down_is_unreachable(og: FakeOpsgenie) -> None:
    og.server.stop()

    with pytest.raises(FeedUnreachableError) as caught:
        fetch(opsgenie(og))

    assert f"cannot reach Opsgenie at {og.url}" in str(caught.value)


def test_a_server_restart_between_calls_is_survived(og: FakeOpsgenie) -> None:
    async def across_restart(f: OpsgenieFeed) -> tuple[list[Incoming], AckReceipt]:
        before = await f.fetch()
        await asyncio.to_thread(og.server.restart)
        return before, await f.acknowledge(alert_for(DANGER))

    before, receipt = run(opsgenie(og), across_restart)

    assert {a.source_id for a in before} == OPEN
    assert receipt == AckReceipt()
    assert og.alerts[DANGER]["acknowledged"] is True


# -- configuration ----------------------------------------------------------------------


def test_missing_key_is_a_config_error() -> None:
    with pytest.raises(FeedConfigError) as caught:
        OpsgenieFeed(config(""), "")

    assert "Opsgenie needs an API key" in str(caught.value)
    assert WHERE in str(caught.value)


def test_unknown_api_is_a_config_error() -> None:
    with pytest.raises(FeedConfigError) as caught:
        OpsgenieFeed(config("", api="victorops"), "key")

    assert "victorops" in str(caught.value)


def test_default_urls() -> None:
    async def bases() -> tuple[str, str]:
        og = OpsgenieFeed(config(""), "key")
        jsm = OpsgenieFeed(config("", api="jsm", cloud_id="c1"), "me@example.com:token")
        try:
            return str(og.account.client.base_url), str(jsm.account.client.base_url)
        finally:
            await og.close()
            await jsm.close()

    og_base, jsm_base = asyncio.run(bases())
    assert og_base.rstrip("/") == "https://api.opsgenie.com"
    assert jsm_base.rstrip("/") == "https://api.atlassian.com/jsm/ops/api/c1/v1"
