"""The tray's state rules, tested as plain data: no QApplication needed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from tests.ui.samples import NOW, AlertFactory

from shiftbell.core.alert import Alert, Severity, Status
from shiftbell.core.escalation import AlarmState, Sound, Suppression
from shiftbell.core.schedule import (
    ALWAYS_ON_CALL,
    OnCallSchedule,
    OnCallState,
    Override,
    Shift,
    on_call_state,
)
from shiftbell.core.snooze import Snooze
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
    snooze: Snooze | None = None,
    problems: Sequence[str] = (),
) -> TrayState:
    return tray_state(active, feeds, snooze, NOW, problems, tz=UTC)


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
    assert (result.top_id, result.top_title) == ("a2", "Disk full on db1")  # for its menu
    assert state([alerts[2]]).top_id == ""  # nothing firing: nothing to name


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


def test_snoozed_wins_over_firing_keeps_the_severity_and_says_until_when(
    make_alert: AlertFactory,
) -> None:
    alerts = [make_alert(1), make_alert(2, severity=Severity.WARNING)]
    result = state(alerts, snooze=Snooze.of(alerts, NOW + timedelta(minutes=3)))
    assert result.icon is TrayIconName.SNOOZED_CRITICAL
    assert result.snoozed
    assert result.firing == 2
    assert result.tooltip.splitlines()[0] == (
        "Shiftbell — alarm snoozed until 03:15 (2 alerts) — 2 firing (1 critical)"
    )


def test_a_snooze_holding_nothing_shows_as_nothing(make_alert: AlertFactory) -> None:
    # Pressed with nothing firing, or everything it held acknowledged: no snooze to show,
    # and nothing that fires later is under it.
    result = state([make_alert(1)], snooze=Snooze(NOW + timedelta(minutes=5)))
    assert result.icon is TrayIconName.FIRING_CRITICAL
    assert not result.snoozed


def test_a_snooze_that_has_run_out_is_ignored(make_alert: AlertFactory) -> None:
    alerts = [make_alert(1)]
    result = state(alerts, snooze=Snooze.of(alerts, NOW))
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
        "clear-off-call",
        "firing-info",
        "firing-warning",
        "firing-critical",
        "acknowledged",
        "feed-error",
        "snoozed-info",
        "snoozed-warning",
        "snoozed-critical",
    }


# -- the on-call schedule -------------------------------------------------------
# NOW is Wednesday 4 March 2026, 03:12 UTC.

MONDAY_TO_TUESDAY = Shift(
    datetime(2026, 3, 2, 9, 0, tzinfo=UTC), datetime(2026, 3, 10, 9, 0, tzinfo=UTC), "PagerDuty"
)
FRIDAY_NIGHT = Shift(
    datetime(2026, 3, 6, 18, 0, tzinfo=UTC), datetime(2026, 3, 7, 9, 0, tzinfo=UTC), "Calendar"
)
ON_SHIFT = on_call_state(OnCallSchedule([MONDAY_TO_TUESDAY]), None, NOW)
OFF_SHIFT = on_call_state(OnCallSchedule([FRIDAY_NIGHT]), None, NOW)
SILENT_OFF_CALL = AlarmState(suppressed_by=frozenset({Suppression.OFF_SHIFT}))


def with_schedule(
    active: Sequence[Alert] = (),
    on_call: OnCallState | None = OFF_SHIFT,
    alarm: AlarmState | None = None,
    feeds: Sequence[FeedStatus] = (OK_FEED,),
    snooze: Snooze | None = None,
) -> TrayState:
    return tray_state(active, feeds, snooze, NOW, (), tz=UTC, on_call=on_call, alarm=alarm)


def test_without_a_schedule_nothing_changes(make_alert: AlertFactory) -> None:
    # The defaults are the tray from before schedules, to the character.
    alerts = [make_alert(1), make_alert(2, status=Status.ACKNOWLEDGED)]
    for active in ((), alerts):
        before = tray_state(active, [OK_FEED], None, NOW, (), UTC)
        assert with_schedule(active, on_call=None) == before


def test_on_call_tooltip_says_until_when() -> None:
    result = with_schedule(on_call=ON_SHIFT)
    assert result.icon is TrayIconName.CLEAR
    assert result.tooltip.splitlines() == ["Shiftbell — all clear", "On call until Tue 09:00"]


def test_off_call_and_all_clear_shows_the_off_call_icon_and_the_next_shift() -> None:
    result = with_schedule(on_call=OFF_SHIFT)
    assert result.icon is TrayIconName.CLEAR_OFF_CALL
    assert result.tooltip.splitlines() == [
        "Shiftbell — all clear",
        "Off call — next shift Fri 18:00",
    ]


def test_an_override_says_so_in_the_tooltip() -> None:
    until = NOW + timedelta(hours=2)
    off = on_call_state(OnCallSchedule([MONDAY_TO_TUESDAY]), Override(False, until), NOW)
    result = with_schedule(on_call=off)
    assert result.icon is TrayIconName.CLEAR_OFF_CALL
    assert result.tooltip.splitlines()[1] == "Off call until 05:12 (you said so)"
    on = on_call_state(OnCallSchedule([FRIDAY_NIGHT]), Override(True, until), NOW)
    assert with_schedule(on_call=on).icon is TrayIconName.CLEAR


def test_no_schedule_known_counts_as_on_call() -> None:
    result = with_schedule(on_call=ALWAYS_ON_CALL)
    assert result.icon is TrayIconName.CLEAR
    assert result.tooltip.splitlines()[1] == "On call (schedule unknown)"


def test_firing_keeps_precedence_over_off_call_and_says_the_alarm_is_held_back(
    make_alert: AlertFactory,
) -> None:
    alerts = [make_alert(1, severity=Severity.WARNING), make_alert(2, severity=Severity.WARNING)]
    result = with_schedule(alerts, alarm=SILENT_OFF_CALL)
    assert result.icon is TrayIconName.FIRING_WARNING
    assert result.tooltip.splitlines() == [
        "Shiftbell — 2 firing — silent: off call",
        "Warning: Disk full on db1",
        "Off call — next shift Fri 18:00",
    ]


def test_quiet_hours_and_both_holds_are_named(make_alert: AlertFactory) -> None:
    alerts = [make_alert(1, severity=Severity.WARNING)]
    quiet = AlarmState(suppressed_by=frozenset({Suppression.QUIET_HOURS}))
    assert with_schedule(alerts, ON_SHIFT, quiet).tooltip.splitlines()[0] == (
        "Shiftbell — 1 firing — silent: quiet hours"
    )
    both = AlarmState(suppressed_by=frozenset(Suppression))
    assert with_schedule(alerts, OFF_SHIFT, both).tooltip.splitlines()[0] == (
        "Shiftbell — 1 firing — silent: off call, quiet hours"
    )


def test_a_critical_that_still_alarms_makes_it_partly_silent(make_alert: AlertFactory) -> None:
    # Off call by default a critical alert alarms while a warning's chime is held back.
    alerts = [make_alert(1), make_alert(2, severity=Severity.WARNING)]
    alarm = AlarmState(
        loop_sound=Sound.ALARM, loop_volume=0.3, suppressed_by=frozenset({Suppression.OFF_SHIFT})
    )
    result = with_schedule(alerts, alarm=alarm)
    assert result.icon is TrayIconName.FIRING_CRITICAL
    assert result.tooltip.splitlines()[0] == (
        "Shiftbell — 2 firing (1 critical) — partly silent: off call"
    )


def test_nothing_held_back_adds_nothing(make_alert: AlertFactory) -> None:
    alarm = AlarmState(loop_sound=Sound.ALARM, loop_volume=1.0)
    result = with_schedule([make_alert(1)], on_call=ON_SHIFT, alarm=alarm)
    assert result.tooltip.splitlines()[0] == "Shiftbell — 1 firing (1 critical)"


def test_snooze_feed_errors_and_acknowledged_keep_their_icons_off_call(
    make_alert: AlertFactory,
) -> None:
    warning = [make_alert(1, severity=Severity.WARNING)]
    snoozed = with_schedule(
        warning, snooze=Snooze.of(warning, NOW + timedelta(minutes=5)), alarm=SILENT_OFF_CALL
    )
    assert snoozed.icon is TrayIconName.SNOOZED_WARNING
    # The snooze explains the silence; the held-back note would only add noise.
    assert snoozed.tooltip.splitlines()[0] == (
        "Shiftbell — alarm snoozed until 03:17 (1 alert) — 1 firing"
    )
    assert with_schedule(feeds=[DOWN_FEED]).icon is TrayIconName.FEED_ERROR
    acknowledged = with_schedule([make_alert(1, status=Status.ACKNOWLEDGED)])
    assert acknowledged.icon is TrayIconName.ACKNOWLEDGED
    assert acknowledged.tooltip.splitlines()[-1] == "Off call — next shift Fri 18:00"
