"""Gotify: messages of every application the client token can read, over its WebSocket stream."""

from shiftbell.sources.spec import Address, Option, OptionType, Secret, SourceSpec, abilities, lazy

SOURCE = SourceSpec(
    id="gotify",
    name="Gotify",
    secret=Secret.required("client token"),
    address=Address("https://gotify.example.com", help="The Gotify server's address."),
    # A stream: the interval only paces reconnect checks.
    min_interval_s=1.0,
    abilities=abilities("links push"),
    feed_options=(
        Option(
            "keepalive_timeout_s",
            "Seconds without a frame (message or ping) after which the stream counts as broken "
            "and is reconnected. Gotify pings every 45 s unless its "
            "server.stream.pingperiodseconds says otherwise: keep this comfortably above it.",
            OptionType.SECONDS,
            default="120",
        ),
    ),
    open_feed=lazy("shiftbell.sources.gotify.feed", "GotifyFeed", "Gotify feeds"),
)
