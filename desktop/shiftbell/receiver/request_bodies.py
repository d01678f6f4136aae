"""Reading what a request to the local receiver says: its JSON body (whatever Content-Type
the sender set), a comment, a number of seconds, and who sent it (the CLI or a script). A
request that says it wrongly is `Rejected` with the status and the reason to answer."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from aiohttp import web

from shiftbell.core.errors import PayloadError
from shiftbell.receiver.address import CLI_USER_AGENT_PREFIX

T = TypeVar("T")

MAX_COMMENT = 1000


class Rejected(Exception):
    """A request we refuse; becomes a JSON error answer and a WARNING log line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def comment_in(request: web.Request) -> str:
    """The optional {"comment": "..."} of a request ("" without a body)."""
    if not request.can_read_body:
        return ""
    body = await read_json(request)
    said = body.get("comment", "") if isinstance(body, dict) else None
    if not isinstance(said, str) or len(said) > MAX_COMMENT:
        raise Rejected(400, f"comment: optional, text of at most {MAX_COMMENT} characters")
    return said


def seconds_in(body: object, least: float, most: float) -> float:
    """The required {"seconds": N} of a body, from `least` to `most`."""
    seconds = body.get("seconds") if isinstance(body, dict) else None
    if (
        not isinstance(seconds, int | float)
        or isinstance(seconds, bool)
        or not least <= seconds <= most
    ):
        raise Rejected(400, f"seconds: required, a number from {least:g} to {most:g}")
    return float(seconds)


async def read_json(request: web.Request) -> object:
    """The body as JSON, whatever Content-Type the sender set (not every sender sets one)."""
    raw = await request.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(400, f"request body is not UTF-8 (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise Rejected(
            400,
            f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
        ) from None
    except RecursionError:
        raise Rejected(400, "request body is not valid JSON: nested too deeply") from None


def parsed(parse: Callable[[object], T], body: object) -> T:
    try:
        return parse(body)
    except PayloadError as exc:
        raise Rejected(400, str(exc)) from None


def sender_of(request: web.Request) -> str:
    """ "cli" for Shiftbell's own CLI, "api" for anything else (how the history says it)."""
    agent = request.headers.get("User-Agent", "")
    return "cli" if agent.startswith(CLI_USER_AGENT_PREFIX) else "api"
