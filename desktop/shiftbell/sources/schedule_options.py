"""The schedule options sources share: how far to look, and the feed a vendor signs in with."""

from shiftbell.sources.spec import Option, OptionType

MAX_DAYS_AHEAD = 60
MAX_DAYS_BEHIND = 7

LOOK_OPTIONS = (
    Option(
        "days_ahead",
        "How many days ahead to fetch; past them the schedule knows nothing and counts you "
        "as on call.",
        OptionType.INTEGER,
        default="14",
        minimum=1,
        maximum=MAX_DAYS_AHEAD,
    ),
    Option(
        "days_behind",
        "How many days back to fetch, for a shift that started before today.",
        OptionType.INTEGER,
        default="1",
        minimum=1,
        maximum=MAX_DAYS_BEHIND,
    ),
)

FEED_OPTION = Option(
    "feed",
    "The alert feed of the same account whose URL, token and auth options the schedule uses, "
    "so the key is entered once.",
    required=True,
)


def vendor_schedule_options(*own: Option) -> tuple[Option, ...]:
    """A vendor schedule's options: the feed it signs in through, its own, and the look options."""
    return (FEED_OPTION, *own, *LOOK_OPTIONS)
