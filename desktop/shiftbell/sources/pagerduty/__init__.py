"""PagerDuty (REST API v2): open incidents polled and acknowledged; on-call shifts from /oncalls.

The schedule signs in through the feed's own account (the feed class's `account`), so the key is
entered once, with the feed.
"""

from shiftbell.sources.schedule_options import vendor_schedule_options
from shiftbell.sources.spec import Address, Option, OptionType, Secret, SourceSpec, abilities, lazy

SOURCE = SourceSpec(
    id="pagerduty",
    name="PagerDuty",
    secret=Secret.required("API key"),
    address=Address(
        "https://api.pagerduty.com",
        help="PagerDuty's API; EU accounts use https://api.eu.pagerduty.com.",
        default="https://api.pagerduty.com",
    ),
    # PagerDuty allows 960 requests a minute per key; a poll reads several pages.
    min_interval_s=5.0,
    abilities=abilities("acknowledge silence resolve links schedule"),
    feed_options=(
        Option(
            "auth",
            '"token": the secret is a user API token or an account (general access) API key, '
            'sent as Authorization: Token token=KEY. "oauth": the secret is an OAuth access '
            "token, sent as Authorization: Bearer KEY.",
            OptionType.CHOICE,
            default="token",
            choices=("token", "oauth"),
        ),
        Option(
            "scope",
            "mine: only incidents assigned to you (user_ids[]); your id comes from user_id, or "
            "is looked up once with GET /users/me (user tokens only). all: every open incident "
            "the key can see (noisy for a whole account). auto: mine when Shiftbell can tell who "
            "you are (a user token, or user_id set), otherwise all.",
            OptionType.CHOICE,
            default="auto",
            choices=("auto", "mine", "all"),
        ),
        Option(
            "user_id",
            "Your PagerDuty user id (e.g. PXPGF42), or several comma-separated; needed for "
            '"mine" with an account API key.',
            OptionType.LIST,
        ),
        Option(
            "service_ids",
            "Comma-separated service ids: only incidents on these services.",
            OptionType.LIST,
        ),
        Option(
            "urgencies",
            '"high", "low" or "high,low": only incidents of these urgencies.',
            OptionType.LIST,
        ),
        Option(
            "from_email",
            "The email of a PagerDuty user, sent as the From header when acknowledging. "
            "Required with an account API key (PagerDuty must know who acknowledged); optional "
            "with a user token (PagerDuty then credits the token's owner).",
            OptionType.EMAIL,
            advice="without from_email (a PagerDuty user's email) acknowledging works only "
            "with a user API token; an account API key needs it",
        ),
    ),
    schedule_options=vendor_schedule_options(
        Option(
            "user_id",
            "Whose shifts: PagerDuty user ids, comma-separated. Default: the feed's own user_id, "
            "else the key's user from GET /users/me (a user API token); an account API key "
            "cannot say whose it is, so it needs user_id.",
            OptionType.LIST,
        ),
    ),
    open_feed=lazy("shiftbell.sources.pagerduty.feed", "PagerDutyFeed", "PagerDuty feeds"),
    open_schedule=lazy(
        "shiftbell.sources.pagerduty.schedule", "open_schedule", "PagerDuty schedules"
    ),
)
