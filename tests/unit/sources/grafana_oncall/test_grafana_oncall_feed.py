"""GrafanaOnCallFeed against a fake OnCall public API over real HTTP on 127.0.0.1.

Each test runs its whole scenario in one `asyncio.run`, because the feed's httpx client keeps
its connections on the loop that opened them, as it does on the app's worker loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from tests.unit.sources.grafana_oncall.fake_grafana_oncall import FakeGrafanaOnCall, load_group

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
from shiftbell.sources.grafana_oncall.alert_groups import severity_of
from shiftbell.sources.grafana_oncall.feed import GrafanaOnCallFeed

TOKEN = "oncall-api-key-3c9e1f7a55d04b2e"
SA_TOKEN = "glsa_Xq7vN2k9PzL4mR8tW1yB6cD3fH5jK0sA_e4f1c2d3"
STACK = "https://shiftbell-test.grafana.net"
FEED = "team-oncall"
FIX_IT = f"Settings > Feeds > {FEED}"
LIST = "/api/v1/alert_groups/"
NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
T = TypeVar("T")


def make_config(url: str, options: Mapping[str, str], interval_s: float = 15.0) -> FeedConfig:
    return FeedConfig(
        name=FEED, kind="grafana-oncall", url=url, options=options, interval_s=interval_s
    )


def run_feed(
    config: FeedConfig,
    secret: str,
    scenario: Callable[[GrafanaOnCallFeed], Awaitable[T]],
    clock: FakeClock | None = None,
) -> T:
    async def main() -> T:
        feed = GrafanaOnCallFeed(config, secret, clock=clock)
        try:
            return await asyncio.wait_for(scenario(feed), 30)
        finally:
            await feed.close()

    return asyncio.run(main())


def with_feed(
    url: str,
    scenario: Callable[[GrafanaOnCallFeed], Awaitable[T]],
    *,
    secret: str = TOKEN,
    interval_s: float = 15.0,
    **options: str,
) -> T:
    return run_feed(make_config(url, options, interval_s), secret, scenario)


def fetch(url: str, *, secret: str = TOKEN, **options: str) -> dict[str, Incoming]:
    found = run_feed(make_config(url, options), secret, lambda feed: feed.fetch())
    by_id = {item.source_id: item for item in found}
    assert len(by_id) == len(found), "an alert group was reported twice"
    return by_id


def alert_for(group_id: str, title: str = "Memory above 90% threshold") -> Alert:
    return Alert(
        id="0badc0de",
        key=AlertKey(FEED, group_id),
        title=title,
        severity=Severity.CRITICAL,
        status=Status.FIRING,
        started_at=NOW,
        alarm_since=NOW,
        updated_at=NOW,
    )


@pytest.fixture
def oncall() -> Iterator[FakeGrafanaOnCall]:
    with FakeGrafanaOnCall(TOKEN) as fake:
        yield fake


# -- fetching -------------------------------------------------------------------------------


def test_fetch_reads_every_page_of_every_open_state(oncall: FakeGrafanaOnCall) -> None:
    firing = oncall.add_many("alert-group-grafana-legacy", 230, "new")
    acked = oncall.add_many("alert-group-grafana-legacy", 2, "acknowledged")
    silenced = oncall.add_many("alert-group-grafana-legacy", 1, "silenced")
    oncall.add_many("alert-group-grafana-legacy", 4, "resolved")

    found = fetch(oncall.url)

    assert set(found) == {*firing, *acked, *silenced}
    assert [found[i].acknowledged for i in firing] == [False] * 230
    assert all(found[i].acknowledged for i in (*acked, *silenced))
    lists = oncall.server.requests_to(LIST, "GET")
    assert [r.query["state"] for r in lists] == [["new"], ["acknowledged"], ["silenced"]] + [
        ["new"]
    ] * 2
    assert [r.query.get("page") for r in lists] == [None, None, None, ["2"], ["3"]]
    assert all(r.query["perpage"] == ["100"] for r in lists)


def test_documented_alert_groups_become_alerts(oncall: FakeGrafanaOnCall) -> None:
    for name in (
        "alert-group-alertmanager",
        "alert-group-grafana-legacy",
        "alert-group-labelled",
        "alert-group-webhook-priority",
    ):
        oncall.add(load_group(name))

    found = fetch(oncall.url)

    disk = found["IZHCC4GTNPZ93"]
    assert disk.title == "[firing:2] DiskAlmostFull (storage)"
    assert disk.severity is Severity.WARNING  # commonLabels.severity
    assert disk.url == "https://oncall.example.com/a/grafana-oncall-app/alert-groups/IZHCC4GTNPZ93"
    assert disk.summary == "/var/lib/postgresql is 91% full on db-1"
    assert ("severity", "warning") in disk.labels and ("team", "storage") in disk.labels
    assert disk.started_at == datetime(2026, 1, 1, 11, 52, 4, 120391, tzinfo=UTC)
    assert (disk.firing, disk.acknowledged) == (True, False)

    memory = found["I68T24C13IFW1"]
    assert memory.severity is Severity.CRITICAL  # nothing in the payload: a page is critical
    assert memory.url.startswith("https://ghostbusters.slack.com/")  # no web link: Slack's
    assert memory.summary == "Memory on web-3 has been above 90% for 10 minutes."

    checkout = found["IW1Z8CKN4E3QV"]
    assert checkout.severity is Severity.INFO  # the group's own label beats the payload's
    assert checkout.acknowledged
    assert ("service", "checkout") in checkout.labels

    backup = found["IB5MRWQ2J7YT8"]
    assert backup.severity is Severity.INFO  # priority P4
    assert backup.acknowledged  # silenced: open, but nobody is to be woken for it
    assert backup.url.startswith("https://slack.com/app_redirect")


def _group(payload: dict[str, Any] | None = None, labels: dict[str, str] | None = None) -> Any:
    return {
        "id": "I1",
        "labels": [
            {"key": {"id": "k", "name": k}, "value": {"id": "v", "name": v}}
            for k, v in (labels or {}).items()
        ],
        "last_alert": {"payload": payload or {}},
    }


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (_group({"labels": {"severity": "warning"}}), Severity.WARNING),
        (_group({"commonLabels": {"severity": "info"}}), Severity.INFO),
        (
            _group(
                {"alerts": [{"labels": {"severity": "warning"}}, {"labels": {"severity": "crit"}}]}
            ),
            Severity.CRITICAL,
        ),
        (_group({"severity": "minor"}), Severity.WARNING),
        (_group({"priority": "P2"}), Severity.CRITICAL),
        (_group({"priority": "p3"}), Severity.WARNING),
        (_group({"severity": "banana", "priority": "low"}), Severity.INFO),
        (_group({"labels": {"severity": "info"}}, labels={"severity": "high"}), Severity.CRITICAL),
        (_group({"severity": "banana"}), Severity.CRITICAL),
        (_group({"title": "no severity anywhere"}), Severity.CRITICAL),
        ({"id": "I1", "last_alert": None, "labels": "garbled"}, Severity.CRITICAL),
    ],
)
def test_severity_comes_from_labels_or_payload_else_critical(
    group: dict[str, Any], expected: Severity
) -> None:
    assert severity_of(group) is expected


def test_default_severity_option_applies_only_where_nothing_is_said(
    oncall: FakeGrafanaOnCall,
) -> None:
    oncall.add(load_group("alert-group-grafana-legacy"))
    oncall.add(load_group("alert-group-alertmanager"))

    found = fetch(oncall.url, default_severity="info")

    assert found["I68T24C13IFW1"].severity is Severity.INFO
    assert found["IZHCC4GTNPZ93"].severity is Severity.WARNING


def test_filters_are_sent_and_applied(oncall: FakeGrafanaOnCall) -> None:
    base = load_group("alert-group-grafana-legacy")
    mine = oncall.add(base, id="IMINE", team_id="TI73TDU19W48J", integration_id="C1", route_id="R1")
    oncall.add(base, id="IOTHERTEAM", team_id=None, integration_id="C1", route_id="R1")
    oncall.add(base, id="IOTHERROUTE", team_id="TI73TDU19W48J", integration_id="C1", route_id="R2")

    found = fetch(oncall.url, team_id="TI73TDU19W48J", integration_id="C1", route_id=" R1 ")

    assert set(found) == {mine}
    for request in oncall.server.requests_to(LIST, "GET"):
        assert request.query["team_id"] == ["TI73TDU19W48J"]
        assert request.query["integration_id"] == ["C1"]
        assert request.query["route_id"] == ["R1"]


def test_a_team_oncall_does_not_know_is_a_config_error(oncall: FakeGrafanaOnCall) -> None:
    with pytest.raises(FeedConfigError) as caught:
        fetch(oncall.url, team_id="TNOTONTHISSTACK")

    message = str(caught.value)
    assert "team_id: Select a valid choice" in message
    assert FIX_IT in message


def test_page_cap_reads_every_state_then_warns_once(
    oncall: FakeGrafanaOnCall, caplog: pytest.LogCaptureFixture
) -> None:
    oncall.add_many("alert-group-grafana-legacy", 450, "new")
    acked = oncall.add_many("alert-group-grafana-legacy", 3, "acknowledged")
    caplog.set_level(logging.DEBUG, logger="shiftbell.sources.grafana_oncall.feed")

    async def twice(feed: GrafanaOnCallFeed) -> list[list[Incoming]]:
        return [await feed.fetch(), await feed.fetch()]

    first, second = with_feed(oncall.url, twice, max_pages="4")

    for found in (first, second):
        ids = {item.source_id for item in found}
        assert len(ids) == 200 + 3  # two pages of firing groups, and every acknowledged one
        assert ids >= set(acked)
    assert len(oncall.server.requests_to(LIST, "GET")) == 2 * 4
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "250 alert groups unread" in warnings[0].getMessage()
    assert "max_pages" in warnings[0].getMessage()


@pytest.mark.parametrize(("interval_s", "requests"), [(5.0, 3), (15.0, 10), (600.0, 20)])
def test_default_page_cap_keeps_within_the_rate_limit_at_the_feeds_interval(
    oncall: FakeGrafanaOnCall, interval_s: float, requests: int
) -> None:
    # 300 requests per 5 minutes per token; polling may use two thirds of them.
    oncall.add_many("alert-group-grafana-legacy", 2500, "new")

    found = with_feed(oncall.url, lambda feed: feed.fetch(), interval_s=interval_s)

    assert len(oncall.server.requests_to(LIST, "GET")) == requests
    assert len(found) == 100 * (requests - 2)
    assert requests * (300 / interval_s) <= 200


def test_next_link_naming_an_internal_host_is_read_from_the_configured_url() -> None:
    with FakeGrafanaOnCall(TOKEN, public_url="http://oncall-engine.invalid:8080") as oncall:
        firing = oncall.add_many("alert-group-grafana-legacy", 150, "new")

        found = fetch(oncall.url)

        assert set(found) == set(firing)
        pages = oncall.server.requests_to(LIST, "GET")
        assert [r.query.get("page") for r in pages] == [None, None, None, ["2"]]


def test_group_acknowledged_during_a_fetch_is_reported_once_as_acknowledged(
    oncall: FakeGrafanaOnCall,
) -> None:
    group = oncall.add(load_group("alert-group-grafana-legacy"))

    def acknowledge_elsewhere(state: str) -> None:
        if state == "new":
            oncall.groups[group]["state"] = "acknowledged"

    oncall.after_list = acknowledge_elsewhere

    found = fetch(oncall.url)

    assert list(found) == [group]
    assert found[group].acknowledged


def test_group_unacknowledged_during_a_fetch_takes_the_later_reading(
    oncall: FakeGrafanaOnCall,
) -> None:
    oncall.add_many("alert-group-grafana-legacy", 150, "new")  # "new" has a second page
    oldest = oncall.add(
        load_group("alert-group-grafana-legacy"),
        id="IOLDEST",
        state="acknowledged",
        created_at="2025-12-31T00:00:00Z",
    )

    def unacknowledge_elsewhere(state: str) -> None:
        if state == "acknowledged":
            oncall.groups[oldest]["state"] = "new"  # lands on page 2 of "new", read last

    oncall.after_list = unacknowledge_elsewhere

    found = fetch(oncall.url)

    assert len(found) == 151
    assert not found[oldest].acknowledged


def test_an_alert_group_without_id_is_skipped_and_the_rest_kept(
    oncall: FakeGrafanaOnCall, caplog: pytest.LogCaptureFixture
) -> None:
    kept = oncall.add(load_group("alert-group-grafana-legacy"))
    broken = load_group("alert-group-alertmanager")
    del broken["id"]
    oncall.groups["broken"] = broken

    found = fetch(oncall.url)

    assert list(found) == [kept]
    assert "without an id" in caplog.text


@pytest.mark.parametrize("body", [{"detail": "ok"}, {"count": 1, "results": "none"}, [1, 2]])
def test_a_list_answer_of_the_wrong_shape_is_a_payload_error(
    oncall: FakeGrafanaOnCall, body: Any
) -> None:
    oncall.server.fail_next(200, body if isinstance(body, dict) else str(body))

    with pytest.raises(FeedPayloadError, match=f"without `count` and `results` \\({FEED}\\)"):
        fetch(oncall.url)


def test_url_pasted_with_the_api_path_still_works(oncall: FakeGrafanaOnCall) -> None:
    group = oncall.add(load_group("alert-group-grafana-legacy"))

    assert set(fetch(oncall.url + "/api/v1/")) == {group}


def test_feed_is_a_polling_feed(oncall: FakeGrafanaOnCall) -> None:
    assert with_feed(oncall.url, _is_polling_feed)


async def _is_polling_feed(feed: GrafanaOnCallFeed) -> bool:
    return isinstance(feed, PollingFeed)


# -- acknowledging --------------------------------------------------------------------------


def test_acknowledge_acknowledges_the_group_at_the_source(oncall: FakeGrafanaOnCall) -> None:
    group = oncall.add(load_group("alert-group-grafana-legacy"))

    receipt = with_feed(oncall.url, lambda feed: feed.acknowledge(alert_for(group)))

    assert receipt == AckReceipt()
    assert oncall.state(group) == "acknowledged"
    [post] = oncall.server.requests_to(LIST, "POST")
    assert post.path == f"{LIST}{group}/acknowledge"


def test_acknowledging_twice_counts_as_done(oncall: FakeGrafanaOnCall) -> None:
    group = oncall.add(load_group("alert-group-grafana-legacy"))

    async def twice(feed: GrafanaOnCallFeed) -> list[AckReceipt]:
        return [await feed.acknowledge(alert_for(group)), await feed.acknowledge(alert_for(group))]

    receipts = with_feed(oncall.url, twice)

    assert receipts == [AckReceipt(), AckReceipt()]
    assert len(oncall.server.requests_to(f"{LIST}{group}/acknowledge", "POST")) == 2
    assert oncall.state(group) == "acknowledged"


def test_acknowledging_a_resolved_group_counts_as_done(oncall: FakeGrafanaOnCall) -> None:
    group = oncall.add(load_group("alert-group-grafana-legacy"), state="resolved")

    receipt = with_feed(oncall.url, lambda feed: feed.acknowledge(alert_for(group)))

    assert receipt == AckReceipt()
    assert oncall.state(group) == "resolved"


def test_other_refusals_raise_with_oncalls_reason(oncall: FakeGrafanaOnCall) -> None:
    attached = oncall.add(load_group("alert-group-grafana-legacy"), root_alert_group_id="IROOT")

    with pytest.raises(FeedError) as caught:
        with_feed(oncall.url, lambda feed: feed.acknowledge(alert_for(attached)))

    message = str(caught.value)
    assert "Can't acknowledge an attached alert group" in message
    assert "'Memory above 90% threshold'" in message and FEED in message
    assert oncall.state(attached) == "new"


def test_acknowledging_a_deleted_group_says_so(oncall: FakeGrafanaOnCall) -> None:
    with pytest.raises(FeedError, match="has no alert group IGONE any more"):
        with_feed(oncall.url, lambda feed: feed.acknowledge(alert_for("IGONE")))


def test_unacknowledge_puts_the_group_back_and_twice_is_done(oncall: FakeGrafanaOnCall) -> None:
    group = oncall.add(load_group("alert-group-grafana-legacy"))
    states: list[str] = []

    async def scenario(feed: GrafanaOnCallFeed) -> None:
        receipt = await feed.acknowledge(alert_for(group))
        states.append(oncall.state(group))
        await feed.unacknowledge(alert_for(group), receipt)
        states.append(oncall.state(group))
        await feed.unacknowledge(alert_for(group), receipt)
        states.append(oncall.state(group))

    with_feed(oncall.url, scenario)

    assert states == ["acknowledged", "new", "new"]
    assert len(oncall.server.requests_to(f"{LIST}{group}/unacknowledge", "POST")) == 2


def silenced_alert(group_id: str, minutes: int) -> Alert:
    until = NOW + timedelta(minutes=minutes)
    return replace(alert_for(group_id), ack_info=AckInfo(comment="known", until=until))


def test_a_silence_is_oncalls_silence_with_the_delay_left_and_unack_ends_it(
    oncall: FakeGrafanaOnCall,
) -> None:
    group = oncall.add(load_group("alert-group-grafana-legacy"))
    states: list[str] = []

    async def scenario(feed: GrafanaOnCallFeed) -> None:
        receipt = await feed.acknowledge(silenced_alert(group, 90))
        states.append(oncall.state(group))
        await feed.unacknowledge(alert_for(group), receipt)
        states.append(oncall.state(group))

    run_feed(make_config(oncall.url, {}), TOKEN, scenario, clock=FakeClock(NOW))

    assert states == ["silenced", "new"]  # silenced: on the board as acknowledged, not paging
    assert oncall.silence_delays == {group: 5400}
    assert not oncall.server.requests_to(f"{LIST}{group}/acknowledge", "POST")
    assert fetch(oncall.url)[group].acknowledged is False


def test_a_silence_of_an_acknowledged_group_is_done_and_a_service_account_is_told(
    oncall: FakeGrafanaOnCall,
) -> None:
    acked = oncall.add(load_group("alert-group-grafana-legacy"), state="acknowledged")
    with_feed(oncall.url, lambda feed: feed.acknowledge(silenced_alert(acked, 60)))
    assert oncall.state(acked) == "acknowledged"

    with FakeGrafanaOnCall("glsa_token", grafana_url="https://acme.grafana.net") as cloud:
        group = cloud.add(load_group("alert-group-grafana-legacy"))
        with pytest.raises(FeedError) as caught:
            with_feed(
                cloud.url,
                lambda feed: feed.acknowledge(silenced_alert(group, 60)),
                secret="glsa_token",
                grafana_url="https://acme.grafana.net",
            )
    message = str(caught.value)
    assert "Service accounts are not allowed to silence alert groups" in message
    assert "acknowledge instead" in message and not isinstance(caught.value, FeedAuthError)


def test_resolve_resolves_the_group_and_a_resolved_one_is_done(oncall: FakeGrafanaOnCall) -> None:
    group = oncall.add(load_group("alert-group-grafana-legacy"))

    async def twice(feed: GrafanaOnCallFeed) -> None:
        await feed.resolve(alert_for(group))
        await feed.resolve(alert_for(group))

    with_feed(oncall.url, twice)
    assert oncall.state(group) == "resolved"
    assert group not in fetch(oncall.url)


# -- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "headers", "error", "words"),
    [
        (401, {}, FeedAuthError, f"rejected the API token (401): check the API token in {FIX_IT}"),
        (403, {}, FeedAuthError, "refused access with the API token (403"),
        (429, {"Retry-After": "7"}, FeedRateLimitedError, "rate limit reached"),
        (500, {}, FeedUnreachableError, "server error 500"),
        (503, {}, FeedUnreachableError, "server error 503"),
    ],
)
def test_http_failures_map_to_feed_errors(
    oncall: FakeGrafanaOnCall,
    status: int,
    headers: dict[str, str],
    error: type[FeedError],
    words: str,
) -> None:
    oncall.add(load_group("alert-group-grafana-legacy"))
    oncall.server.fail_next(status, headers=headers)

    with pytest.raises(error) as caught:
        fetch(oncall.url)

    assert words in str(caught.value)
    assert TOKEN not in str(caught.value)
    if isinstance(caught.value, FeedRateLimitedError):
        assert caught.value.retry_after_s == 7


def test_a_wrong_token_is_an_auth_error_with_oncalls_reason(oncall: FakeGrafanaOnCall) -> None:
    with pytest.raises(FeedAuthError) as caught:
        fetch(oncall.url, secret="not-the-token")

    assert "(401: Invalid token.)" in str(caught.value)
    assert "not-the-token" not in str(caught.value)


def test_malformed_json_is_a_payload_error(oncall: FakeGrafanaOnCall) -> None:
    oncall.server.malformed_next()

    with pytest.raises(FeedPayloadError, match="is not JSON"):
        fetch(oncall.url)


def test_server_down_is_unreachable_and_a_restart_loses_nothing(
    oncall: FakeGrafanaOnCall,
) -> None:
    groups = oncall.add_many("alert-group-grafana-legacy", 3, "new")
    outcomes: list[object] = []

    async def scenario(feed: GrafanaOnCallFeed) -> None:
        outcomes.append({i.source_id for i in await feed.fetch()})
        oncall.server.stop()
        try:
            await feed.fetch()
        except FeedUnreachableError as exc:
            outcomes.append(str(exc))
        oncall.server.start()
        outcomes.append({i.source_id for i in await feed.fetch()})
        oncall.server.restart()
        await feed.acknowledge(alert_for(groups[0]))
        outcomes.append(oncall.state(groups[0]))

    with_feed(oncall.url, scenario)

    assert outcomes[0] == set(groups)
    assert f"cannot reach Grafana OnCall at {oncall.url}" in str(outcomes[1])
    assert FEED in str(outcomes[1])
    assert outcomes[2] == set(groups)
    assert outcomes[3] == "acknowledged"


# -- authentication -------------------------------------------------------------------------


def test_service_account_token_goes_bare_with_x_grafana_url() -> None:
    with FakeGrafanaOnCall(SA_TOKEN, grafana_url=STACK) as oncall:
        group = oncall.add(load_group("alert-group-grafana-legacy"))

        # Pasted from the newest IRM docs' curl example, with "Bearer" and a trailing slash.
        found = fetch(oncall.url, secret=f"Bearer {SA_TOKEN}\n", grafana_url=STACK + "/")

        assert set(found) == {group}
        for request in oncall.server.requests:
            assert request.headers["Authorization"] == SA_TOKEN
            assert request.headers["X-Grafana-URL"] == STACK


def test_service_account_token_without_grafana_url_is_refused() -> None:
    with FakeGrafanaOnCall(SA_TOKEN, grafana_url=STACK) as oncall:
        with pytest.raises(FeedAuthError, match="Invalid Grafana URL"):
            fetch(oncall.url, secret=SA_TOKEN)

        with pytest.raises(FeedAuthError, match="service account token"):
            fetch(oncall.url, secret=SA_TOKEN, grafana_url="https://other-stack.grafana.net")


def test_oncall_api_key_goes_without_x_grafana_url(oncall: FakeGrafanaOnCall) -> None:
    oncall.add(load_group("alert-group-grafana-legacy"))

    fetch(oncall.url)

    assert oncall.server.requests
    for request in oncall.server.requests:
        assert request.headers["Authorization"] == TOKEN
        assert "X-Grafana-URL" not in request.headers


def test_token_never_reaches_the_log(
    oncall: FakeGrafanaOnCall, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    oncall.add_many("alert-group-grafana-legacy", 120, "new")
    group = oncall.add(load_group("alert-group-labelled"))

    async def scenario(feed: GrafanaOnCallFeed) -> None:
        await feed.fetch()
        await feed.acknowledge(alert_for(group))

    with_feed(oncall.url, scenario, max_pages="3")

    assert "unread" in caplog.text  # the capped fetch did log
    assert TOKEN not in caplog.text


# -- test() and configuration ---------------------------------------------------------------


def test_test_reports_counts_in_one_line(oncall: FakeGrafanaOnCall) -> None:
    oncall.add_many("alert-group-grafana-legacy", 2, "new")
    oncall.add_many("alert-group-grafana-legacy", 1, "acknowledged")

    result = with_feed(oncall.url, lambda feed: feed.test(), team_id="noteam")

    assert result == "Connected to Grafana OnCall (team_id noteam): " + (
        "2 firing and 1 acknowledged alert groups"
    )
    assert "\n" not in result
    assert all(r.query["perpage"] == ["1"] for r in oncall.server.requests_to(LIST))


@pytest.mark.parametrize(
    ("url", "secret", "options", "words"),
    [
        ("oncall.example.com", TOKEN, {}, "is not an http(s) URL"),
        ("https://oncall.example.com", "  ", {}, "has no API token"),
        ("https://oncall.example.com", TOKEN, {"default_severity": "loud"}, "default_severity"),
        ("https://oncall.example.com", TOKEN, {"max_pages": "2"}, "max_pages '2'"),
        ("https://oncall.example.com", TOKEN, {"max_pages": "ten"}, "max_pages 'ten'"),
        ("https://oncall.example.com", TOKEN, {"grafana_url": "stack.grafana.net"}, "grafana_url"),
    ],
)
def test_bad_settings_are_config_errors_naming_the_setting(
    url: str, secret: str, options: dict[str, str], words: str
) -> None:
    with pytest.raises(FeedConfigError) as caught:
        GrafanaOnCallFeed(make_config(url, options), secret)

    assert words in str(caught.value)
    assert FIX_IT in str(caught.value)
