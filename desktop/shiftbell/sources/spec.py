"""What a source declares about itself: one `SourceSpec` per vendor, in `sources/<vendor>/`.

Everything the rest of Shiftbell needs to know about a vendor lives on its declaration: the id
people write in config.toml and on the command line, the name they know it by, what its secret
is called and whether it needs one, its default and example URL, its shortest poll interval,
its options (typed, with help), what it can do, and how to open its feed and its schedule.
The registry is the list of these declarations; no other module keeps a table keyed by kind
(tests/unit/sources/test_registry.py fails on one).

Opening a feed or a schedule imports the vendor's HTTP code only then, so a declaration is
cheap to import and starting Shiftbell does not load clients for sources nobody configured.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from shiftbell.core.errors import FeedConfigError

if TYPE_CHECKING:
    import httpx

    from shiftbell.sources.feed import Feed, FeedConfig
    from shiftbell.sources.schedule import ScheduleSource, ScheduleSourceConfig


class SecretNeed(StrEnum):
    """Whether a source needs a secret (token, API key) to work."""

    NONE = "none"
    OPTIONAL = "optional"
    REQUIRED = "required"


class Ability(StrEnum):
    """What a source can do besides listing alerts; the front-ends offer only what it has."""

    ACKNOWLEDGE = "acknowledge"  # acknowledged at the source, not only in Shiftbell
    UNACKNOWLEDGE = "unacknowledge"
    SILENCE = "silence"  # silence an alert for a chosen duration
    WHO_ACKNOWLEDGED = "who-acknowledged"
    RESOLVE = "resolve"
    LINKS = "links"  # alerts carry a link to open in the browser
    PUSH = "push"  # events arrive as they happen (a stream), not by polling
    SCHEDULE = "schedule"  # the person's on-call shifts


class OptionType(StrEnum):
    """How an option's text is read. Every option is text in config.toml."""

    TEXT = "text"
    CHOICE = "choice"  # one of `choices`, case-insensitive
    LIST = "list"  # comma-separated values
    SECONDS = "seconds"  # a number of seconds above 0 (and at least `minimum`)
    INTEGER = "integer"  # a whole number within `minimum`..`maximum`
    URL = "url"  # https:// or http://
    EMAIL = "email"


@dataclass(frozen=True)
class Option:
    """One option of a source: `[feeds.options]` or `[schedules.options]` in config.toml.

    Attributes:
        name: the key, as written in the file and after `--option`.
        help: one or more sentences for the Settings form, `feed kinds KIND`, the template
            and the README.
        type: how the text is read.
        default: the value used when the option is not set, as the person would write it
            ("" when unset means something the help explains).
        required: the source cannot work without it.
        secret: the value is a credential: shown masked, never logged.
        choices: the allowed values of a CHOICE option.
        minimum, maximum: bounds of SECONDS and INTEGER options.
        advice: said when the option is not set although it is not required (the feed runs,
            but something will not work).
    """

    name: str
    help: str
    type: OptionType = OptionType.TEXT
    default: str = ""
    required: bool = False
    secret: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    advice: str = ""

    def read(self, text: str) -> Any:
        """The value of `text` as this option's type; ValueError with the reason if it is not.

        Empty text reads as the default (None when there is none).
        """
        value = text.strip()
        if not value:
            value = self.default
            if not value:
                return None
        if self.type is OptionType.CHOICE:
            lowered = value.lower()
            if lowered not in self.choices:
                raise ValueError(f"must be one of {', '.join(self.choices)}")
            return lowered
        if self.type is OptionType.LIST:
            return tuple(part.strip() for part in value.split(",") if part.strip())
        if self.type is OptionType.SECONDS:
            return self._number(value, "a number of seconds above 0", whole=False)
        if self.type is OptionType.INTEGER:
            return int(self._number(value, "a whole number", whole=True))
        if self.type is OptionType.URL:
            if urlsplit(value).scheme.lower() not in ("http", "https"):
                raise ValueError("must be a link starting with https:// or http://")
            return value
        if self.type is OptionType.EMAIL and "@" not in value:
            raise ValueError("must be an email address")
        return value

    def problem(self, text: str) -> str | None:
        """None when `text` is a valid value, else "option NAME = 'x' must be ..."."""
        try:
            self.read(text)
        except ValueError as exc:
            return f"option {self.name} = {text!r} {exc}"
        return None

    def _number(self, text: str, what: str, *, whole: bool) -> float:
        try:
            number = float(int(text)) if whole else float(text)
        except ValueError:
            raise ValueError(f"must be {what}{self._range()}") from None
        too_low = self.minimum is not None and number < self.minimum
        too_high = self.maximum is not None and number > self.maximum
        not_positive = not whole and number <= 0  # a duration of 0 s means nothing
        if not math.isfinite(number) or too_low or too_high or not_positive:
            raise ValueError(f"must be {what}{self._range()}")
        return number

    def _range(self) -> str:
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f" from {low:g} to {high:g}"
        if low is not None:
            return f", {low:g} or more"
        return ""

    def describe(self) -> str:
        """The help with whether it is required and its default, for people (the type and
        the choices are shown beside it)."""
        parts = [self.help.rstrip()]
        if self.required:
            parts.insert(0, "Required.")
        if self.default:
            parts.append(f"Default: {self.default}.")
        return " ".join(parts)


def option_problems(
    declared: tuple[Option, ...],
    given: Mapping[str, str],
    owner: str,
    *,
    check_required: bool = True,
) -> list[str]:
    """What is wrong with `given` against `declared`, each a sentence naming the key.

    `owner` says whose options these are ("pagerduty", "ics schedules"), for the message on an
    unknown key, which lists the known ones so a typo is easy to see. Without
    `check_required`, a missing required option is not a problem (the form marks it, and the
    feed says so when it starts).
    """
    by_name = {option.name: option for option in declared}
    found = []
    for key, value in given.items():
        option = by_name.get(key)
        if option is None:
            known = ", ".join(by_name) or "none"
            found.append(f"unknown option {key!r}: the options of {owner} are {known}")
            continue
        why = option.problem(value)
        if why is not None:
            found.append(why)
    for option in declared if check_required else ():
        if option.required and not given.get(option.name, "").strip():
            found.append(f"the option {option.name} is required: {option.help}")
    return found


def option_values(declared: tuple[Option, ...], given: Mapping[str, str]) -> dict[str, Any]:
    """Every declared option read to its type (None when unset with no default).

    Raises ValueError on the first problem; check with `option_problems` first for messages.
    """
    values = {}
    for option in declared:
        values[option.name] = option.read(given.get(option.name, ""))
    return values


@dataclass(frozen=True)
class ScheduleRequest:
    """What opening a schedule needs besides its own settings.

    Attributes:
        config: the `[[schedules]]` entry.
        options: its options, read to their types (`option_values`).
        tz: the person's local zone (floating calendar times, all-day events).
        lookbehind, lookahead: the stretch of time to fetch around now.
        feed, secret: the alert feed (and its secret) a vendor schedule signs in through.
        transport: httpx transport for tests; None in the app.
    """

    config: ScheduleSourceConfig
    options: Mapping[str, Any]
    tz: tzinfo
    lookbehind: timedelta
    lookahead: timedelta
    feed: FeedConfig | None = None
    secret: str = field(default="", repr=False)
    transport: httpx.AsyncBaseTransport | None = None


class OpenFeed(Protocol):
    """Builds a feed without I/O: a vendor's feed class, through `lazy`."""

    def __call__(
        self, config: FeedConfig, secret: str, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> Feed: ...


OpenSchedule = Callable[[ScheduleRequest], "ScheduleSource"]


def abilities(names: str) -> frozenset[Ability]:
    """The abilities named in `names` (their values, space-separated): a declaration's line."""
    return frozenset(Ability(name) for name in names.split())


@dataclass(frozen=True)
class Secret:
    """What a source's secret is.

    Attributes:
        need: whether a secret is needed.
        word: what the vendor calls it ("API key"), in messages and the form.
        hint: one line on when the secret is needed, for the Settings form.
    """

    need: SecretNeed
    word: str
    hint: str = ""

    @classmethod
    def required(cls, word: str, *, hint: str = "") -> Secret:
        return cls(SecretNeed.REQUIRED, word, hint)

    @classmethod
    def optional(cls, word: str, *, hint: str = "") -> Secret:
        return cls(SecretNeed.OPTIONAL, word, hint)

    @classmethod
    def none(cls, word: str) -> Secret:
        """No secret is needed; `word` names what stands in the keyring instead, if anything."""
        return cls(SecretNeed.NONE, word)


@dataclass(frozen=True)
class Address:
    """Where a source lives.

    Attributes:
        example: a placeholder for the URL field.
        help: one line on what the URL is.
        default: where the service lives when no URL is given; None when it has no usual
            address. `for_options` may pick another from the options (JSM Ops).
    """

    example: str
    help: str = ""
    default: str | None = None
    for_options: Callable[[Mapping[str, str]], str | None] | None = None


@dataclass(frozen=True)
class SourceSpec:
    """One vendor, declared once. See the module docstring.

    Attributes:
        id: the kind in config.toml and on the command line ("pagerduty").
        name: the vendor's name in messages ("PagerDuty").
        secret: what its secret is called and whether it needs one.
        address: its example and default URL.
        label: the name in lists where people pick a kind ("Nagios 4"); the name when empty.
        min_interval_s: the shortest poll interval, to stay inside the vendor's rate limit.
        abilities: what it can do (`Ability`).
        feed_options, schedule_options: the options of its feed and of its schedule.
        open_feed: builds its alert feed (no I/O); None for a schedule-only source.
        open_schedule: builds its schedule source; None when it has no schedule.
        schedule_interval_s: how often its schedule is fetched by default.
        schedule_noun: what people call its schedule ("calendar", "schedule").
        schedule_signs_in_through_feed: the schedule uses an alert feed's account (option
            `feed`); otherwise it has a `location` of its own (a link or a file).
    """

    id: str
    name: str
    secret: Secret
    address: Address
    label: str = ""
    min_interval_s: float = 5.0
    abilities: frozenset[Ability] = frozenset()
    feed_options: tuple[Option, ...] = ()
    schedule_options: tuple[Option, ...] = ()
    open_feed: OpenFeed | None = None
    open_schedule: OpenSchedule | None = None
    schedule_interval_s: float = 300.0
    schedule_noun: str = "schedule"
    schedule_signs_in_through_feed: bool = True

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)

    @property
    def has_feed(self) -> bool:
        return self.open_feed is not None

    @property
    def has_schedule(self) -> bool:
        return self.open_schedule is not None

    def url_for(self, options: Mapping[str, str]) -> str | None:
        """The URL to use when the person gives none, or None when there is no usual one."""
        if self.address.for_options is not None:
            found = self.address.for_options(options)
            if found is not None:
                return found
        return self.address.default

    def feed_option(self, name: str) -> Option | None:
        return next((option for option in self.feed_options if option.name == name), None)

    def feed_advice(self, options: Mapping[str, str]) -> list[str]:
        """Warnings for options that are missing but not required."""
        return [
            option.advice
            for option in self.feed_options
            if option.advice and not options.get(option.name, "").strip()
        ]


def lazy(module: str, attribute: str, vendor: str) -> Callable[..., Any]:
    """A callable that imports `module` on its first call and calls its `attribute`.

    A build of Shiftbell without the module says so, naming the vendor, instead of failing
    when the registry is imported; a module that exists but lacks a library is a real bug and
    raises as it is.
    """

    return _Lazy(module, attribute, vendor)


class _Lazy:
    """See `lazy`; `module` says what `importable` tries."""

    def __init__(self, module: str, attribute: str, vendor: str) -> None:
        self.module, self.attribute, self.vendor = module, attribute, vendor

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        module, attribute, vendor = self.module, self.attribute, self.vendor
        try:
            loaded = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
            raise FeedConfigError(
                f"this version of Shiftbell cannot run {vendor} yet (no {module})"
            ) from None
        found = getattr(loaded, attribute, None)
        if not callable(found):
            raise FeedConfigError(
                f"this version of Shiftbell cannot run {vendor} yet ({module} has no {attribute})"
            )
        return found(*args, **kwargs)


def importable(opener: Callable[..., Any] | None) -> bool:
    """Whether a source's opener can load its code in this build (False for None)."""
    if opener is None:
        return False
    module = getattr(opener, "module", None)
    if module is None:
        return True
    try:
        importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return False
    return True
