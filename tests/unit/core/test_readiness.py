"""The pre-shift check's findings as alerts (core/readiness.py)."""

from shiftbell.core.alert import Severity
from shiftbell.core.readiness import CheckItem, as_alerts, summary

MUTED = CheckItem("sound", "Sound", False, "the default output is muted", "Unmute it.")
FEED_OK = CheckItem("feed:pd", "Feed pd", True, "ok")


def test_a_failure_is_a_warning_saying_what_to_fix() -> None:
    [alert] = as_alerts([MUTED, FEED_OK], "before your shift", raised=[])
    assert (alert.source_id, alert.severity, alert.firing) == (
        "check:sound",
        Severity.WARNING,
        True,
    )
    assert alert.title == "Sound: the default output is muted"
    assert alert.summary == "Found before your shift. Unmute it."


def test_what_no_longer_fails_or_is_no_longer_checked_is_resolved_and_nothing_else() -> None:
    found = as_alerts(
        [FEED_OK, MUTED], "after waking up", raised=["check:feed:pd", "check:phone:gone", "x"]
    )
    assert [(a.source_id, a.firing) for a in found] == [
        ("check:sound", True),
        ("check:feed:pd", False),
        ("check:phone:gone", False),
    ]


def test_summary() -> None:
    assert summary([FEED_OK]) == "All 1 checks passed."
    assert summary([FEED_OK, MUTED]) == "1 of 2 checks failed: Sound: the default output is muted"
