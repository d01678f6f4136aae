"""The Alertmanager feed's options read once, so a typo fails when the feed is set up: the
label matchers, the silence's duration and author, how the secret is sent, and the URL."""

from __future__ import annotations

import getpass
import re
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

import httpx

from shiftbell.core.errors import (
    FeedConfigError,
)
from shiftbell.sources.alertmanager import SOURCE
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.http import where_to_fix

VENDOR = "Alertmanager"


DEFAULT_SILENCE_DURATION_S = 4 * 60 * 60


def default_created_by() -> str:
    """Who a silence names by default: the person (their login name), so a colleague
    looking at Alertmanager sees who acknowledged, not only that some tool did."""
    try:
        user = getpass.getuser().strip()
    except (OSError, KeyError):  # no login name in the environment or the user database
        user = ""
    return f"{user} via Shiftbell" if user else "Shiftbell"


DEFAULT_COMMENT = "Acknowledged in Shiftbell"


OPTION_NAMES = tuple(option.name for option in SOURCE.feed_options)


# label op value: the operator is what makes it a matcher; Alertmanager checks the rest.
_MATCHER_SHAPE = re.compile(r"^\s*[^=!~\s]+\s*(=~|!~|!=|=)")


class AckMode(StrEnum):
    FOLLOW = "follow"  # a short silence, extended while the alert fires
    FIXED = "fixed"  # one silence of silence_duration


class AuthMode(StrEnum):
    NONE = "none"
    BASIC = "basic"
    BEARER = "bearer"


@dataclass(frozen=True)
class AlertmanagerOptions:
    """The feed's options, read and checked once, so a typo fails when the feed is set up."""

    matchers: tuple[str, ...] = ()
    receiver: str = ""
    ack_mode: AckMode = AckMode.FOLLOW
    silence_duration: timedelta = timedelta(seconds=DEFAULT_SILENCE_DURATION_S)
    created_by: str = field(default_factory=default_created_by)
    comment: str = DEFAULT_COMMENT
    auth: AuthMode = AuthMode.NONE

    @classmethod
    def parse(cls, config: FeedConfig, secret: str) -> AlertmanagerOptions:
        """Raises FeedConfigError naming the option and the feed."""
        options = config.options
        fix = where_to_fix(config)
        unknown = sorted(set(options) - set(OPTION_NAMES))
        if unknown:
            raise FeedConfigError(
                f"{VENDOR} feed {config.name}: unknown option {unknown[0]!r}; the options are "
                f"{', '.join(OPTION_NAMES)} ({fix})"
            )
        try:
            matchers = split_matchers(options.get("filter", ""))
        except ValueError as exc:
            raise FeedConfigError(f"{VENDOR} feed {config.name}: filter: {exc} ({fix})") from None
        duration_text = options.get("silence_duration_s", "").strip()
        duration_s = float(DEFAULT_SILENCE_DURATION_S)
        if duration_text:
            try:
                duration_s = float(duration_text)
            except ValueError:
                duration_s = -1.0
            if not 60 <= duration_s <= 366 * 24 * 3600:
                raise FeedConfigError(
                    f"{VENDOR} feed {config.name}: silence_duration_s: {duration_text!r} is not "
                    f"a number of seconds from 60 to 31622400 (default "
                    f"{DEFAULT_SILENCE_DURATION_S}) ({fix})"
                )
        mode_text = options.get("ack_mode", "").strip().lower() or AckMode.FOLLOW.value
        try:
            ack_mode = AckMode(mode_text)
        except ValueError:
            raise FeedConfigError(
                f"{VENDOR} feed {config.name}: ack_mode: {mode_text!r} is not one of "
                f"{', '.join(m.value for m in AckMode)} ({fix})"
            ) from None
        auth_text = options.get("auth", "").strip().lower()
        if not auth_text:
            auth = AuthMode.BEARER if secret else AuthMode.NONE
        else:
            try:
                auth = AuthMode(auth_text)
            except ValueError:
                raise FeedConfigError(
                    f"{VENDOR} feed {config.name}: auth: {auth_text!r} is not one of "
                    f"{', '.join(m.value for m in AuthMode)} ({fix})"
                ) from None
        if auth is not AuthMode.NONE and not secret:
            raise FeedConfigError(
                f"{VENDOR} feed {config.name}: auth is {auth.value} but no secret is stored; "
                f"set it in {fix}"
            )
        if auth is AuthMode.BASIC and ":" not in secret:
            # Never quote the secret: it is a password, even when it is a wrong one.
            raise FeedConfigError(
                f"{VENDOR} feed {config.name}: with auth=basic the secret must be "
                f"user:password (no colon found); set it in {fix}"
            )
        return cls(
            matchers=matchers,
            receiver=options.get("receiver", "").strip(),
            ack_mode=ack_mode,
            silence_duration=timedelta(seconds=duration_s),
            created_by=options.get("created_by", "").strip() or default_created_by(),
            comment=options.get("comment", "").strip() or DEFAULT_COMMENT,
            auth=auth,
        )


def base_url_of(config: FeedConfig) -> str:
    """The API root from what a person pasted: the UI address (with #/alerts) works too."""
    text = config.url.strip()
    try:
        url = httpx.URL(text)
    except httpx.InvalidURL:
        url = None
    if url is None or url.scheme not in ("http", "https") or not url.host:
        raise FeedConfigError(
            f"{VENDOR} feed {config.name}: URL {text!r} must look like http://host:9093 "
            f"({where_to_fix(config)})"
        )
    path = url.path.rstrip("/")
    for suffix in ("/api/v2", "/api/v1"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
    return str(url.copy_with(path=path or "/", query=None, fragment=None)).rstrip("/")


def split_matchers(text: str) -> tuple[str, ...]:
    """`team="db", env=~"a,b"` -> ('team="db"', 'env=~"a,b"'): commas inside quotes stay.

    Raises ValueError for an unclosed quote or a part that is not a matcher.
    Braces around the whole list (PromQL style) are accepted and dropped.
    """
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1]
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in body:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    if quoted:
        raise ValueError(f"{text.strip()!r} has a quote that is not closed")
    parts.append("".join(current).strip())
    matchers = tuple(part for part in parts if part)
    for matcher in matchers:
        if not _MATCHER_SHAPE.match(matcher):
            raise ValueError(
                f'{matcher!r} is not a matcher such as team="db" (operators: = != =~ !~)'
            )
    return matchers
