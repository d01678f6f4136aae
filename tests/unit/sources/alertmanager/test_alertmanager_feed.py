"""AlertmanagerFeed against the real Alertmanager binary, plus the edge cases it cannot stage.

The first part starts the Debian `prometheus-alertmanager` (tests/alertmanager_process.py)
on a free loopback port for each test and checks the whole round trip: an alert
fired through its API shows up in a fetch, acknowledging creates a silence
Alertmanager reports and applies, un-acknowledging expires it, a resolved alert
leaves the snapshot, and Alertmanager's own webhook reaches the local receiver.

The second part feeds the adapter answers recorded from that binary
(tests/data/alertmanager_api/*.json, Alertmanager 0.25.0) and answers it never
gives on purpose (garbled lists, a proxy asking for credentials) through an
httpx MockTransport, with a fake clock where the silence times matter.

The feed's coroutines run on one asyncio loop on a worker thread, as in the app.
"""

from __future__ import annotations

import base64
import getpass
import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.alertmanager_process import AlertmanagerProcess, rfc3339, wait_for
from tests.helpers.data import TEST_DATA
from tests.helpers.loop_thread import LoopThread
from tests.helpers.vendor_server import free_port

from shiftbell.core.alert import Alert, AlertKey, Incoming, Severity, Status
from shiftbell.core.board import Changes
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedError,
    FeedPayloadError,
    FeedUnreachableError,
)
from shiftbell.receiver.address import WEBHOOK_FEED_ID
from shiftbell.receiver.server import LocalReceiver, ReceiverCommands
from shiftbell.runtime.desk import AlertDesk
from shiftbell.sources.alertmanager.alert_list import parse_alerts
from shiftbell.sources.alertmanager.feed import AlertmanagerFeed
from shiftbell.sources.alertmanager.options import (
    DEFAULT_SILENCE_DURATION_S,
    base_url_of,
    split_matchers,
)
from shiftbell.sources.feed import AckReceipt, FeedConfig, PollingFeed

DATA = TEST_DATA / "alertmanager_api"
FEED = "prod-am"
SECRET = "s3cret-Tok3n-9d81"


@pytest.fixture
def loop() -> Iterator[LoopThread]:
    runner = LoopThread(timeout_s=15)
    yield runner
    runner.close()


@pytest.fixture
def am(tmp_path: Path) -> Iterator[AlertmanagerProcess]:
    with AlertmanagerProcess(tmp_path / "alertmanager") as process:
        yield process


@pytest.fixture
def feeds(loop: LoopThread) -> Iterator[Callable[..., AlertmanagerFeed]]:
    """Builds feeds on the loop thread's loop and closes them after the test."""
    made: list[AlertmanagerFeed] = []

    def make(
        url: str,
        secret: str = "",
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: FakeClock | None = None,
        **options: str,
    ) -> AlertmanagerFeed:
        config = FeedConfig(FEED, "alertmanager", url, options)
        feed = AlertmanagerFeed(config, secret, transport=transport, clock=clock)
        made.append(feed)
        return feed

    yield make
    for feed in made:
        loop.run(feed.close())


def board_alert(incoming: Incoming, feed_id: str = FEED) -> Alert:
    """The Alert the board would make of a fetched item: what acknowledge() is handed."""
    now = datetime.now(UTC)
    return Alert(
        id="a1b2c3d4",
        key=AlertKey(feed_id, incoming.source_id),
        title=incoming.title,
        severity=incoming.severity,
        status=Status.FIRING,
        started_at=incoming.started_at or now,
        alarm_since=now,
        updated_at=now,
        labels=incoming.labels,
    )


def by_id(items: list[Incoming]) -> dict[str, Incoming]:
    return {item.source_id: item for item in items}


def _fingerprint(am: AlertmanagerProcess, alertname: str, **match: str) -> dict[str, Any]:
    """Alertmanager's own view of one alert, once it lists it."""

    def found() -> dict[str, Any] | None:
        for alert in am.alerts(active=True, silenced=True, inhibited=True):
            labels = alert["labels"]
            if labels.get("alertname") == alertname and all(
                labels.get(k) == v for k, v in match.items()
            ):
                return alert
        return None

    return wait_for(found, message=f"Alertmanager to list {alertname}")


def _unsilenced(am: AlertmanagerProcess) -> list[str]:
    """Fingerprints on Alertmanager's own list of active, unsilenced, uninhibited alerts."""
    return [a["fingerprint"] for a in am.alerts(active=True, silenced=False, inhibited=False)]


DISK_FULL = {
    "alertname": "DiskFull",
    "instance": "db1:9100",
    "severity": "critical",
    "team": "db",
}


# -- against the real Alertmanager -----------------------------------------------------------


def test_fetch_reports_a_fired_alert_with_its_fields(
    am: AlertmanagerProcess, loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    am.fire(
        DISK_FULL,
        {"summary": "Disk full on db1", "description": "/var is 99% full"},
        generator_url="http://prometheus.example.com:9090/graph?g0.expr=disk",
    )
    theirs = _fingerprint(am, "DiskFull")
    feed = feeds(am.url)

    [item] = loop.run(feed.fetch())

    assert item.source_id == theirs["fingerprint"]
    assert item.title == "Disk full on db1"
    assert item.summary == "/var is 99% full"
    assert item.severity is Severity.CRITICAL
    assert item.url == "http://prometheus.example.com:9090/graph?g0.expr=disk"
    assert item.labels == tuple(sorted(DISK_FULL.items()))
    assert item.firing and not item.acknowledged
    assert item.started_at == datetime.fromisoformat(theirs["startsAt"])
    assert item.started_at is not None and item.started_at.tzinfo is not None


def test_acknowledge_is_a_silence_on_exactly_the_alert_and_unacknowledge_expires_it(
    am: AlertmanagerProcess, loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    am.fire(DISK_FULL, {"summary": "Disk full on db1"})
    # Same alertname, other instance: a silence on the alertname alone would hit it too.
    neighbour = {**DISK_FULL, "instance": "db2:9100"}
    am.fire(neighbour, {"summary": "Disk full on db2"})
    target = _fingerprint(am, "DiskFull", instance="db1:9100")["fingerprint"]
    other = _fingerprint(am, "DiskFull", instance="db2:9100")["fingerprint"]
    feed = feeds(am.url, ack_mode="fixed", silence_duration_s="3600", comment="on it")
    alert = board_alert(by_id(loop.run(feed.fetch()))[target])

    before = datetime.now(UTC)
    receipt = loop.run(feed.acknowledge(alert))

    [silence] = [s for s in am.silences() if s["id"] == receipt.reference]
    assert silence["status"]["state"] == "active"
    assert sorted((m["name"], m["value"]) for m in silence["matchers"]) == sorted(DISK_FULL.items())
    assert all(m["isRegex"] is False and m["isEqual"] is True for m in silence["matchers"])
    assert silence["createdBy"] == f"{getpass.getuser()} via Shiftbell"  # who, for the team
    assert silence["comment"] == "on it"
    ends = datetime.fromisoformat(silence["endsAt"])
    assert before + timedelta(minutes=59) < ends < before + timedelta(minutes=61)
    # Alertmanager applies it: the alert leaves its active unsilenced list, the neighbour stays.
    wait_for(lambda: target not in _unsilenced(am), message="the alert to leave the list")
    assert _unsilenced(am) == [other]
    # ...and the feed still reports it, as acknowledged, so the snapshot does not resolve it.
    fetched = by_id(loop.run(feed.fetch()))
    assert fetched[target].acknowledged is True
    assert fetched[other].acknowledged is False

    loop.run(feed.unacknowledge(alert, receipt))

    [expired] = [s for s in am.silences() if s["id"] == receipt.reference]
    assert expired["status"]["state"] == "expired"
    wait_for(lambda: target in _unsilenced(am), message="the alert to be unsilenced again")
    assert by_id(loop.run(feed.fetch()))[target].acknowledged is False


def test_unacknowledge_also_expires_a_duplicate_silence_from_a_retried_acknowledgement(
    am: AlertmanagerProcess, loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    am.fire(DISK_FULL, {"summary": "Disk full on db1"})
    feed = feeds(am.url)
    [item] = wait_for(lambda: loop.run(feed.fetch()), message="the alert in a fetch")
    alert = board_alert(item)
    first = loop.run(feed.acknowledge(alert))
    second = loop.run(feed.acknowledge(alert))  # the queue retried after a lost answer
    # Somebody's hand-made silence on the alertname is theirs to lift, not ours.
    now = datetime.now(UTC)
    theirs = am.api.post(
        "/api/v2/silences",
        json={
            "matchers": [
                {"name": "alertname", "value": "DiskFull", "isRegex": False, "isEqual": True}
            ],
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(hours=1)).isoformat(),
            "createdBy": "alice",
            "comment": "maintenance",
        },
    ).json()["silenceID"]

    loop.run(feed.unacknowledge(alert, first))

    states = {s["id"]: s["status"]["state"] for s in am.silences()}
    assert states == {
        first.reference: "expired",
        second.reference: "expired",
        theirs: "active",
    }


def test_a_resolved_alert_leaves_the_snapshot(
    am: AlertmanagerProcess, loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    am.fire(DISK_FULL, {"summary": "Disk full on db1"})
    feed = feeds(am.url)
    wait_for(lambda: loop.run(feed.fetch()), message="the alert in a fetch")

    am.resolve(DISK_FULL)

    assert wait_for(lambda: loop.run(feed.fetch()) == [], message="an empty fetch") is True


ROUTED_CONFIG = """\
route:
  receiver: quiet
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: [team="db"]
      receiver: db-pager
receivers:
  - name: quiet
  - name: db-pager
"""


def test_filter_and_receiver_options_narrow_the_list(
    tmp_path: Path, loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    with AlertmanagerProcess(tmp_path / "am", ROUTED_CONFIG) as routed:
        routed.fire({"alertname": "A", "team": "db", "env": "prod"})
        routed.fire({"alertname": "B", "team": "db", "env": "stage"})
        routed.fire({"alertname": "C", "team": "web", "env": "prod"})
        routed.fire({"alertname": "D", "team": "web,db", "env": "prod"})
        _fingerprint(routed, "D")

        def names(**options: str) -> list[str]:
            feed = feeds(routed.url, **options)
            return sorted(dict(i.labels)["alertname"] for i in loop.run(feed.fetch()))

        assert names() == ["A", "B", "C", "D"]
        assert names(filter='team="db",env="prod"') == ["A"]
        assert names(filter='{team=~"db|web", env!="stage"}') == ["A", "C"]
        assert names(filter='team="web,db"') == ["D"]  # the comma inside quotes is a value
        assert names(receiver="db-.*") == ["A", "B"]


def test_a_filter_alertmanager_rejects_is_a_config_error_with_its_reason(
    am: AlertmanagerProcess, loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    feed = feeds(am.url, filter='team=~"("')
    with pytest.raises(FeedConfigError) as caught:
        loop.run(feed.fetch())
    message = str(caught.value)
    assert "Alertmanager rejected this feed's filter or receiver option" in message
    assert "missing closing )" in message
    assert f"Settings > Feeds > {FEED}" in message


def test_test_names_the_version_and_counts_the_alerts(
    am: AlertmanagerProcess, loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    version = am.api.get("/api/v2/status").json()["versionInfo"]["version"]
    feed = feeds(am.url)
    assert loop.run(feed.test()) == f"Alertmanager {version}, 0 active alerts"
    am.fire(DISK_FULL)
    am.fire({**DISK_FULL, "instance": "db2:9100"})
    [item, *_] = wait_for(
        lambda: found if len(found := loop.run(feed.fetch())) == 2 else None,
        message="two alerts",
    )
    loop.run(feed.acknowledge(board_alert(item)))
    assert loop.run(feed.test()) == f"Alertmanager {version}, 2 active alerts (1 silenced)"


def test_a_wrong_path_is_a_clear_feed_error(
    am: AlertmanagerProcess, loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    feed = feeds(f"{am.url}/alertmanager")
    for call in (feed.fetch, feed.test):
        with pytest.raises(FeedError) as caught:
            loop.run(call())
        assert not isinstance(caught.value, FeedUnreachableError)  # retrying will not fix it
        message = str(caught.value)
        assert "Alertmanager has no /alertmanager/api/v2/" in message
        assert "(404): check the URL in Settings > Feeds > prod-am" in message


def test_a_dead_port_is_unreachable(
    am: AlertmanagerProcess, loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    feed = feeds(am.url)
    am.stop()  # it was there a moment ago: Alertmanager went down
    with pytest.raises(FeedUnreachableError) as caught:
        loop.run(feed.fetch())
    assert f"cannot reach Alertmanager at {am.url}" in str(caught.value)
    assert FEED in str(caught.value)
    never = feeds(f"http://127.0.0.1:{free_port()}")
    with pytest.raises(FeedUnreachableError):
        loop.run(never.test())


WEBHOOK_TOKEN = "webhook-token-51c0e2"
WEBHOOK_CONFIG = """\
global:
  resolve_timeout: 1m
route:
  receiver: shiftbell
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 200ms
  repeat_interval: 1h
receivers:
  - name: shiftbell
    webhook_configs:
      - url: {url}/api/v1/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: {token}
"""


def test_alertmanagers_own_webhook_reaches_the_local_receiver(
    tmp_path: Path, loop: LoopThread
) -> None:
    desk = AlertDesk(FakeClock(), store=None)
    resolved: list[Alert] = []
    lock = threading.Lock()

    def remember(changes: Changes) -> None:
        with lock:
            resolved.extend(changes.resolved)

    desk.subscribe(remember)
    receiver = LocalReceiver(
        desk,
        WEBHOOK_TOKEN,
        0,
        level_of=lambda alert: 0,
        commands=ReceiverCommands(lambda: None, lambda: None),
    )
    loop.run(receiver.start())
    config = WEBHOOK_CONFIG.format(url=receiver.url, token=WEBHOOK_TOKEN)
    try:
        with AlertmanagerProcess(tmp_path / "am", config) as am:
            am.fire(DISK_FULL, {"summary": "Disk full on db1", "description": "/var is 99% full"})
            fingerprint = _fingerprint(am, "DiskFull")["fingerprint"]

            [alert] = wait_for(desk.active, message="the webhook to deliver the alert")
            assert alert.key == AlertKey(WEBHOOK_FEED_ID, fingerprint)
            assert alert.title == "Disk full on db1"
            assert alert.summary == "/var is 99% full"
            assert alert.severity is Severity.CRITICAL
            assert alert.source == "Alertmanager (webhook): shiftbell"

            am.resolve(DISK_FULL)

            wait_for(lambda: desk.active() == [], message="the webhook to deliver the resolution")
            with lock:
                assert [a.key for a in resolved] == [alert.key]
                assert resolved[0].status is Status.RESOLVED
    finally:
        loop.run(receiver.stop())


# -- recorded answers and answers Alertmanager does not give on purpose ----------------------


def _load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


class Recorder:
    """An httpx MockTransport that answers from a table and keeps every request."""

    def __init__(self, answers: dict[tuple[str, str], httpx.Response | Callable[..., Any]]):
        self.answers = answers
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.get((request.method, request.url.path))
        if answer is None:
            return httpx.Response(404, json={"code": 404, "message": "not found"})
        return answer(request) if callable(answer) else answer


def _items_from_recording() -> list[Incoming]:
    return parse_alerts(_load("alerts.json"))


def _json(body: Any, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


URL = "http://am.example.com:9093"


def test_the_feed_is_a_polling_feed(feeds: Callable[..., AlertmanagerFeed]) -> None:
    assert isinstance(feeds(URL), PollingFeed)


def test_recorded_list_maps_title_severity_and_silence(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    recorder = Recorder({("GET", "/api/v2/alerts"): _json(_load("alerts.json"))})
    feed = feeds(URL, transport=recorder.transport)

    items = {dict(i.labels)["alertname"]: i for i in loop.run(feed.fetch())}

    assert sorted(items) == [
        "CertificateExpiry",
        "HighErrorRate",
        "NodeDown",
        "QueueBacklog",
        "ReplicationLag",
        "Watchdog",
    ]
    checkout = items["HighErrorRate"]
    assert (checkout.title, checkout.severity) == ("Checkout 5xx above 5%", Severity.CRITICAL)
    assert checkout.summary == "5.3% of checkout requests failed in the last 5 minutes."
    assert checkout.url.startswith("http://prometheus.example.com:9090/graph?")
    # No summary: alertname on instance, the description below it; "P2" is not a word we know.
    lag = items["ReplicationLag"]
    assert lag.title == "ReplicationLag on db2.example.com:9104"
    assert lag.summary == "Replica is 340 s behind the primary."
    assert lag.severity is Severity.WARNING
    assert items["CertificateExpiry"].severity is Severity.INFO
    assert (items["Watchdog"].title, items["Watchdog"].severity) == ("Watchdog", Severity.WARNING)
    assert items["Watchdog"].url == ""
    assert [n for n, i in items.items() if i.acknowledged] == ["QueueBacklog"]
    assert all(i.firing for i in items.values())
    assert items["NodeDown"].started_at == datetime(2026, 11, 24, 5, 35, 48, 400000, tzinfo=UTC)


def test_fetch_asks_for_silenced_but_not_inhibited_alerts_with_each_matcher(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    recorder = Recorder({("GET", "/api/v2/alerts"): _json([])})
    feed = feeds(
        URL,
        transport=recorder.transport,
        filter='team="db", env=~"prod|stage"',
        receiver="oncall-.*",
    )
    loop.run(feed.fetch())
    [request] = recorder.requests
    assert request.url.params.multi_items() == [
        ("active", "true"),
        ("silenced", "true"),
        ("inhibited", "false"),
        ("filter", 'team="db"'),
        ("filter", 'env=~"prod|stage"'),
        ("receiver", "oncall-.*"),
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"status": "success", "data": []}, "expected a list of alerts, got an object"),
        ([{"labels": {"a": "b"}}], "alerts[0].fingerprint: required, a string; got null"),
        ([{"fingerprint": "f", "labels": {"n": 1}}], "alerts[0].labels.n: expected a string"),
        (
            [{"fingerprint": "f", "startsAt": "yesterday"}],
            "alerts[0].startsAt: 'yesterday' is not an RFC 3339 time",
        ),
    ],
)
def test_an_unreadable_list_is_a_payload_error_naming_the_field(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed], body: Any, expected: str
) -> None:
    recorder = Recorder({("GET", "/api/v2/alerts"): _json(body)})
    feed = feeds(URL, transport=recorder.transport)
    with pytest.raises(FeedPayloadError) as caught:
        loop.run(feed.fetch())
    assert expected in str(caught.value)
    assert FEED in str(caught.value)


def test_a_page_that_is_not_json_is_a_payload_error(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    html = httpx.Response(200, text="<html>Grafana</html>")
    feed = feeds(URL, transport=Recorder({("GET", "/api/v2/alerts"): html}).transport)
    with pytest.raises(FeedPayloadError, match="not JSON"):
        loop.run(feed.fetch())


def test_a_following_acknowledgement_is_extended_while_the_alert_fires_and_only_then(
    am: AlertmanagerProcess, loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    am.fire(DISK_FULL, {"summary": "Disk full on db1"})
    target = _fingerprint(am, "DiskFull", instance="db1:9100")["fingerprint"]
    feed = feeds(am.url)  # ack_mode follow is the default
    alert = board_alert(by_id(loop.run(feed.fetch()))[target])
    receipt = loop.run(feed.acknowledge(alert))

    def ours() -> dict[str, Any]:
        return next(s for s in am.silences() if s["id"] == receipt.reference)

    started = datetime.now(UTC)
    assert datetime.fromisoformat(ours()["endsAt"]) < started + timedelta(minutes=16)
    # As if most of its window had passed: 5 minutes left.
    soon = {**ours(), "endsAt": rfc3339(started + timedelta(minutes=5))}
    soon.pop("status"), soon.pop("updatedAt")
    assert am.api.post("/api/v2/silences", json=soon).status_code == 200
    colleague = am.silence(DISK_FULL, "alex", "mine", hours=0.1)

    fetched = by_id(loop.run(feed.fetch()))
    assert fetched[target].acknowledged
    ends = datetime.fromisoformat(ours()["endsAt"])
    assert started + timedelta(minutes=14) < ends < datetime.now(UTC) + timedelta(minutes=16)
    assert ours()["status"]["state"] == "active"  # the same silence, extended in place
    theirs = next(s for s in am.silences() if s["id"] == colleague)
    assert datetime.fromisoformat(theirs["endsAt"]) < started + timedelta(minutes=7)

    # Resolved: no longer listed, so never extended again; it runs out by itself.
    am.resolve(DISK_FULL)
    wait_for(lambda: target not in [a["fingerprint"] for a in am.alerts(active=True)], message="")
    shortened = {**ours(), "endsAt": rfc3339(datetime.now(UTC) + timedelta(minutes=5))}
    shortened.pop("status"), shortened.pop("updatedAt")
    assert am.api.post("/api/v2/silences", json=shortened).status_code == 200
    loop.run(feed.fetch())
    assert datetime.fromisoformat(ours()["endsAt"]) < datetime.now(UTC) + timedelta(minutes=6)


def test_acknowledge_sends_the_silence_as_json_with_the_configured_times(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    recorder = Recorder({("POST", "/api/v2/silences"): _json({"silenceID": "5f2c-silence"})})
    clock = FakeClock(datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    feed = feeds(
        URL,
        transport=recorder.transport,
        clock=clock,
        ack_mode="fixed",
        silence_duration_s="7200",
        created_by="alice via shiftbell",
    )
    [item] = [i for i in _items_from_recording() if dict(i.labels)["alertname"] == "NodeDown"]

    receipt = loop.run(feed.acknowledge(board_alert(item)))

    assert receipt == AckReceipt(reference="5f2c-silence")
    [request] = recorder.requests
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.content) == {
        "matchers": [
            {"name": "alertname", "value": "NodeDown", "isRegex": False, "isEqual": True},
            {
                "name": "instance",
                "value": "db3.example.com:9100",
                "isRegex": False,
                "isEqual": True,
            },
            {"name": "severity", "value": "critical", "isRegex": False, "isEqual": True},
        ],
        "startsAt": "2026-03-01T09:29:00.000Z",
        "endsAt": "2026-03-01T11:30:00.000Z",
        "createdBy": "alice via shiftbell",
        "comment": "Acknowledged in Shiftbell",
    }


def test_a_fixed_silence_lasts_four_hours_by_default_a_following_one_fifteen_minutes(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    recorder = Recorder({("POST", "/api/v2/silences"): _json({"silenceID": "x"})})
    clock = FakeClock(datetime(2026, 3, 1, 9, 30, tzinfo=UTC))
    fixed = feeds(URL, transport=recorder.transport, clock=clock, ack_mode="fixed")
    loop.run(fixed.acknowledge(board_alert(_items_from_recording()[0])))
    assert DEFAULT_SILENCE_DURATION_S == 4 * 3600
    assert json.loads(recorder.requests[0].content)["endsAt"] == "2026-03-01T13:30:00.000Z"
    following = feeds(URL, transport=recorder.transport, clock=clock)  # the default
    loop.run(following.acknowledge(board_alert(_items_from_recording()[0])))
    assert json.loads(recorder.requests[1].content)["endsAt"] == "2026-03-01T09:45:00.000Z"


def test_an_alert_without_labels_is_never_silenced(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    recorder = Recorder({})
    feed = feeds(URL, transport=recorder.transport)
    bare = board_alert(Incoming(source_id="f00", title="Mystery"))
    with pytest.raises(FeedError) as caught:
        loop.run(feed.acknowledge(bare))
    assert "cannot acknowledge 'Mystery' in Alertmanager (prod-am): it has no labels" in str(
        caught.value
    )
    assert recorder.requests == []


@pytest.mark.parametrize(
    ("answer", "error", "expected"),
    [
        (
            _json("Failed to create silence: end time can't be in the past", 400),
            FeedError,
            "Alertmanager refused the silence for 'Disk full' "
            "(Failed to create silence: end time can't be in the past) (prod-am)",
        ),
        (_json({}), FeedPayloadError, "did not say which silence it created"),
        (
            _json({"code": 415, "message": "unsupported media type"}, 415),
            FeedError,
            "unsupported media type",
        ),
    ],
)
def test_a_refused_silence_says_why(
    loop: LoopThread,
    feeds: Callable[..., AlertmanagerFeed],
    answer: httpx.Response,
    error: type[FeedError],
    expected: str,
) -> None:
    feed = feeds(URL, transport=Recorder({("POST", "/api/v2/silences"): answer}).transport)
    alert = board_alert(Incoming(source_id="f", title="Disk full", labels=(("a", "b"),)))
    with pytest.raises(error) as caught:
        loop.run(feed.acknowledge(alert))
    assert expected in str(caught.value)


def test_unacknowledge_deletes_the_receipts_silence_and_our_exact_duplicates(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    silences = _load("silences.json")
    recorded = silences[0]["id"]
    recorder = Recorder(
        {
            ("GET", "/api/v2/silences"): _json(silences),
            ("DELETE", "/api/v2/silence/given-id"): httpx.Response(200),
            ("DELETE", f"/api/v2/silence/{recorded}"): httpx.Response(200),
        }
    )
    # The recorded silences were made by an older Shiftbell, whose createdBy was this.
    feed = feeds(URL, transport=recorder.transport, created_by="shiftbell")
    [item] = [i for i in _items_from_recording() if dict(i.labels)["alertname"] == "QueueBacklog"]

    loop.run(feed.unacknowledge(board_alert(item), AckReceipt(reference="given-id")))

    deleted = [r.url.path for r in recorder.requests if r.method == "DELETE"]
    assert deleted == ["/api/v2/silence/given-id", f"/api/v2/silence/{recorded}"]


def test_unacknowledge_leaves_other_peoples_silences_alone(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    recorder = Recorder({("GET", "/api/v2/silences"): _json(_load("silences.json"))})
    feed = feeds(URL, transport=recorder.transport, created_by="bob")
    [item] = [i for i in _items_from_recording() if dict(i.labels)["alertname"] == "QueueBacklog"]
    loop.run(feed.unacknowledge(board_alert(item), AckReceipt()))
    assert [r.method for r in recorder.requests] == ["GET"]


@pytest.mark.parametrize(
    "gone",
    [_json("silence not found", 500), httpx.Response(404)],
    ids=["0.25: 500 silence not found", "later: empty 404"],
)
def test_unacknowledging_a_silence_that_is_gone_is_done(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed], gone: httpx.Response
) -> None:
    recorder = Recorder(
        {("GET", "/api/v2/silences"): _json([]), ("DELETE", "/api/v2/silence/old"): gone}
    )
    feed = feeds(URL, transport=recorder.transport)
    alert = board_alert(Incoming(source_id="f", title="t", labels=(("a", "b"),)))
    loop.run(feed.unacknowledge(alert, AckReceipt(reference="old")))
    assert [r.method for r in recorder.requests] == ["GET", "DELETE"]


def test_unacknowledge_on_a_server_error_raises_unreachable(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    recorder = Recorder(
        {
            ("GET", "/api/v2/silences"): _json([]),
            ("DELETE", "/api/v2/silence/old"): _json("disk I/O error", 500),
        }
    )
    feed = feeds(URL, transport=recorder.transport)
    alert = board_alert(Incoming(source_id="f", title="t", labels=(("a", "b"),)))
    with pytest.raises(FeedUnreachableError, match=r"server error 500 \(disk I/O error\)"):
        loop.run(feed.unacknowledge(alert, AckReceipt(reference="old")))


def test_test_reads_the_recorded_status(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    recorder = Recorder(
        {
            ("GET", "/api/v2/status"): _json(_load("status.json")),
            ("GET", "/api/v2/alerts"): _json(_load("alerts.json")),
        }
    )
    feed = feeds(URL, transport=recorder.transport)
    assert loop.run(feed.test()) == "Alertmanager 0.25.0, 6 active alerts (1 silenced)"


def test_test_on_something_that_is_not_alertmanager(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    recorder = Recorder({("GET", "/api/v2/status"): _json({"status": "success"})})
    feed = feeds(URL, transport=recorder.transport)
    with pytest.raises(FeedPayloadError, match="not like an Alertmanager"):
        loop.run(feed.test())


# -- authentication in front of Alertmanager -------------------------------------------------


def test_bearer_and_basic_credentials_are_sent(
    loop: LoopThread, feeds: Callable[..., AlertmanagerFeed]
) -> None:
    recorder = Recorder({("GET", "/api/v2/alerts"): _json([])})
    loop.run(feeds(URL, SECRET, transport=recorder.transport).fetch())
    loop.run(feeds(URL, "oncall:pa:ss", transport=recorder.transport, auth="basic").fetch())
    loop.run(feeds(URL, SECRET, transport=recorder.transport, auth="none").fetch())
    bearer, basic, none = (r.headers.get("Authorization") for r in recorder.requests)
    assert bearer == f"Bearer {SECRET}"
    assert basic == "Basic " + base64.b64encode(b"oncall:pa:ss").decode()
    assert none is None


@pytest.mark.parametrize(
    ("secret", "options", "expected"),
    [
        (
            "",
            {},
            "Alertmanager at http://am.example.com:9093 asks for credentials and this feed "
            "sends none: set auth (basic or bearer) and the secret in Settings > Feeds > prod-am",
        ),
        (SECRET, {}, "Alertmanager rejected the token (401): check the token in Settings"),
        ("u:" + SECRET, {"auth": "basic"}, "check the user name and password in Settings"),
    ],
)
def test_a_401_from_the_proxy_says_what_to_fix_and_never_the_secret(
    loop: LoopThread,
    feeds: Callable[..., AlertmanagerFeed],
    secret: str,
    options: dict[str, str],
    expected: str,
) -> None:
    unauthorized = httpx.Response(401, text="Unauthorized")
    recorder = Recorder({("GET", "/api/v2/alerts"): unauthorized})
    feed = feeds(URL, secret, transport=recorder.transport, **options)
    with pytest.raises(FeedAuthError) as caught:
        loop.run(feed.fetch())
    assert expected in str(caught.value)
    assert SECRET not in str(caught.value)


# -- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("secret", "options", "expected"),
    [
        ("", {"filters": 'team="db"'}, "unknown option 'filters'; the options are filter,"),
        ("", {"auth": "digest"}, "auth: 'digest' is not one of none, basic, bearer"),
        ("", {"auth": "bearer"}, "auth is bearer but no secret is stored"),
        (SECRET, {"auth": "basic"}, "the secret must be user:password (no colon found)"),
        ("", {"silence_duration_s": "4h"}, "silence_duration_s: '4h' is not a number of seconds"),
        ("", {"silence_duration_s": "0"}, "from 60 to 31622400"),
        ("", {"filter": 'team="db'}, "filter: 'team=\"db' has a quote that is not closed"),
        ("", {"filter": "team"}, "filter: 'team' is not a matcher such as team=\"db\""),
    ],
)
def test_bad_options_are_refused_when_the_feed_is_built(
    secret: str, options: dict[str, str], expected: str
) -> None:
    config = FeedConfig(FEED, "alertmanager", URL, options)
    with pytest.raises(FeedConfigError) as caught:
        AlertmanagerFeed(config, secret)
    message = str(caught.value)
    assert expected in message
    assert "Alertmanager feed prod-am" in message
    assert SECRET not in message


@pytest.mark.parametrize(
    ("text", "matchers"),
    [
        ("", ()),
        ('team="db"', ('team="db"',)),
        ('team="db", env=~"prod|stage"', ('team="db"', 'env=~"prod|stage"')),
        ('{team!="db",env!~"dev.*"}', ('team!="db"', 'env!~"dev.*"')),
        ('team="a,b",x=y', ('team="a,b"', "x=y")),
        (r'msg="say \"hi, there\""', (r'msg="say \"hi, there\""',)),
        ('team="db",,', ('team="db"',)),
    ],
)
def test_split_matchers_keeps_commas_inside_quotes(text: str, matchers: tuple[str, ...]) -> None:
    assert split_matchers(text) == matchers


@pytest.mark.parametrize(
    ("url", "base"),
    [
        ("http://am:9093", "http://am:9093"),
        ("http://am:9093/", "http://am:9093"),
        ("http://am:9093/#/alerts", "http://am:9093"),
        ("https://ops.example.com/alertmanager/api/v2/", "https://ops.example.com/alertmanager"),
        (" http://am:9093/api/v1 ", "http://am:9093"),
    ],
)
def test_base_url_accepts_what_people_paste(url: str, base: str) -> None:
    assert base_url_of(FeedConfig(FEED, "alertmanager", url)) == base


@pytest.mark.parametrize("url", ["am:9093", "ftp://am:9093", "", "http://"])
def test_a_url_that_is_not_http_is_a_config_error(url: str) -> None:
    with pytest.raises(FeedConfigError, match="must look like http://host:9093"):
        AlertmanagerFeed(FeedConfig(FEED, "alertmanager", url), "")
