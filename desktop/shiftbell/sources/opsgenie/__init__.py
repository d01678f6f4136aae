"""JSM Ops (Jira Service Management operations) and Opsgenie, which it replaces: open alerts
polled and acknowledged; schedule timelines. The schedule signs in through the feed's account.

Opsgenie stops on 5 April 2027 and its customers move to JSM Ops, so JSM Ops is offered first
(first in the `api` choices, the label, the help) and a feed still on Opsgenie's API is told
so. A feed without `api` keeps reading Opsgenie's API, as it always did: the kind keeps its id,
`opsgenie`, and existing config files mean what they meant.
"""

from collections.abc import Mapping

from shiftbell.sources.schedule_options import vendor_schedule_options
from shiftbell.sources.spec import Address, Option, OptionType, Secret, SourceSpec, abilities, lazy

JSM_URL = "https://api.atlassian.com"


def _url_for(options: Mapping[str, str]) -> str | None:
    return JSM_URL if options.get("api", "").strip().lower() == "jsm" else None


SOURCE = SourceSpec(
    id="opsgenie",
    name="JSM Ops / Opsgenie",
    secret=Secret.required("API key"),
    address=Address(
        "https://api.opsgenie.com",
        help=(
            f"JSM Ops: {JSM_URL} (set with api = jsm). Opsgenie, until it stops on 5 April 2027: "
            "https://api.opsgenie.com (EU accounts: https://api.eu.opsgenie.com)."
        ),
        default="https://api.opsgenie.com",
        for_options=_url_for,
    ),
    # Opsgenie's list ("search") domain has per-plan limits shared by the whole account.
    min_interval_s=10.0,
    abilities=abilities("acknowledge unacknowledge silence resolve links schedule"),
    feed_options=(
        Option(
            "api",
            "jsm: Jira Service Management Operations, where Opsgenie's customers move (Opsgenie "
            f"stops on 5 April 2027); the URL defaults to {JSM_URL} and the API lives under "
            '/jsm/ops/api/{cloud_id}/v1; the secret is "email:api-token" of an Atlassian '
            "account (or just the token, with email set), sent as basic auth. opsgenie: "
            "Opsgenie's own API until it stops; the secret is an API key (an API integration's "
            "key, with Read and Create-and-Update access), sent as Authorization: GenieKey KEY.",
            OptionType.CHOICE,
            default="opsgenie",
            choices=("jsm", "opsgenie"),
            advice=(
                "this feed reads Opsgenie's API, which stops on 5 April 2027: once your site "
                "has moved to Jira Service Management, set api = jsm and cloud_id"
            ),
        ),
        Option(
            "cloud_id",
            "JSM only, required there: the site's cloud id "
            "(https://<site>.atlassian.net/_edge/tenant_info shows it).",
        ),
        Option(
            "email",
            "JSM only: the Atlassian account email, when the secret is the bare API token.",
            OptionType.EMAIL,
        ),
        Option(
            "query",
            "An extra Opsgenie search query ANDed with status:open, to watch one team's alerts "
            "for instance: teams:payments AND priority:(P1 OR P2).",
        ),
        Option(
            "user",
            "The name recorded as who acknowledged (Opsgenie's user field); without it Opsgenie "
            "records the API key's integration.",
        ),
        Option(
            "web_url",
            "Where a person opens an alert: a base such as https://ACME.app.opsgenie.com (the "
            "link becomes BASE/alert/detail/ID/details), or a template containing {id} (and "
            "optionally {tinyId}). Empty: alerts carry no link.",
        ),
    ),
    schedule_options=vendor_schedule_options(
        Option(
            "schedules",
            "Schedule ids or names, comma-separated (a UUID is sent as an id, anything else as "
            "a name; JSM Ops takes ids only).",
            OptionType.LIST,
            required=True,
        ),
        Option(
            "user",
            "Whose shifts, as the Opsgenie username (the login email) or user id.",
            required=True,
        ),
    ),
    open_feed=lazy("shiftbell.sources.opsgenie.feed", "OpsgenieFeed", "Opsgenie feeds"),
    open_schedule=lazy(
        "shiftbell.sources.opsgenie.schedule", "open_schedule", "Opsgenie schedules"
    ),
)
