"""statusjson.cgi's answers read into alerts, shape by shape (sources/nagios/status.py): the
latest acknowledgement comment names who acknowledged, odd entries are skipped rather than
failing the poll, and Nagios' own refusals and an empty page are said."""

from __future__ import annotations

import pytest

from shiftbell.core.alert import AckInfo, Severity
from shiftbell.core.errors import FeedError, FeedPayloadError
from shiftbell.sources.nagios.status import (
    Reading,
    acknowledgements,
    any_handled,
    data_of,
    host_problems,
    service_problems,
)

READING = Reading(soft_states=False, unknown_severity=Severity.WARNING, link=lambda h, s: "")


def test_the_latest_acknowledgement_comment_wins_and_other_comments_are_ignored() -> None:
    comments = {
        "1": {
            "entry_type": 4,
            "host_name": "db1",
            "service_description": "disk",
            "author": "Old",
            "comment_data": "first",
            "entry_time": 1000,
        },
        "2": {
            "entry_type": 4,
            "host_name": "db1",
            "service_description": "disk",
            "author": "Alex",
            "comment_data": "growing /var",
            "entry_time": 2000,
        },
        "3": {"entry_type": 1, "host_name": "web1", "author": "Sam", "comment_data": "note"},
        "4": "not a comment",
    }
    assert acknowledgements(comments) == {"db1!disk": AckInfo(by="Alex", comment="growing /var")}


def test_soft_states_pending_and_odd_entries_are_not_problems() -> None:
    services = {
        "db1": {
            "disk": {"status": 16, "state_type": 1, "plugin_output": "CRITICAL"},
            "load": {"status": 4, "state_type": 0, "plugin_output": "soft WARNING"},
            "swap": {"status": 1, "state_type": 1},  # pending
            "odd": ["not", "a", "service"],
        },
        "web1": "not a host",
    }
    found = service_problems(services, READING, {})
    assert [p.source_id for p in found] == ["db1!disk"]
    soft = Reading(soft_states=True, unknown_severity=Severity.WARNING, link=lambda h, s: "")
    assert {p.source_id for p in service_problems(services, soft, {})} == {"db1!disk", "db1!load"}
    hosts = {"db1": {"status": 8, "state_type": 1, "scheduled_downtime_depth": 1}}
    [host] = host_problems(hosts, READING, {})
    assert (host.title, host.severity, host.acknowledged) == (
        "db1 is UNREACHABLE",
        Severity.WARNING,
        True,  # in a downtime: handled
    )
    assert any_handled(hosts, services) is False  # a downtime alone needs no comment query


def test_nagios_refusals_and_an_empty_page_are_said() -> None:
    with pytest.raises(FeedError, match="is the Nagios daemon running"):
        data_of(None, "ops", "servicelist")
    refused = {"result": {"type_code": 2, "message": "Unknown host"}, "data": {}}
    with pytest.raises(FeedError, match="refused the hostlist query: Unknown host"):
        data_of(refused, "ops", "hostlist")
    with pytest.raises(FeedPayloadError, match="without its list"):
        data_of({"result": {"type_code": 0}, "data": {}}, "ops", "hostlist")


def test_a_status_file_nagios_stopped_writing_is_said_not_read_as_all_clear() -> None:
    """A hung daemon leaves its last status file behind: its problems list would look calm."""
    now_ms = 1_800_000_000_000
    hung = {
        "result": {"type_code": 0, "query_time": now_ms, "last_data_update": now_ms - 900_000},
        "data": {"servicelist": {}},
    }
    with pytest.raises(FeedError, match=r"status is 15 minutes old.*is Nagios hung"):
        data_of(hung, "ops", "servicelist")
    fresh = {
        "result": {"type_code": 0, "query_time": now_ms, "last_data_update": now_ms - 10_000},
        "data": {"servicelist": {}},
    }
    assert data_of(fresh, "ops", "servicelist") == {}
