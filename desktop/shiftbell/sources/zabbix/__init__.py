"""Zabbix (JSON-RPC API, 6.0 and later): problems polled with problem.get, acknowledged,
un-acknowledged and closed with event.acknowledge."""

from shiftbell.sources.spec import Address, Option, OptionType, Secret, SourceSpec, abilities, lazy

LEVELS = ("disaster", "high", "average", "warning", "information", "not_classified")

SOURCE = SourceSpec(
    id="zabbix",
    name="Zabbix",
    secret=Secret.required(
        "API token",
        hint=(
            "Users > API tokens in the frontend (Zabbix 5.4 and later); the user needs read "
            "access to the host groups and the right to acknowledge and close problems."
        ),
    ),
    address=Address(
        "https://zabbix.example.com/zabbix",
        help="The Zabbix frontend's address, where you sign in (its API is api_jsonrpc.php there).",
    ),
    # The team's own server: polling it often costs nobody a rate limit.
    min_interval_s=2.0,
    abilities=abilities("acknowledge unacknowledge who-acknowledged resolve links"),
    feed_options=(
        Option(
            "critical_from",
            "The lowest Zabbix severity that rings as critical.",
            OptionType.CHOICE,
            default="high",
            choices=LEVELS[:4],
        ),
        Option(
            "warning_from",
            "The lowest Zabbix severity that rings as a warning; lower ones are info.",
            OptionType.CHOICE,
            default="warning",
            choices=LEVELS,
        ),
        Option(
            "suppressed",
            '"show": also problems suppressed by a maintenance, shown as acknowledged '
            "(handled). Default: hidden, as the frontend's Problems page hides them.",
            OptionType.CHOICE,
            default="hide",
            choices=("hide", "show"),
        ),
    ),
    open_feed=lazy("shiftbell.sources.zabbix.feed", "ZabbixFeed", "Zabbix feeds"),
)
