"""Icinga2Feed against a real Icinga 2 (icinga2_process.py beside it): problems appear with
the right severity and host, acknowledging shows in Icinga's own API with Shiftbell's
comment, un-acknowledging undoes it, a silence is a downtime, recovery resolves, and wrong
credentials, an untrusted certificate and a stopped server each say so clearly."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httpx
import pytest
from tests.helpers.feed_calls import alert_of, run
from tests.unit.sources.icinga2.icinga2_process import PASSWORD, USER, Icinga2Process

from shiftbell.core.alert import AckInfo, Alert, Incoming, Severity
from shiftbell.core.clock import FakeClock
from shiftbell.core.errors import (
    FeedAuthError,
    FeedConfigError,
    FeedPayloadError,
    FeedUnreachableError,
)
from shiftbell.sources.feed import FeedConfig, PollingFeed
from shiftbell.sources.icinga2.feed import Icinga2Feed

T = TypeVar("T")
FEED = "ops-icinga"


def feed_for(
    icinga: Icinga2Process, secret: str = f"{USER}:{PASSWORD}", **options: str
) -> Icinga2Feed:
    options = {"ca_file": str(icinga.ca_file), **options}
    options = {k: v for k, v in options.items() if v}
    config = FeedConfig(FEED, "icinga2", icinga.url, options=options)
    return Icinga2Feed(config, secret, clock=FakeClock(datetime.now(UTC)))


def problems(icinga: Icinga2Process, **options: str) -> dict[str, Incoming]:
    return {p.source_id: p for p in run(feed_for(icinga, **options), lambda f: f.fetch())}


def alert_for(found: Incoming) -> Alert:
    return alert_of(FEED, found)


def test_is_a_polling_feed(icinga: Icinga2Process) -> None:
    assert isinstance(feed_for(icinga), PollingFeed)


def test_problems_appear_with_their_severity_host_and_link(icinga: Icinga2Process) -> None:
    assert problems(icinga) == {}
    icinga.set_service("disk", 2, "DISK CRITICAL - /var at 99%")
    icinga.set_service("load", 3, "UNKNOWN - no load average")
    icinga.set_host("web1", 1, "CRITICAL - Host Unreachable (10.0.0.7)")

    found = problems(icinga, web_url="https://icinga.example.com/icingaweb2")

    disk = found["db1!disk"]
    assert disk.title == "Disk /var on db1.example.com is CRITICAL"
    assert disk.severity is Severity.CRITICAL
    assert disk.summary == "DISK CRITICAL - /var at 99%"
    assert ("host", "db1") in disk.labels and ("service", "disk") in disk.labels
    assert not disk.acknowledged
    assert disk.started_at is not None
    assert [link.url for link in disk.links] == [
        "https://icinga.example.com/icingaweb2/monitoring/service/show?host=db1&service=disk"
    ]
    assert found["db1!load"].severity is Severity.WARNING  # unknown: warning by default
    host = found["web1"]
    assert (host.title, host.severity) == ("web1 is DOWN", Severity.CRITICAL)
    louder = problems(icinga, unknown_severity="critical")
    assert louder["db1!load"].severity is Severity.CRITICAL


def test_acknowledge_shows_in_icinga_with_the_comment_and_unack_undoes_it(
    icinga: Icinga2Process,
) -> None:
    icinga.set_service("disk", 2, "DISK CRITICAL")
    disk = problems(icinga)["db1!disk"]
    asked = replace(alert_for(disk), ack_info=AckInfo(comment="growing /var - Alex"))

    receipt = run(feed_for(icinga, author="alex via Shiftbell"), lambda f: f.acknowledge(asked))

    attrs = icinga.objects("services", "db1!disk")
    assert attrs["acknowledgement"] == 1
    [comment] = [c for c in icinga.comments() if c["entry_type"] == 4]
    assert (comment["author"], comment["text"]) == ("alex via Shiftbell", "growing /var - Alex")
    again = problems(icinga)["db1!disk"]
    assert again.acknowledged
    assert again.ack_info == AckInfo(by="alex via Shiftbell", comment="growing /var - Alex")
    # Twice is done, not an error (someone was quicker).
    run(feed_for(icinga), lambda f: f.acknowledge(alert_for(disk)))

    run(feed_for(icinga), lambda f: f.unacknowledge(alert_for(disk), receipt))
    assert icinga.objects("services", "db1!disk")["acknowledgement"] == 0
    assert not problems(icinga)["db1!disk"].acknowledged


def test_a_silence_is_a_fixed_downtime_removed_on_unack(icinga: Icinga2Process) -> None:
    icinga.set_host("web1", 1, "DOWN")
    host = problems(icinga)["web1"]
    until = datetime.now(UTC) + timedelta(hours=1)
    asked = replace(alert_for(host), ack_info=AckInfo(comment="rack move", until=until))

    receipt = run(feed_for(icinga), lambda f: f.acknowledge(asked))

    [downtime] = icinga.downtimes()
    assert downtime["host_name"] == "web1" and downtime["comment"] == "rack move"
    assert downtime["fixed"] is True
    assert abs(downtime["end_time"] - until.timestamp()) < 2
    assert receipt.reference == f"web1!{downtime['name']}"  # its full name, to remove it
    assert problems(icinga)["web1"].acknowledged  # in a downtime: handled
    run(feed_for(icinga), lambda f: f.unacknowledge(alert_for(host), receipt))
    assert icinga.downtimes() == []


def test_recovery_leaves_the_snapshot(icinga: Icinga2Process) -> None:
    icinga.set_service("disk", 1, "DISK WARNING")
    assert problems(icinga)["db1!disk"].severity is Severity.WARNING
    icinga.set_service("disk", 0, "DISK OK")
    assert "db1!disk" not in problems(icinga)


def test_a_pinned_fingerprint_is_trusted_and_another_is_refused(icinga: Icinga2Process) -> None:
    icinga.set_service("disk", 2, "DISK CRITICAL")
    pinned = ":".join(icinga.fingerprint[i : i + 2] for i in range(0, 64, 2)).upper()
    assert "db1!disk" in problems(icinga, ca_file="", fingerprint=f"sha256 Fingerprint={pinned}")
    with pytest.raises(FeedConfigError, match="not the pinned"):
        problems(icinga, ca_file="", fingerprint="ab" * 32)


def test_wrong_credentials_and_an_untrusted_certificate_say_so(icinga: Icinga2Process) -> None:
    with pytest.raises(FeedAuthError) as caught:
        problems_with = feed_for(icinga, secret=f"{USER}:wrong")
        run(problems_with, lambda f: f.fetch())
    assert FEED in str(caught.value)
    with pytest.raises(FeedConfigError, match=r"does not trust.*set ca_file"):
        problems(icinga, ca_file="")  # the system's CAs do not know Icinga's own
    with pytest.raises(FeedConfigError, match="user:password"):
        feed_for(icinga, secret="just-a-token")


def test_a_stopped_server_is_unreachable(icinga: Icinga2Process) -> None:
    config = FeedConfig(
        FEED, "icinga2", "https://localhost:1", options={"ca_file": str(icinga.ca_file)}
    )
    with pytest.raises(FeedUnreachableError, match="cannot reach Icinga 2"):
        run(Icinga2Feed(config, f"{USER}:{PASSWORD}"), lambda f: f.fetch())


@pytest.mark.parametrize("body", [b"<html>proxy error</html>", b'{"results": "nope"}'])
def test_a_garbled_answer_is_a_payload_error(body: bytes) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})

    config = FeedConfig(FEED, "icinga2", "https://icinga.example.com:5665")
    feed = Icinga2Feed(config, f"{USER}:{PASSWORD}", transport=httpx.MockTransport(answer))
    with pytest.raises(FeedPayloadError) as caught:
        run(feed, lambda f: f.fetch())
    assert "Icinga 2" in str(caught.value) and FEED in str(caught.value)
