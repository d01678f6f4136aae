"""feeds/registry.py: every FeedKind has an adapter, built from a FeedConfig and a secret."""

import asyncio
import json

import httpx
import pytest
from tests.helpers.data import TEST_DATA

from shiftbell.core.errors import FeedConfigError
from shiftbell.sources import registry
from shiftbell.sources.feed import FeedConfig, FeedKind, PollingFeed, StreamFeed
from shiftbell.sources.registry import (
    SecretNeed,
    adapter_class,
    available_kinds,
    build_feed,
    check_feed,
    default_url,
    feed_advice,
    needs_secret,
)

STATUS = json.loads((TEST_DATA / "alertmanager_api" / "status.json").read_text())
STREAMING = {FeedKind.NTFY, FeedKind.GOTIFY}
MINIMAL_OPTIONS = {FeedKind.NTFY: {"topics": "alerts"}}


def config_for(kind: FeedKind, **options: str) -> FeedConfig:
    return FeedConfig(
        name=f"my-{kind.value}",
        kind=kind,
        url="https://source.example.org",
        options={**MINIMAL_OPTIONS.get(kind, {}), **options},
    )


@pytest.mark.parametrize("kind", list(FeedKind))
def test_every_kind_builds_its_adapter_with_the_right_protocol(kind: FeedKind) -> None:
    feed = build_feed(config_for(kind), "a-secret")
    try:
        assert type(feed) is adapter_class(kind)
        assert type(feed).__name__ == registry.ADAPTERS[kind][1]
        assert feed.config == config_for(kind)
        if kind in STREAMING:
            assert isinstance(feed, StreamFeed)
        else:
            assert isinstance(feed, PollingFeed)
    finally:
        asyncio.run(feed.close())
    assert kind in available_kinds()


def test_the_secret_tables_say_who_needs_a_token() -> None:
    assert {kind for kind in FeedKind if needs_secret(kind)} == {
        FeedKind.PAGERDUTY,
        FeedKind.OPSGENIE,
        FeedKind.GRAFANA_ONCALL,
        FeedKind.GOTIFY,
    }
    # Alertmanager has no auth of its own (a proxy may), and ntfy topics can be public.
    assert registry.secret_need(FeedKind.ALERTMANAGER) is SecretNeed.OPTIONAL
    assert registry.secret_need(FeedKind.NTFY) is SecretNeed.OPTIONAL
    assert set(registry.SECRET_WORDS) == set(FeedKind) == set(registry.REQUIRED_OPTIONS)


def test_a_missing_required_option_is_named_with_the_feed() -> None:
    config = FeedConfig("team", FeedKind.NTFY, "https://ntfy.sh")
    with pytest.raises(FeedConfigError) as caught:
        build_feed(config, "")
    assert str(caught.value) == (
        "ntfy feed team needs the option topics: set it in Settings > Feeds > team "
        "(or config.toml [feeds.options])"
    )


def test_a_missing_secret_is_named_in_the_vendors_words() -> None:
    with pytest.raises(FeedConfigError, match="PagerDuty feed my-pagerduty has no API key stored"):
        build_feed(config_for(FeedKind.PAGERDUTY), "")
    with pytest.raises(FeedConfigError, match="Gotify feed my-gotify has no client token stored"):
        build_feed(config_for(FeedKind.GOTIFY), "")
    # Optional secrets may be empty.
    asyncio.run(check_feed(config_for(FeedKind.ALERTMANAGER), ""))
    asyncio.run(check_feed(config_for(FeedKind.NTFY), ""))


def test_check_feed_runs_the_adapters_own_option_checks() -> None:
    # Opsgenie needs cloud_id only for JSM Ops: a rule only the adapter knows.
    with pytest.raises(FeedConfigError, match="cloud_id"):
        asyncio.run(check_feed(config_for(FeedKind.OPSGENIE, api="jsm"), "me@x.org:token"))
    with pytest.raises(FeedConfigError, match="ntfy"):
        asyncio.run(check_feed(config_for(FeedKind.NTFY, topics="not a topic!"), ""))


def test_the_transport_reaches_the_adapter() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path == "/api/v2/status":
            return httpx.Response(200, json=STATUS)
        return httpx.Response(200, json=[])

    async def run() -> str:
        feed = build_feed(
            config_for(FeedKind.ALERTMANAGER), "", transport=httpx.MockTransport(answer)
        )
        try:
            return await feed.test()
        finally:
            await feed.close()

    assert asyncio.run(run()) == "Alertmanager 0.25.0, 0 active alerts"
    assert seen[0] == "GET /api/v2/status"


def test_a_kind_whose_module_is_missing_is_reported_not_crashed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(
        registry.ADAPTERS, FeedKind.GOTIFY, ("shiftbell.sources.not_written_yet", "GotifyFeed")
    )
    with pytest.raises(FeedConfigError) as caught:
        build_feed(config_for(FeedKind.GOTIFY), "token")
    assert str(caught.value) == (
        "this version of Shiftbell cannot run Gotify feeds yet (no shiftbell.sources.not_written_yet)"
    )
    assert FeedKind.GOTIFY not in available_kinds()
    assert FeedKind.NTFY in available_kinds()


def test_advice_and_default_urls() -> None:
    [advice] = feed_advice(config_for(FeedKind.PAGERDUTY))
    assert advice.startswith("without from_email")
    assert feed_advice(config_for(FeedKind.PAGERDUTY, from_email="me@x.org")) == []
    assert default_url(FeedKind.PAGERDUTY, {}) == "https://api.pagerduty.com"
    assert default_url(FeedKind.OPSGENIE, {}) == "https://api.opsgenie.com"
    assert default_url(FeedKind.OPSGENIE, {"api": "JSM"}) == "https://api.atlassian.com"
    assert default_url(FeedKind.NTFY, {}) is None
