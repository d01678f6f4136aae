"""Nagios 4 (and other servers of its CGIs): problems read from statusjson.cgi, acknowledged
and un-acknowledged through cmd.cgi behind the web server's own sign-in."""

from shiftbell.sources.monitoring import SOFT_STATES, UNKNOWN_SEVERITY
from shiftbell.sources.spec import Address, Option, OptionType, Secret, SourceSpec, abilities, lazy

SOURCE = SourceSpec(
    id="nagios",
    name="Nagios",
    label="Nagios 4",
    secret=Secret.optional(
        "web user and password (user:password)",
        hint=(
            "The user you sign in to Nagios' web pages with; it needs the CGIs' "
            "authorized_for_all_services/hosts and ..._commands rights to acknowledge."
        ),
    ),
    address=Address(
        "https://nagios.example.com/cgi-bin/nagios4",
        help=(
            "The address of Nagios' CGIs, where statusjson.cgi and cmd.cgi are: "
            "/cgi-bin/nagios4 with Debian's package, /nagios/cgi-bin with upstream's."
        ),
    ),
    # The team's own server: polling it often costs nobody a rate limit.
    min_interval_s=2.0,
    abilities=abilities("acknowledge unacknowledge who-acknowledged links"),
    feed_options=(
        SOFT_STATES,
        UNKNOWN_SEVERITY,
        Option(
            "sticky",
            '"yes": an acknowledgement lasts until the service or host is OK again, through '
            'changes between problem states; "no": a change to another problem state pages '
            "again.",
            OptionType.CHOICE,
            default="yes",
            choices=("yes", "no"),
        ),
    ),
    open_feed=lazy("shiftbell.sources.nagios.feed", "NagiosFeed", "Nagios feeds"),
)
