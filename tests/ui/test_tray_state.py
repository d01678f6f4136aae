"""The tray's state rules, tested as plain data: no QApplication needed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from tests.ui.samples import NOW, AlertFactory

from shiftbell.core.alert import Alert, Severity, Status
from shiftbell.ui.tray_state import (
    FeedStatus,
    TrayIconName,
    TrayState,
    alert_counts,
    tray_state,
)

OK_FEED = FeedStatus("Local receiver", True, "listening", NOW, NOW)
DOWN_FEED = FeedStatus("Alertmanager prod", False, "connection refused", NOW, None)


def state(
    active: Sequence[Alert] = (),
    feeds: Sequence[FeedStatus] = (OK_FEED,),
    snoozed_until: datetime | None = None,
    problems: Sequence[str] = (),
) -> TrayState:
    return tray_state(active, feeds, snoozed_until, NOW, problems, tz=UTC)


def test_nothing_active_is_all_clear() -> None:
    result = state()
    assert result.icon is TrayIconName.CLEAR
    assert result.tooltip == "Shiftbell — all clear"
    assert result.firing == 0 and not result.snoozed


@pytest.mark.parametrize(
    ("severities", "icon"),
    [
        ((Severity.INFO,), TrayIconName.FIRING_INFO),
        ((Severity.INFO, Severity.WARNING), TrayIconName.FIRING_WARNING),
        ((Severity.WARNING, Severity.CRITICAL, Severity.INFO), TrayIconName.FIRING_CRITICAL),
    ],
)
def test_firing_shows_the_highest_firing_severity(
    make_alert: AlertFactory, severities: tuple[Severity, ...], icon: TrayIconName
) -> None:
    alerts = [make_alert(i, severity=s) for i, s in enumerate(severities)]
    assert state(alerts).icon is icon


def test_an_acknowledged_critical_does_not_make_a_firing_warning_critical(
    make_alert: AlertFactory,
) -> None:
    alerts = [
        make_alert(1, severity=Severity.CRITICAL, status=Status.ACKNOWLEDGED),
        make_alert(2, severity=Severity.WARNING),
    ]
    result = state(alerts)
    assert result.icon is TrayIconName.FIRING_WARNING
    assert result.firing == 1


def test_firing_tooltip_counts_and_names_the_most_urgent(make_alert: AlertFactory) -> None:
    alerts = [
        make_alert(1, title="Latency high", severity=Severity.WARNING, age=timedelta(hours=1)),
        make_alert(2, title="Disk full\non db1", severity=Severity.CRITICAL),
        make_alert(3, title="Cert expiring", status=Status.ACKNOWLEDGED),
    ]
    result = state(alerts)
    assert result.tooltip.splitlines() == [
        "Shiftbell — 2 firing (1 critical), 1 acknowledged",
        "Critical: Disk full on db1",
    ]
    assert result.firing == 2


def test_only_acknowledged_alerts_show_acknowledged(make_alert: AlertFactory) -> None:
    result = state([make_alert(1, status=Status.ACKNOWLEDGED)])
    assert result.icon is TrayIconName.ACKNOWLEDGED
    assert result.tooltip == "Shiftbell — 1 acknowledged"
    assert result.firing == 0


def test_a_failing_feed_outranks_acknowledged_and_is_never_all_clear(
    make_alert: AlertFactory,
) -> None:
    quiet = state(feeds=[OK_FEED, DOWN_FEED])
    assert quiet.icon is TrayIconName.FEED_ERROR
    assert quiet.tooltip.splitlines() == [
        "Shiftbell — no active alerts",
        "Alertmanager prod: connection refused",
    ]
    acked = state([make_alert(1, status=Status.ACKNOWLEDGED)], feeds=[DOWN_FEED])
    assert acked.icon is TrayIconName.FEED_ERROR


def test_an_app_problem_shows_feed_error_with_the_problem_text() -> None:
    result = state(problems=["No audio output device: the alarm cannot sound"])
    assert result.icon is TrayIconName.FEED_ERROR
    assert result.tooltip.splitlines()[1] == "No audio output device: the alarm cannot sound"


def test_firing_outranks_a_failing_feed(make_alert: AlertFactory) -> None:
    result = state([make_alert(1, severity=Severity.INFO)], feeds=[DOWN_FEED])
    assert result.icon is TrayIconName.FIRING_INFO
    assert "Alertmanager prod: connection refused" in result.tooltip.splitlines()


def test_snoozed_wins_over_firing_and_says_until_when(make_alert: AlertFactory) -> None:
    alerts = [make_alert(1), make_alert(2, severity=Severity.WARNING)]
    result = state(alerts, snoozed_until=NOW + timedelta(minutes=3))
    assert result.icon is TrayIconName.SNOOZED
    assert result.snoozed
    assert result.firing == 2
    assert result.tooltip.splitlines()[0] == (
        "Shiftbell — alarm snoozed until 03:15 — 2 firing (1 critical)"
    )


def test_snoozed_with_nothing_firing_still_shows_the_snooze() -> None:
    result = state(snoozed_until=NOW + timedelta(minutes=5))
    assert result.icon is TrayIconName.SNOOZED
    assert result.tooltip == "Shiftbell — alarm snoozed until 03:17"


def test_a_snooze_that_has_run_out_is_ignored(make_alert: AlertFactory) -> None:
    result = state([make_alert(1)], snoozed_until=NOW)
    assert result.icon is TrayIconName.FIRING_CRITICAL
    assert not result.snoozed


def test_long_titles_are_cut_so_one_alert_cannot_flood_the_tooltip(
    make_alert: AlertFactory,
) -> None:
    result = state([make_alert(1, title="x" * 500)])
    line = result.tooltip.splitlines()[1]
    assert len(line) < 100
    assert line.endswith("…")


def test_alert_counts_wording(make_alert: AlertFactory) -> None:
    warning = make_alert(1, severity=Severity.WARNING)
    assert alert_counts([warning], []) == "1 firing"
    assert alert_counts([], []) == ""


def test_every_icon_name_is_a_file_the_icon_set_has() -> None:
    # The icon generator writes these names; a typo here would show a placeholder.
    assert {name.value for name in TrayIconName} == {
        "clear",
        "firing-info",
        "firing-warning",
        "firing-critical",
        "acknowledged",
        "feed-error",
        "snoozed",
    }
