"""iCalendar (ICS) schedules: a calendar link or file, as PagerDuty, Opsgenie, Grafana OnCall and
every calendar app export them. A schedule only: there is no ICS alert feed.
"""

from shiftbell.sources.schedule_options import LOOK_OPTIONS
from shiftbell.sources.spec import Address, Option, Secret, SourceSpec, abilities, lazy

SOURCE = SourceSpec(
    id="ics",
    name="iCalendar",
    label="Calendar (ICS link or file)",
    secret=Secret.none("calendar link"),
    address=Address(
        "https://example.pagerduty.com/private/TOKEN/feed/SCHEDULE",
        help="A calendar link (https://, webcal://) or a file; a link is kept in the keyring.",
    ),
    abilities=abilities("schedule"),
    schedule_options=(
        Option(
            "who",
            "Whose shifts, when the calendar holds a whole team's: the events that mention this "
            "text (case-insensitive) in their summary, description or attendees. Use the full "
            'name or email ("al" also matches "Sally"). Default: every event.',
        ),
        *LOOK_OPTIONS,
    ),
    open_schedule=lazy("shiftbell.sources.ics.schedule", "open_schedule", "calendar schedules"),
    # A calendar export changes when someone edits the rota: every quarter hour is plenty.
    schedule_interval_s=900.0,
    schedule_noun="calendar",
    schedule_signs_in_through_feed=False,
)
