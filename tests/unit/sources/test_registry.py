"""The registry is the list of the sources' declarations; every source builds from its own.

Also the rule that keeps it so: no module outside a source's folder names a source by its id
or its name, which is what a table keyed by kind (or an `if kind is X` branch) looks like.
"""

import ast
import asyncio
import dataclasses
import json
from pathlib import Path

import httpx
import pytest
from tests.helpers.data import TEST_DATA

from shiftbell.core.errors import FeedConfigError
from shiftbell.settings.feed_rules import declared_option_problems
from shiftbell.sources import registry
from shiftbell.sources.build import (
    available_feed_kinds,
    build_feed,
    check_feed,
    takes_back_acknowledgements,
)
from shiftbell.sources.feed import FeedConfig, PollingFeed, StreamFeed
from shiftbell.sources.spec import Ability, SecretNeed, SourceSpec, lazy, option_problems

STATUS = json.loads((TEST_DATA / "alertmanager_api" / "status.json").read_text())
MINIMAL_OPTIONS = {"ntfy": {"topics": "alerts"}}
PACKAGE = Path(registry.__file__).resolve().parents[1]


def config_for(kind: str, **options: str) -> FeedConfig:
    return FeedConfig(
        name=f"my-{kind}",
        kind=kind,
        url="https://source.example.org",
        options={**MINIMAL_OPTIONS.get(kind, {}), **options},
    )


@pytest.mark.parametrize("kind", registry.feed_kinds())
def test_every_feed_kind_builds_a_feed_of_the_shape_its_abilities_say(kind: str) -> None:
    secret = "api-user:a-secret" if kind == "icinga2" else "a-secret"  # Icinga: user:password
    feed = build_feed(config_for(kind), secret)
    try:
        assert feed.config == config_for(kind)
        if Ability.PUSH in registry.source(kind).abilities:
            assert isinstance(feed, StreamFeed)
        else:
            assert isinstance(feed, PollingFeed)
    finally:
        asyncio.run(feed.close())
    assert kind in available_feed_kinds()


def test_the_registry_lists_each_source_once_with_its_folder() -> None:
    ids = [source.id for source in registry.SOURCES]
    assert len(ids) == len(set(ids))
    for source in registry.SOURCES:
        folder = PACKAGE / "sources" / source.id.replace("-", "_")
        assert (folder / "__init__.py").is_file(), source.id
        assert registry.find(f"  {source.id.upper()} ") is source
        assert source.has_feed or source.has_schedule
        assert (Ability.SCHEDULE in source.abilities) == source.has_schedule
    assert registry.find("checkmk") is None
    assert "ics" not in registry.feed_kinds() and "ics" in registry.schedule_kinds()


def test_the_declarations_say_who_needs_a_token() -> None:
    required = {s.id for s in registry.feed_sources() if s.secret.need is SecretNeed.REQUIRED}
    assert required == {"pagerduty", "opsgenie", "grafana-oncall", "gotify", "icinga2", "zabbix"}
    # Alertmanager has no auth of its own (a proxy may), and ntfy topics can be public.
    assert registry.source("alertmanager").secret.need is SecretNeed.OPTIONAL
    assert registry.source("ntfy").secret.need is SecretNeed.OPTIONAL


def test_a_missing_required_option_is_named_with_the_feed() -> None:
    config = FeedConfig("team", "ntfy", "https://ntfy.sh")
    with pytest.raises(FeedConfigError) as caught:
        build_feed(config, "")
    assert str(caught.value) == (
        "ntfy feed team needs the option topics: set it in Settings > Feeds > team "
        "(or config.toml [feeds.options])"
    )


def test_an_unknown_option_is_refused_naming_it_and_the_known_ones() -> None:
    with pytest.raises(FeedConfigError) as caught:
        build_feed(config_for("pagerduty", form_email="me@x.org"), "key")
    assert str(caught.value) == (
        "PagerDuty feed my-pagerduty: unknown option 'form_email': the options of pagerduty are "
        "auth, scope, user_id, service_ids, urgencies, from_email; fix it in "
        "Settings > Feeds > my-pagerduty"
    )
    gotify = registry.source("gotify")
    assert declared_option_problems(gotify, {"keepalive_timeout_s": "soon"}) == [
        "option keepalive_timeout_s = 'soon' must be a number of seconds above 0"
    ]


@pytest.mark.parametrize(
    ("kind", "option", "bad", "good"),
    [
        ("pagerduty", "scope", "everything", "MINE"),
        ("alertmanager", "silence_duration_s", "30", "3600"),
        ("grafana-oncall", "max_pages", "2", "12"),
        ("grafana-oncall", "grafana_url", "stack.grafana.net", "https://stack.grafana.net"),
        ("opsgenie", "email", "me", "me@x.org"),
    ],
)
def test_option_types_are_checked(kind: str, option: str, bad: str, good: str) -> None:
    declared = registry.source(kind).feed_options
    assert option_problems(declared, {option: good}, kind) == []
    [problem] = option_problems(declared, {option: bad}, kind)
    assert problem.startswith(f"option {option} = {bad!r} must be")


def test_a_missing_secret_is_named_in_the_vendors_words() -> None:
    with pytest.raises(FeedConfigError, match="PagerDuty feed my-pagerduty has no API key stored"):
        build_feed(config_for("pagerduty"), "")
    with pytest.raises(FeedConfigError, match="Gotify feed my-gotify has no client token stored"):
        build_feed(config_for("gotify"), "")
    # Optional secrets may be empty.
    asyncio.run(check_feed(config_for("alertmanager"), ""))
    asyncio.run(check_feed(config_for("ntfy"), ""))


def test_check_feed_runs_the_sources_own_option_checks() -> None:
    # Opsgenie needs cloud_id only for JSM Ops: a rule only the source's code knows.
    with pytest.raises(FeedConfigError, match="cloud_id"):
        asyncio.run(check_feed(config_for("opsgenie", api="jsm"), "me@x.org:token"))
    with pytest.raises(FeedConfigError, match="ntfy"):
        asyncio.run(check_feed(config_for("ntfy", topics="not a topic!"), ""))


def test_the_transport_reaches_the_feed() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path == "/api/v2/status":
            return httpx.Response(200, json=STATUS)
        return httpx.Response(200, json=[])

    async def run() -> str:
        feed = build_feed(config_for("alertmanager"), "", transport=httpx.MockTransport(answer))
        try:
            return await feed.test()
        finally:
            await feed.close()

    assert asyncio.run(run()) == "Alertmanager 0.25.0, 0 active alerts"
    assert seen[0] == "GET /api/v2/status"


def test_a_source_whose_module_is_missing_is_reported_not_crashed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    missing = dataclasses.replace(
        registry.source("gotify"),
        open_feed=lazy("shiftbell.sources.not_written_yet", "open_feed", "Gotify feeds"),
    )
    sources = tuple(missing if s.id == "gotify" else s for s in registry.SOURCES)
    monkeypatch.setattr(registry, "SOURCES", sources)
    with pytest.raises(FeedConfigError) as caught:
        build_feed(config_for("gotify"), "token")
    assert str(caught.value) == (
        "this version of Shiftbell cannot run Gotify feeds yet "
        "(no shiftbell.sources.not_written_yet)"
    )
    assert "gotify" not in available_feed_kinds()
    assert "ntfy" in available_feed_kinds()


def test_advice_and_default_urls() -> None:
    pagerduty = registry.source("pagerduty")
    [advice] = pagerduty.feed_advice({})
    assert advice.startswith("without from_email")
    assert pagerduty.feed_advice({"from_email": "me@x.org"}) == []
    assert pagerduty.url_for({}) == "https://api.pagerduty.com"
    assert registry.source("opsgenie").url_for({}) == "https://api.opsgenie.com"
    assert registry.source("opsgenie").url_for({"api": "JSM"}) == "https://api.atlassian.com"
    assert registry.source("ntfy").url_for({}) is None


def test_every_option_has_help_and_a_sound_default() -> None:
    for source in registry.SOURCES:
        for option in (*source.feed_options, *source.schedule_options):
            assert option.help.strip(), (source.id, option.name)
            if option.default:
                assert option.problem(option.default) is None, (source.id, option.name)
            assert not (option.required and option.default), (source.id, option.name)


def _source_words(source: SourceSpec) -> set[str]:
    return {source.id, source.id.replace("-", "_"), source.name}


def test_no_module_outside_a_sources_folder_names_that_source() -> None:
    """A string constant equal to a source's id or name, outside its folder, is a table keyed
    by kind or a special case: both belong on the source's declaration. (Phone channels are
    declared in phones/ with kinds of their own; ntfy is both.)"""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "phones":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        for source in registry.SOURCES:
            own_folder = relative.parts[:2] == ("sources", source.id.replace("-", "_"))
            if own_folder:
                continue
            for word in sorted(_source_words(source) & constants):
                found.append(f"{relative}: {word!r}")
    assert found == []


def test_an_acknowledgement_can_be_taken_back_unless_the_source_keeps_it() -> None:
    kept = [s.id for s in registry.feed_sources() if takes_back_acknowledgements(s.id)]
    assert kept == ["pagerduty"]
    assert takes_back_acknowledgements("pagerduty") == (
        "PagerDuty cannot take back an acknowledgement through its API"
    )
    assert takes_back_acknowledgements(None) == ""  # the local receiver: kept in Shiftbell


def test_grafana_irm_and_jsm_ops_are_offered_under_their_current_names() -> None:
    """OnCall OSS goes on in Grafana Cloud IRM and Opsgenie stops on 5 April 2027 (JSM Ops
    replaces it): the declarations lead with the successors, and keep the kinds' ids."""
    irm = registry.find("grafana-oncall")
    assert irm is not None and irm.name == "Grafana IRM (OnCall)"
    assert irm.secret.word.startswith("service account token")
    assert any("service account token" in a for a in irm.feed_advice({}))
    assert irm.feed_advice({"grafana_url": "https://acme.grafana.net"}) == []

    ops = registry.find("opsgenie")
    assert ops is not None and ops.label.startswith("JSM Ops")
    [api] = [o for o in ops.feed_options if o.name == "api"]
    assert api.choices[0] == "jsm" and api.default == "opsgenie"  # old files mean Opsgenie
    assert any("5 April 2027" in a and "api = jsm" in a for a in ops.feed_advice({}))
    assert ops.feed_advice({"api": "jsm", "cloud_id": "c-1"}) == []
