"""Prometheus Alertmanager: active alerts polled from API v2, acknowledged with a silence.

Alertmanager can also push to the local receiver (webhook.py reads its payload).
"""

from shiftbell.sources.spec import Address, Option, OptionType, Secret, SourceSpec, abilities, lazy

SOURCE = SourceSpec(
    id="alertmanager",
    name="Alertmanager",
    label="Prometheus Alertmanager",
    secret=Secret.optional(
        "proxy token or user:password",
        hint="Only for a proxy in front of Alertmanager that asks for one.",
    ),
    address=Address(
        "http://alertmanager.example.com:9093",
        help="The Alertmanager's address, as Prometheus and amtool reach it.",
    ),
    # The team's own server: polling it often costs nobody a rate limit.
    min_interval_s=2.0,
    abilities=abilities("acknowledge unacknowledge silence links"),
    feed_options=(
        Option(
            "filter",
            "Label matchers selecting the alerts, comma-separated, in Alertmanager's syntax: "
            'team="db",env=~"prod|stage". Each becomes one filter= query parameter, and '
            "Alertmanager keeps the alerts that match all of them. Default: every alert.",
        ),
        Option(
            "receiver",
            "A regular expression on the receiver name (Alertmanager anchors it), e.g. "
            "oncall-db. Default: every receiver.",
        ),
        Option(
            "ack_mode",
            '"follow": an acknowledgement is a silence of 15 minutes that Shiftbell extends '
            "while the alert fires and lets run out once it resolves (or once Shiftbell stops), "
            "so it never outlives the alert nor hides a later occurrence from the team for "
            'hours. "fixed": one silence of silence_duration_s, whatever the alert does.',
            OptionType.CHOICE,
            default="follow",
            choices=("follow", "fixed"),
        ),
        Option(
            "silence_duration_s",
            'With ack_mode = "fixed": how long an acknowledgement silences the alert, in '
            "seconds: long enough to work an incident without being paged again, short enough "
            "that a forgotten acknowledgement does not hide the alert for the rest of the week.",
            OptionType.SECONDS,
            default="14400",
            minimum=60,
            maximum=366 * 24 * 3600,
        ),
        Option(
            "created_by",
            "The silence's createdBy: who the team sees acknowledged the alert. Default: your "
            'login name and "via Shiftbell" (alice via Shiftbell).',
        ),
        Option("comment", "The silence's comment.", default="Acknowledged in Shiftbell"),
        Option(
            "auth",
            'How the secret is sent: "basic" (the secret is "user:password") or "bearer" (the '
            "secret is the token). Alertmanager has no authentication of its own; this is for "
            'the proxy that operators put in front of it. Default: "bearer" when a secret is '
            'set, otherwise "none".',
            OptionType.CHOICE,
            choices=("none", "basic", "bearer"),
        ),
    ),
    open_feed=lazy("shiftbell.sources.alertmanager.feed", "AlertmanagerFeed", "Alertmanager feeds"),
)
