"""Grafana OnCall / Grafana Cloud IRM: alert groups polled and acknowledged; final shifts.

The schedule signs in through the feed's account (the feed class's `account`).
"""

from shiftbell.sources.schedule_options import vendor_schedule_options
from shiftbell.sources.spec import Ability, Option, OptionType, SecretNeed, SourceSpec, lazy

_FILTER_HELP = "Only alert groups of that OnCall {what}; one id, as shown in OnCall."

SOURCE = SourceSpec(
    id="grafana-oncall",
    name="Grafana OnCall",
    label="Grafana OnCall / IRM",
    secret_need=SecretNeed.REQUIRED,
    secret_word="API token",
    url_example="https://oncall-prod-eu-west-0.grafana.net/oncall",
    url_help="The OnCall API's address (Grafana Cloud shows it under OnCall > Settings).",
    # OnCall allows 300 requests per 5 minutes per token.
    min_interval_s=5.0,
    abilities=frozenset(
        {
            Ability.ACKNOWLEDGE,
            Ability.UNACKNOWLEDGE,
            Ability.SILENCE,
            Ability.RESOLVE,
            Ability.LINKS,
            Ability.SCHEDULE,
        }
    ),
    feed_options=(
        Option(
            "grafana_url",
            "The Grafana stack URL (https://STACK.grafana.net), needed when the secret is a "
            "Grafana service account token (glsa_...), the kind Cloud IRM recommends; sent as "
            "X-Grafana-URL. Leave it out for a legacy OnCall API key.",
            OptionType.URL,
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
