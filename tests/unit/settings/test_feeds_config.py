"""[[feeds]] in config.toml: read into Settings.feeds; a broken entry is named by line, skipped."""

import tomllib

import pytest

from shiftbell.settings.model import FeedSettings, Settings
from shiftbell.settings.template import render_settings
from shiftbell.settings.toml_store import parse_settings
from shiftbell.sources import registry
from shiftbell.sources.feed import FeedConfig

NTFY = """\
[[feeds]]
name = "team-ntfy"
kind = "ntfy"
url = "https://ntfy.example.org"
[feeds.options]
topics = "alerts,backups"
"""


def feed(
    name: str = "team-ntfy",
    kind: str = "ntfy",
    url: str = "https://ntfy.example.org",
    options: dict[str, str] | None = None,
    interval_s: float = 15.0,
    stale_after_s: float = 120.0,
    enabled: bool = True,
) -> FeedSettings:
    config = FeedConfig(name, kind, url, options or {}, interval_s, stale_after_s)
    return FeedSettings(config, enabled)


def test_a_feed_is_read_with_its_defaults() -> None:
    settings, problems = parse_settings(NTFY, "c.toml")
    assert problems == []
    assert settings.feeds == (feed(options={"topics": "alerts,backups"}),)
    assert settings.enabled_feeds == (settings.feeds[0].config,)
    assert settings.feed("team-ntfy") is settings.feeds[0]
    assert settings.feed("other") is None


def test_every_key_is_read_and_stale_after_follows_the_interval() -> None:
    text = (
        '[[feeds]]\nname = "am"\nkind = "Alertmanager"\nurl = "http://127.0.0.1:9093"\n'
        "interval_s = 60\nenabled = false\n"
        '[[feeds]]\nname = "pd"\nkind = "pagerduty"\nurl = "https://api.pagerduty.com"\n'
        "interval_s = 5.5\nstale_after_s = 600\n"
    )
    settings, problems = parse_settings(text, "c.toml")
    assert problems == []
    am, pd = settings.feeds
    # 4 x 60 s: a feed polled every minute is stale after four missed polls, not two minutes.
    assert am == feed("am", "alertmanager", "http://127.0.0.1:9093", {}, 60, 240, False)
    assert pd.config.interval_s == 5.5 and pd.config.stale_after_s == 600
    assert settings.enabled_feeds == (pd.config,)


def test_pagerduty_and_opsgenie_may_leave_out_the_url() -> None:
    text = (
        '[[feeds]]\nname = "pd"\nkind = "pagerduty"\n'
        '[[feeds]]\nname = "jsm"\nkind = "opsgenie"\n[feeds.options]\napi = "jsm"\n'
    )
    settings, problems = parse_settings(text, "c.toml")
    assert problems == []
    assert [f.config.url for f in settings.feeds] == [
        "https://api.pagerduty.com",
        "https://api.atlassian.com",
    ]


def test_the_template_documents_feeds_and_renders_them_back_exactly() -> None:
    default_text = render_settings()
    comments = "\n".join(line for line in default_text.splitlines() if line.startswith("#"))
    about_feeds = comments[comments.index("# Feeds:") :]
    assert "[[feeds]]" in about_feeds and "[feeds.options]" in about_feeds
    assert "tokens\n# go to the OS keyring, never into this file" in about_feeds
    for key in ("name", "kind", "url", "interval_s", "stale_after_s", "enabled"):
        assert f"#   {key} " in about_feeds
    assert "feeds" not in tomllib.loads(default_text)  # documented, not configured

    custom = Settings(
        feeds=(
            feed(options={"topics": "a", "since": 'say "10m" \\ ok'}),
            feed("am", "alertmanager", "http://am:9093", {}, 30, 900, enabled=False),
        )
    )
    assert parse_settings(render_settings(custom), "c.toml") == (custom, [])


# -- broken entries ----------------------------------------------------------------------------


def two_feeds(bad_second: str) -> str:
    """A good feed first, then the entry under test: its [[feeds]] header is line 8."""
    return NTFY + "\n[[feeds]]\n" + bad_second


@pytest.mark.parametrize(
    ("entry", "line", "words"),
    [
        ('kind = "ntfy"\nurl = "https://x"\n', 8, "the 2nd [[feeds]] entry: has no name"),
        ('name = "a b"\nkind = "ntfy"\nurl = "https://x"\n', 9, 'the name "a b" has characters'),
        ('name = "x"\nkind = "pagerdooty"\nurl = "https://x"\n', 10, '"pagerdooty" is not a feed'),
        ('name = "x"\nurl = "https://x"\n', 9, "has no kind: add kind = one of alertmanager |"),
        ('name = "x"\nkind = "gotify"\n', 9, 'has no url: add url = "https://..."'),
        ('name = "x"\nkind = "gotify"\nurl = "ftp://x"\n', 11, "must start with https://"),
        ('name = "x"\nkind = "gotify"\nurl = "https://u:pw@x"\n', 11, "user name or password"),
        ('name = "x"\nkind = "gotify"\nurl = "https://x"\noptions = 3\n', 12, "must be a table"),
        ('name = "team-ntfy"\nkind = "gotify"\nurl = "https://x"\n', 8, "already named"),
    ],
)
def test_a_broken_entry_is_named_by_line_and_skipped_alone(
    entry: str, line: int, words: str
) -> None:
    settings, problems = parse_settings(two_feeds(entry), "c.toml")
    assert [f.name for f in settings.feeds] == ["team-ntfy"]
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"c.toml: line {line}: ")
    assert words in problems[0]
    assert problems[0].endswith("; this feed is skipped")


def test_a_wrong_tuning_value_keeps_the_feed_with_the_nearest_sane_value() -> None:
    text = (
        '[[feeds]]\nname = "pd"\nkind = "pagerduty"\nurl = "https://api.pagerduty.com"\n'
        'interval_s = 1\nstale_after_s = 3\nenabled = "yes"\n'
        '[[feeds]]\nname = "am"\nkind = "alertmanager"\nurl = "http://am"\n'
        "interval_s = 99999\n"
        '[[feeds]]\nname = "og"\nkind = "opsgenie"\nurl = "https://api.opsgenie.com"\n'
        'interval_s = "fast"\n'
    )
    settings, problems = parse_settings(text, "c.toml")
    pd, am, og = settings.feeds
    # Below PagerDuty's minimum: the minimum, not the default, is closest to what was meant.
    assert pd.config.interval_s == registry.source("pagerduty").min_interval_s == 5
    assert pd.config.stale_after_s == 120
    assert pd.enabled is True
    assert am.config.interval_s == 3600 and am.config.stale_after_s == 4 * 3600
    assert og.config.interval_s == 15
    assert problems == [
        'c.toml: line 5: feed "pd": the interval 1 s is shorter than pagerduty allows: use 5 s '
        "or more (stays inside its rate limit); using 5",
        'c.toml: line 6: feed "pd": stale_after_s 3 s is less than twice the interval (5 s): '
        "one slow poll would raise a feed-down alarm; using 120",
        'c.toml: line 7: feed "pd": enabled = "yes" must be true or false; using true',
        'c.toml: line 12: feed "am": the interval 99999 s is longer than an hour (3600 s): a '
        "feed that slow would miss pages; using 3600",
        'c.toml: line 17: feed "og": interval_s = "fast" is text, not a number of seconds; '
        "using 15",
    ]


def test_a_secret_in_the_file_is_refused_without_repeating_it() -> None:
    text = NTFY.replace('url = "', 'token = "tk_supersecret123"\nurl = "')
    settings, problems = parse_settings(text, "c.toml")
    assert [f.name for f in settings.feeds] == ["team-ntfy"]
    assert settings.feeds[0].config.options == {"topics": "alerts,backups"}
    assert len(problems) == 1
    assert problems[0].startswith('c.toml: line 4: feed "team-ntfy": token does not belong')
    assert "--token-stdin" in problems[0]
    assert "tk_supersecret123" not in problems[0]


def test_bad_options_and_unknown_keys_are_ignored_one_by_one() -> None:
    text = (
        NTFY
        + "since = 10\nbad.key = 'x'\n"
        + NTFY.replace("team-ntfy", "two").replace("url =", "colour = 'red'\nurl =")
    )
    settings, problems = parse_settings(text, "c.toml")
    assert [f.name for f in settings.feeds] == ["team-ntfy", "two"]
    assert settings.feeds[0].config.options == {"topics": "alerts,backups"}
    assert problems == [
        'c.toml: line 7: feed "team-ntfy": option since must be text in quotes, like '
        'since = "..."; ignored',
        # A dotted key inside [feeds.options] is a sub-table: named, and ignored.
        'c.toml: line 8: feed "team-ntfy": option bad must be text in quotes, like '
        'bad = "..."; ignored',
        'c.toml: line 12: feed "two": unknown option colour: a feed has name, kind, url, '
        "interval_s, stale_after_s, enabled, options; ignored",
    ]


def test_feeds_written_as_a_table_or_an_inline_list() -> None:
    settings, problems = parse_settings('[feeds]\nname = "x"\n', "c.toml")
    assert settings.feeds == ()
    assert problems == [
        "c.toml: line 1: feeds must be a list of [[feeds]] tables (two brackets each), "
        "not a table; no feeds are started"
    ]
    inline = (
        'feeds = [{name = "a", kind = "ntfy", url = "https://n", options = {topics = "t"}},\n'
        '         {name = "b", kind = "nope", url = "https://n"}]\n'
    )
    settings, problems = parse_settings(inline, "c.toml")
    assert [f.name for f in settings.feeds] == ["a"]
    assert len(problems) == 1 and problems[0].startswith('c.toml: line 1: feed "b": kind')


@pytest.mark.parametrize("name", ["local", "alertmanager-webhook", "Shiftbell"])
def test_names_of_shiftbells_own_feeds_are_refused(name: str) -> None:
    from shiftbell.settings.feed_rules import name_problem

    problem = name_problem(name)
    assert problem is not None and "reserved" in problem


def test_a_typo_among_a_feeds_options_is_named_with_its_line_and_the_feed_keeps_running() -> None:
    text = """\
[[feeds]]
name = "pd"
kind = "pagerduty"
[feeds.options]
form_email = "me@example.org"
scope = "everyone"
urgencies = "high"
"""
    settings, problems = parse_settings(text, "c.toml")
    [pd] = settings.feeds
    assert pd.config.options == {"urgencies": "high"}
    assert problems == [
        "c.toml: line 5: feed \"pd\": unknown option 'form_email': the options of pagerduty are "
        "auth, scope, user_id, service_ids, urgencies, from_email; ignored",
        "c.toml: line 6: feed \"pd\": option scope = 'everyone' must be one of auto, mine, all; "
        "ignored",
    ]
