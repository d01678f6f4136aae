"""Icinga 2: host and service problems polled from its REST API, acknowledged there with
acknowledge-problem, silenced for a chosen time with a downtime."""

from shiftbell.sources.monitoring import SOFT_STATES, UNKNOWN_SEVERITY
from shiftbell.sources.spec import Address, Option, OptionType, Secret, SourceSpec, abilities, lazy

SOURCE = SourceSpec(
    id="icinga2",
    name="Icinga 2",
    secret=Secret.required(
        "API user and password (user:password)",
        hint="An ApiUser with objects/query/*, actions/* (acknowledge, downtime) rights.",
    ),
    address=Address(
        "https://icinga.example.com:5665",
        help=(
            "The Icinga 2 API on port 5665, by the name its certificate was issued to (the node "
            "name, usually the host name), not by address."
        ),
    ),
    # The team's own server: polling it often costs nobody a rate limit.
    min_interval_s=2.0,
    abilities=abilities("acknowledge unacknowledge silence who-acknowledged links"),
    feed_options=(
        Option(
            "ca_file",
            "The CA that signed the API's certificate, as a PEM file: Icinga's own, "
            "/var/lib/icinga2/certs/ca.crt on the server. Without it (or fingerprint) only a "
            "certificate the system trusts is accepted; verification is never turned off.",
        ),
        Option(
            "fingerprint",
            "Instead of ca_file: the SHA-256 fingerprint of the API's certificate "
            "(openssl x509 -noout -fingerprint -sha256 -in NODE.crt); exactly that certificate "
            "is accepted, whatever its name.",
        ),
        SOFT_STATES,
        UNKNOWN_SEVERITY,
        Option(
            "web_url",
            "Icinga Web 2's address (https://icinga.example.com/icingaweb2): each problem then "
            "links to its host or service there. Empty: no links.",
            OptionType.URL,
        ),
        Option(
            "author",
            "Who the acknowledgement and the downtime name. Default: your login name and "
            '"via Shiftbell".',
        ),
    ),
    open_feed=lazy("shiftbell.sources.icinga2.feed", "Icinga2Feed", "Icinga 2 feeds"),
)
