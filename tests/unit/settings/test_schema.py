"""The schema is the one list of the sections' keys: the template writes exactly those keys,
and the loader knows exactly those (an unknown key is reported, a declared one is not)."""

import tomllib

from shiftbell.settings import schema
from shiftbell.settings.template import DEFAULT_SETTINGS, SEVERITIES, render_settings
from shiftbell.settings.toml_store import parse_settings


def test_the_template_writes_exactly_the_declared_keys() -> None:
    written = tomllib.loads(render_settings(DEFAULT_SETTINGS))
    for section, keys in schema.SECTIONS.items():
        assert tuple(written[section]) == schema.names(keys), section
    for severity in SEVERITIES:
        assert tuple(written["escalation"][severity]) == schema.names(schema.SEVERITY)
    assert set(written) <= set(schema.TOP_LEVEL)


def test_the_loader_knows_every_declared_key_and_no_other() -> None:
    _, problems = parse_settings(render_settings(DEFAULT_SETTINGS), "c.toml")
    assert problems == []
    _, problems = parse_settings("[schedule]\nquiet_hour = '22:00-07:00'\n", "c.toml")
    [problem] = problems
    assert "unknown option schedule.quiet_hour" in problem
    assert ", ".join(schema.names(schema.SCHEDULE)) in problem


def test_zero_means_never_only_where_declared() -> None:
    assert schema.zero_is_never(("escalation", "critical", "siren_after_s"))
    assert not schema.zero_is_never(("escalation", "critical", "ramp_s"))
    assert not schema.zero_is_never(("schedule", "reminder_before_s"))
    help_text = "\n".join(schema.help_lines(schema.SEVERITY))
    for key in schema.SEVERITY:
        assert key.name in help_text
        if key.type is schema.ValueType.SECONDS_OR_NEVER:
            assert "0 = never" in key.help
