"""ntfy: messages on one or more topics, streamed as they are published (JSON stream)."""

from shiftbell.sources.spec import Address, Option, OptionType, Secret, SourceSpec, abilities, lazy

SOURCE = SourceSpec(
    id="ntfy",
    name="ntfy",
    secret=Secret.optional(
        "access token or user:password", hint="Leave it empty if the server needs none."
    ),
    address=Address("https://ntfy.sh", help="The ntfy server: https://ntfy.sh or your own."),
    # A stream: the interval only paces reconnect checks.
    min_interval_s=1.0,
    abilities=abilities("links push"),
    feed_options=(
        Option(
            "topics",
            'One or more topic names, comma-separated ("alerts,backups").',
            OptionType.LIST,
            required=True,
        ),
        Option(
            "keepalive_timeout_s",
            "Seconds without a single line (message or keepalive) after which the stream counts "
            "as broken and is reconnected. ntfy sends a keepalive every 45 s unless its "
            "keepalive-interval says otherwise: keep this comfortably above that interval.",
            OptionType.SECONDS,
            default="120",
        ),
        Option(
            "since",
            "What the first connection after Shiftbell starts catches up on: empty (only "
            'messages published from now on), a duration ("10m", "2h"), a Unix time, or "all" '
            "(everything ntfy cached).",
        ),
    ),
    open_feed=lazy("shiftbell.sources.ntfy.feed", "NtfyFeed", "ntfy feeds"),
)
