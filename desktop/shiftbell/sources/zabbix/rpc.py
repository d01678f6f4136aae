"""Zabbix's JSON-RPC API, version-aware.

`apiinfo.version` needs no sign-in and says which way the token goes: Zabbix up to 6.2 takes
it in the request's top-level `auth` field, 6.4 and later want `Authorization: Bearer` (and
7.2 and later refuse the `auth` field). The version is asked once per connection; a server upgraded
under a running feed answers the wrong style with "Not authorized", and the feed asks again.

Errors come back as HTTP 200 with `{"error": {"code", "message", "data"}}`: an unknown or
expired token is a FeedAuthError, anything else a FeedError with Zabbix's words.
"""

from __future__ import annotations

import itertools
from typing import Any

from shiftbell.core.errors import FeedAuthError, FeedError, FeedPayloadError
from shiftbell.sources.feed import FeedConfig
from shiftbell.sources.http import where_to_fix

VENDOR = "Zabbix"
BEARER_FROM = (6, 4)
_AUTH_WORDS = ("not authorized", "not authorised", "session terminated", "api token")


def api_path(url: str) -> tuple[str, str]:
    """(frontend base URL, API path) from what the person gave: the frontend's address, or
    api_jsonrpc.php itself."""
    base = url.strip().rstrip("/")
    if base.endswith(".php"):
        base = base.rsplit("/", 1)[0]
    return base, "api_jsonrpc.php"


def version_of(text: object) -> tuple[int, int]:
    """(major, minor) of an apiinfo.version answer ("6.0.14"); FeedPayloadError otherwise."""
    parts = text.split(".") if isinstance(text, str) else []
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        raise FeedPayloadError(f"{VENDOR} answered apiinfo.version with {text!r}") from None


class Envelope:
    """Builds JSON-RPC requests for one token and reads their answers."""

    def __init__(self, config: FeedConfig, token: str) -> None:
        self._config = config
        self._token = token
        self._ids = itertools.count(1)
        self.version: tuple[int, int] | None = None

    def request(self, method: str, params: object, *, signed: bool = True) -> dict[str, Any]:
        """The keyword arguments of the HTTP request for `method`."""
        body: dict[str, Any] = {
            "jsonrpc": "2.0",
            "method": method,
            "params": params,
            "id": next(self._ids),
        }
        headers = {"Content-Type": "application/json-rpc"}
        if signed:
            if self.version is not None and self.version >= BEARER_FROM:
                headers["Authorization"] = f"Bearer {self._token}"
            else:
                body["auth"] = self._token
        return {"json": body, "headers": headers}

    def result(self, method: str, answer: object) -> Any:
        """The `result` of an answer; the matching FeedError for an `error`."""
        feed = self._config.name
        if not isinstance(answer, dict) or not ("result" in answer or "error" in answer):
            raise FeedPayloadError(
                f"{VENDOR} answered {method} with something that is not JSON-RPC ({feed}): "
                "is the URL the Zabbix frontend's?"
            )
        error = answer.get("error")
        if error is None:
            return answer["result"]
        said = _said(error)
        if any(word in said.lower() for word in _AUTH_WORDS):
            self.version = None  # perhaps upgraded: ask which style it wants next time
            raise FeedAuthError(
                f"{VENDOR} rejected the API token ({said}): check the API token in "
                f"{where_to_fix(self._config)}"
            )
        raise FeedError(f"{VENDOR} refused {method}: {said} ({feed})")


def _said(error: object) -> str:
    if not isinstance(error, dict):
        return str(error)[:200]
    parts = [error.get("message"), error.get("data")]
    return " ".join(str(p).strip() for p in parts if isinstance(p, str) and p.strip())[:300]
