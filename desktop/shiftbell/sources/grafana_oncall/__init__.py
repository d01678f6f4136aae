"""Grafana IRM (OnCall): alert groups polled and acknowledged through the OnCall API of
Grafana Cloud IRM; final shifts. Grafana OnCall OSS was archived in March 2026 and goes on in
Grafana Cloud IRM, so IRM (a service account token and the stack's URL) is the way offered
first; a self-hosted OnCall and a legacy OnCall API key still work. The kind keeps its id,
`grafana-oncall`, so existing config files go on working.

The schedule signs in through the feed's account (the feed class's `account`).
"""

from shiftbell.sources.schedule_options import vendor_schedule_options
from shiftbell.sources.spec import Address, Option, OptionType, Secret, SourceSpec, abilities, lazy

_FILTER_HELP = "Only alert groups of that OnCall {what}; one id, as shown in OnCall."

SOURCE = SourceSpec(
    id="grafana-oncall",
    name="Grafana IRM (OnCall)",
    secret=Secret.required(
        "service account token (or legacy OnCall API key)",
        hint=(
            "A Grafana service account token (glsa_...) with IRM access, as Grafana recommends, "
            "with grafana_url set; or a legacy OnCall API key."
        ),
    ),
    address=Address(
        "https://oncall-prod-eu-west-0.grafana.net/oncall",
        help=(
            "The OnCall API's address in Grafana IRM: IRM > Settings > Admin & API shows it "
            "(a self-hosted OnCall: its own address)."
        ),
    ),
    # OnCall allows 300 requests per 5 minutes per token.
    min_interval_s=5.0,
    abilities=abilities("acknowledge unacknowledge silence resolve links schedule"),
    feed_options=(
        Option(
            "grafana_url",
            "The Grafana stack URL (https://STACK.grafana.net), sent as X-Grafana-URL: needed "
            "with a Grafana service account token (glsa_...), which is how Grafana IRM signs "
            "in. Leave it out only for a legacy OnCall API key or a self-hosted OnCall.",
            OptionType.URL,
            advice=(
                "without grafana_url the secret must be a legacy OnCall API key; Grafana IRM "
                "recommends a service account token with grafana_url set"
            ),
        ),
        Option("team_id", _FILTER_HELP.format(what="team (noteam for those without one)")),
        Option("integration_id", _FILTER_HELP.format(what="integration")),
        Option("route_id", _FILTER_HELP.format(what="route")),
        Option(
            "default_severity",
            "The severity of an alert group whose payload names none.",
            OptionType.CHOICE,
            default="critical",
            choices=("critical", "warning", "info"),
        ),
        Option(
            "max_pages",
            "The most list requests one fetch may make. The default keeps the feed within two "
            "thirds of OnCall's rate limit at its interval_s: 10 at the default 15 s, 3 at 5 s, "
            "20 (the most it picks) at 30 s or more.",
            OptionType.INTEGER,
            minimum=3,
        ),
    ),
    schedule_options=vendor_schedule_options(
        Option(
            "user",
            "Whose shifts, as the OnCall user's email or username (or the user id).",
            required=True,
        ),
        Option(
            "schedules",
            "Schedule ids or names, comma-separated. Default: every schedule the token can see.",
            OptionType.LIST,
        ),
    ),
    open_feed=lazy(
        "shiftbell.sources.grafana_oncall.feed", "GrafanaOnCallFeed", "Grafana OnCall feeds"
    ),
    open_schedule=lazy(
        "shiftbell.sources.grafana_oncall.schedule", "open_schedule", "Grafana OnCall schedules"
    ),
)
