"""Sign in to a web server the way it asks: basic or digest, read from its 401.

Nagios' CGIs sit behind the web server's own authentication, and installations differ:
upstream's Apache snippet asks for basic, Debian's nagios4 package for digest. Nothing is sent
before the server has asked, so a password never goes out as basic to a server that wanted
digest; once it has asked, every later request answers in its scheme at once.
"""

from __future__ import annotations

from collections.abc import Generator

import httpx


class ServerChosenAuth(httpx.Auth):
    """Basic or digest authentication, whichever the server's WWW-Authenticate names."""

    def __init__(self, user: str, password: str) -> None:
        self._schemes: dict[str, httpx.Auth] = {
            "basic": httpx.BasicAuth(user, password),
            "digest": httpx.DigestAuth(user, password),
        }
        self._chosen: httpx.Auth | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._chosen is not None:
            yield from self._chosen.auth_flow(request)
            return
        response = yield request
        if response.status_code != 401:
            return
        scheme = response.headers.get("www-authenticate", "").split(" ", 1)[0].lower()
        self._chosen = self._schemes.get(scheme)
        if self._chosen is not None:
            yield from self._chosen.auth_flow(request)
