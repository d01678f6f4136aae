"""Gotify: messages of every application the client token can read, over its WebSocket stream."""

from shiftbell.sources.spec import Ability, Option, OptionType, SecretNeed, SourceSpec, lazy

SOURCE = SourceSpec(
    id="gotify",
    name="Gotify",
    label="Gotify",
    secret_need=SecretNeed.REQUIRED,
    secret_word="client token",
    url_example="https://gotify.example.com",
    url_help="The Gotify server's address.",
    # A stream: the interval only paces reconnect checks.
    min_interval_s=1.0,
    abilities=frozenset({Ability.PUSH, Ability.LINKS}),
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
