"""Talks to a running Shiftbell through its local receiver; what the `shiftbell` command uses.

One HTTP/1.1 request per connection over a plain socket, with short timeouts: a command-line
call should answer or fail within seconds, and `shiftbell ack` should not spend a fifth of a
second importing an HTTP stack (even http.client costs a third of the command's imports) to
send one request on loopback. An https:// receiver (SHIFTBELL_URL) goes through http.client.
Every failure becomes a `ReceiverClientError` whose message a person can act on; the CLI
prints it as it is.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlsplit

from shiftbell import __version__
from shiftbell.core.errors import ShiftbellError
from shiftbell.receiver.address import CLI_USER_AGENT_PREFIX

DEFAULT_TIMEOUT_S = 5.0


class ReceiverClientError(ShiftbellError):
    """The running app could not be asked, or refused; the message says which and why."""


class NotRunningError(ReceiverClientError):
    """Nothing listens at the receiver's address: Shiftbell is not running."""

    def __init__(self, url: str) -> None:
        super().__init__(
            f"Shiftbell is not running: start it with `shiftbell` (no receiver at {url})."
        )
        self.url = url


class OtherUsersReceiverError(NotRunningError):
    """What listens at the receiver's port is another user's: this user's app is not running."""

    def __init__(self, port: int, uid: int) -> None:
        ReceiverClientError.__init__(
            self,
            f"Shiftbell is not running for you: port {port} on 127.0.0.1 belongs to another "
            f"user's program (uid {uid}); start yours with `shiftbell`.",
        )


class TokenRejectedError(ReceiverClientError):
    """The receiver answered 401: our token is not the one it accepts."""


class ReceiverError(ReceiverClientError):
    """The receiver answered with an error status; `message` is its own JSON `error`."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"the receiver answered {status}: {message}")
        self.status = status
        self.message = message


class ReceiverClient:
    """One running app's receiver API. Use as a context manager, or call `close()`.

    Each call is one connection: on loopback that costs nothing, and a connection the app
    closed in between can never turn into a confusing error.
    """

    def __init__(self, base_url: str, token: str, *, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ReceiverClientError(f"{base_url!r} is not an http:// address of a receiver")
        self._https = parts.scheme == "https"
        self._host = parts.hostname
        try:
            self._port = parts.port
        except ValueError:
            raise ReceiverClientError(f"{base_url!r} has a port that is not a number") from None
        self._prefix = parts.path
        self._timeout = timeout
        # Never through a proxy from the environment (http.client uses none): the request
        # carries the token and is meant for this machine only.
        self._headers = {
            "Authorization": f"Bearer {token}",
            "User-Agent": f"{CLI_USER_AGENT_PREFIX}{__version__}",
            "Accept": "application/json",
        }

    def __enter__(self) -> ReceiverClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Nothing stays open between calls; kept so callers need not know."""

    # -- the API -----------------------------------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._call("GET", "/api/v1/health")

    def check(self) -> dict[str, Any]:
        """Run the pre-shift check now: {"ok": bool, "items": [{key, what, ok, detail, fix}]}."""
        return self._call("POST", "/api/v1/check")

    def show_window(self) -> None:
        self._call("POST", "/api/v1/show")

    def test_alarm(self) -> None:
        self._call("POST", "/api/v1/test-alarm")

    def reload(self) -> None:
        """Ask the running app to read its feeds from the config file again."""
        self._call("POST", "/api/v1/reload")

    def snooze(self, minutes: int) -> None:
        self._call("POST", "/api/v1/snooze", {"minutes": minutes})

    def send(
        self,
        title: str,
        *,
        severity: str | None = None,
        summary: str | None = None,
        url: str | None = None,
        key: str | None = None,
        labels: Mapping[str, str] | None = None,
        resolve: bool = False,
    ) -> dict[str, Any]:
        """Send one alert; the answer has `alerts` (and `not_found` for a key already gone)."""
        alert: dict[str, Any] = {"title": title}
        optional = {"severity": severity, "summary": summary, "url": url, "key": key}
        alert.update({name: value for name, value in optional.items() if value is not None})
        if labels:
            alert["labels"] = dict(labels)
        if resolve:
            alert["status"] = "resolved"
        return self._call("POST", "/api/v1/alerts", alert)

    def alerts(self) -> list[dict[str, Any]]:
        """The active alerts of every feed, most urgent first."""
        return list(self._call("GET", "/api/v1/alerts")["alerts"])

    def ack(self, alert_id: str, comment: str = "") -> list[dict[str, Any]]:
        body = {"comment": comment} if comment else None
        return list(self._call("POST", f"/api/v1/alerts/{alert_id}/ack", body)["alerts"])

    def resolve(self, alert_id: str, comment: str = "") -> list[dict[str, Any]]:
        """Resolve it (at its source; one sent here at once); the alert as it is now."""
        body = {"comment": comment} if comment else None
        return list(self._call("POST", f"/api/v1/alerts/{alert_id}/resolve", body)["alerts"])

    def unack(self, alert_id: str) -> list[dict[str, Any]]:
        """Take an acknowledgement back: the alert fires (and alarms) again."""
        return list(self._call("POST", f"/api/v1/alerts/{alert_id}/unack")["alerts"])

    def silence(self, alert_id: str, seconds: float, comment: str = "") -> list[dict[str, Any]]:
        body = {"seconds": seconds, "comment": comment}
        return list(self._call("POST", f"/api/v1/alerts/{alert_id}/silence", body)["alerts"])

    def snooze_alert(self, alert_id: str, seconds: float) -> dict[str, Any]:
        return self._call("POST", f"/api/v1/alerts/{alert_id}/snooze", {"seconds": seconds})

    def ack_all(self) -> list[dict[str, Any]]:
        """Acknowledge everything; returns the alerts that were firing until now."""
        return list(self._call("POST", "/api/v1/ack-all")["alerts"])

    # -- plumbing ----------------------------------------------------------------------------

    def _call(self, method: str, path: str, body: object = None) -> dict[str, Any]:
        payload = None if body is None else json.dumps(body).encode()
        headers = dict(self._headers)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        exchange = self._exchange_https if self._https else self._exchange
        status, raw = exchange(method, self._prefix + path, payload, headers)
        data = _json_or_none(raw)
        if status == 401:
            detail = data.get("error", "") if data else ""
            raise TokenRejectedError(
                f"the receiver at {self.base_url} rejected the token ({detail or 'HTTP 401'}): "
                "another program, or a Shiftbell with another data dir, may be on that port"
            )
        if status >= 400:
            message = data.get("error") if data else None
            text = raw[:200].decode("utf-8", "replace")
            raise ReceiverError(status, str(message or text))
        if data is None:
            raise ReceiverClientError(
                f"{self.base_url} answered something that is not Shiftbell's JSON: "
                "is another program on that port?"
            )
        return data

    def _exchange(
        self, method: str, target: str, payload: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        """Send one request, read the answer to the end; (status, body)."""
        host = f"[{self._host}]" if ":" in self._host else self._host  # an IPv6 address
        # An alert id typed by hand may hold anything: a space or a line break must not
        # break (or add to) the request line.
        target = quote(target, safe="/?=&%:@-._~+,")
        lines = [f"{method} {target} HTTP/1.1", f"Host: {host}:{self._port or 80}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        # No `Connection: close`: the side that closes first keeps the port in TIME_WAIT, and
        # that must be this end's passing port, not the receiver's (another program could
        # not take the port for a minute after Shiftbell stopped).
        lines += [f"Content-Length: {len(payload or b'')}", "", ""]
        request = "\r\n".join(lines).encode("latin-1") + (payload or b"")
        try:
            sock = socket.create_connection((self._host, self._port or 80), self._timeout)
        except TimeoutError:
            raise self._no_answer() from None
        except OSError:
            raise NotRunningError(self.base_url) from None
        try:
            with sock:
                sock.sendall(request)
                raw = _read_answer(sock)
        except TimeoutError:
            raise self._no_answer() from None
        except OSError as exc:
            raise ReceiverClientError(f"cannot talk to {self.base_url}: {exc}") from None
        try:
            return parse_answer(raw)
        except ValueError as exc:
            raise ReceiverClientError(f"cannot talk to {self.base_url}: {exc}") from None

    def _exchange_https(
        self, method: str, target: str, payload: bytes | None, headers: dict[str, str]
    ) -> tuple[int, bytes]:
        import http.client

        connection = http.client.HTTPSConnection(self._host, self._port, timeout=self._timeout)
        try:
            try:
                connection.connect()
            except TimeoutError:
                raise self._no_answer() from None
            except OSError:
                raise NotRunningError(self.base_url) from None
            try:
                connection.request(method, target, body=payload, headers=headers)
                response = connection.getresponse()
                return response.status, response.read()
            except TimeoutError:
                raise self._no_answer() from None
            except (OSError, http.client.HTTPException) as exc:
                raise ReceiverClientError(f"cannot talk to {self.base_url}: {exc}") from None
        finally:
            connection.close()

    def _no_answer(self) -> ReceiverClientError:
        return ReceiverClientError(
            f"Shiftbell at {self.base_url} did not answer within {self._timeout:g} s: "
            "it may be busy or hung; its log says more"
        )


def _json_or_none(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def parse_answer(raw: bytes) -> tuple[int, bytes]:
    """(status, body) of a whole HTTP/1.1 answer read until the server closed; ValueError
    if it is not one. The body is cut at Content-Length, or put together from chunks."""
    head, found, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    version, _, rest = status_line.partition(" ")
    if not found or not version.startswith("HTTP/1.") or not rest[:3].isdigit():
        raise ValueError("the answer is not HTTP")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        return int(rest[:3]), _unchunked(body)
    length = headers.get("content-length")
    if length is not None:
        if not length.isdigit() or len(body) < int(length):
            raise ValueError("the answer ended early")
        body = body[: int(length)]
    return int(rest[:3]), body


def _read_answer(sock: socket.socket) -> bytes:
    """As soon as the answer is whole (its Content-Length, or its last chunk), else until the
    server closes: the connection is kept open, so waiting for the close would cost the
    timeout."""
    buffer = bytearray()
    expected: int | None = None
    chunked = False
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buffer += chunk
        if expected is None and not chunked:
            expected, chunked = _framing(buffer)
        if expected is not None and len(buffer) >= expected:
            break
        if chunked and _whole_chunks(bytes(buffer)):
            break
    return bytes(buffer)


def _framing(buffer: bytearray) -> tuple[int | None, bool]:
    """(the answer's whole length, whether it is chunked), from its head once it is in."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None, False
    for line in bytes(buffer[:end]).split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name, value = name.strip().lower(), value.strip()
        if name == b"content-length" and value.isdigit():
            return end + 4 + int(value), False
        if name == b"transfer-encoding" and value.lower() == b"chunked":
            return None, True
    return None, False  # no length: to the end


def _whole_chunks(raw: bytes) -> bool:
    try:
        _unchunked(raw.partition(b"\r\n\r\n")[2])
    except ValueError:
        return False
    return True


def _unchunked(body: bytes) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line, found, body = body.partition(b"\r\n")
        if not found:
            raise ValueError("the answer ended early")
        size = int(size_line.split(b";")[0].strip() or b"x", 16)  # ValueError when garbled
        if size == 0:
            return b"".join(parts)
        if len(body) < size + 2:
            raise ValueError("the answer ended early")
        if body[size : size + 2] != b"\r\n":
            raise ValueError("a chunk of the answer is garbled")
        parts.append(body[:size])
        body = body[size + 2 :]
