"""What makes a `[[phones]]` entry valid, for the loader, the editor and the CLI (as
feed_rules and schedule_rules are for theirs): each check returns None or the reason."""

from __future__ import annotations

from shiftbell.phones import registry
from shiftbell.phones.channel import PhoneConfig
from shiftbell.settings.feed_rules import name_problem, option_problem, url_problem
from shiftbell.settings.kinds import PHONE_KINDS
from shiftbell.sources.spec import option_problems


def phone_name_problem(name: str) -> str | None:
    why = name_problem(name)
    return why.replace("the feed", "the phone") if why is not None else None


def options_problems(
    kind: str, options: dict[str, str], *, check_required: bool = True
) -> list[str]:
    spec = registry.find(kind)
    if spec is None:
        return [PHONE_KINDS.problem(kind) or kind]
    found = [why for key, value in options.items() if (why := option_problem(key, value))]
    texts = {k: v for k, v in options.items() if isinstance(v, str)}
    return found + option_problems(
        spec.options, texts, f"{kind} phones", check_required=check_required
    )


def phone_problems(config: PhoneConfig) -> list[str]:
    """Everything wrong with a phone channel built in code (the CLI, the Settings window)."""
    found = [phone_name_problem(config.name), PHONE_KINDS.problem(config.kind)]
    found.append(url_problem(config.url))
    problems = [p for p in found if p is not None]
    if PHONE_KINDS.parse(config.kind) is not None:
        problems += options_problems(config.kind, dict(config.options))
    return problems
