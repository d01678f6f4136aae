"""The one-line help of the command groups, in one place: `shiftbell --help` lists them
without loading the groups (their kinds come from every source's declaration)."""

FEED_HELP = "add, list, test or remove alert feeds (works without the app)"
SCHEDULE_HELP = "add, list, show or remove on-call schedules; override them (works without the app)"
PHONE_HELP = "add, list, test or remove the phones unanswered alarms go to"
