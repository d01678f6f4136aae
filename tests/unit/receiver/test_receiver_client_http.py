"""The CLI's own HTTP/1.1 on loopback (receiver/client.py): answers read whole, cut at their
Content-Length or put together from chunks, from a server that closes or one that keeps the
connection open; anything else is a clear error, never a hang."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from shiftbell.receiver.client import (
    ReceiverClient,
    ReceiverClientError,
    ReceiverError,
    parse_answer,
)


def test_an_answer_is_cut_at_its_length_or_put_together_from_its_chunks() -> None:
    plain = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}xx"
    assert parse_answer(plain) == (200, b"{}")
    chunked = (
        b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'4\r\n{"a"\r\n3;ext=1\r\n: 1\r\n1\r\n}\r\n0\r\n\r\n'
    )
    assert parse_answer(chunked) == (404, b'{"a": 1}')


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"SSH-2.0-OpenSSH_9.2\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{}",  # ended early
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
def test_what_is_not_a_whole_http_answer_is_refused(raw: bytes) -> None:
    with pytest.raises(ValueError):
        parse_answer(raw)


@pytest.fixture
def server() -> Iterator[tuple[int, list[bytes], list[bytes]]]:
    """A one-connection-at-a-time server answering each request with the next of `answers`
    and then keeping the connection open for 30 s, as the receiver does (kept alive)."""
    answers: list[bytes] = []
    received: list[bytes] = []
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            with connection:
                received.append(connection.recv(65536))
                connection.sendall(answers.pop(0))
                stop.wait(30)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], answers, received
    stop.set()
    listener.close()
    thread.join(5)


def test_a_chunked_answer_is_read_to_its_last_chunk_without_waiting_for_the_close(
    server: tuple[int, list[bytes], list[bytes]],
) -> None:
    port, answers, _received = server
    answers.append(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        # The middle chunk's data looks like the last chunk: it must not end the reading.
        b'7\r\n{"a": 1\r\n5\r\n0\r\n\r\n\r\n1\r\n}\r\n0\r\n\r\n'
    )
    client = ReceiverClient(f"http://127.0.0.1:{port}", "token", timeout=10)
    assert client.health() == {"a": 10}


def test_an_answer_with_its_length_is_read_without_waiting_for_the_close(
    server: tuple[int, list[bytes], list[bytes]],
) -> None:
    port, answers, _received = server
    answers.append(b'HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{"app": "shiftb"}')
    began = time.monotonic()
    with ReceiverClient(f"http://127.0.0.1:{port}", "token", timeout=10) as client:
        assert client.health() == {"app": "shiftb"}
    assert time.monotonic() - began < 5  # not the 10 s timeout, nor the server's 30 s


def test_a_refusal_is_said_in_the_servers_words(
    server: tuple[int, list[bytes], list[bytes]],
) -> None:
    port, answers, _received = server
    answers.append(b'HTTP/1.1 409 Conflict\r\nContent-Length: 19\r\n\r\n{"error": "no way"}')
    client = ReceiverClient(f"http://127.0.0.1:{port}", "token", timeout=10)
    with pytest.raises(ReceiverError, match="409: no way"):
        client.health()


def test_another_program_that_never_finishes_its_answer_costs_the_timeout_only(
    server: tuple[int, list[bytes], list[bytes]],
) -> None:
    port, answers, _received = server
    answers.append(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
    client = ReceiverClient(f"http://127.0.0.1:{port}", "token", timeout=1)
    with pytest.raises(ReceiverClientError, match="did not answer within 1 s"):
        client.health()


def test_an_id_with_a_line_break_stays_in_the_request_line(
    server: tuple[int, list[bytes], list[bytes]],
) -> None:
    port, answers, received = server
    answers.append(b'HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\n\r\n{"error": "no such"}')
    client = ReceiverClient(f"http://127.0.0.1:{port}", "token", timeout=10)
    with pytest.raises(ReceiverError, match="404"):
        client.ack("x\r\nX-Injected: yes")
    request_line, *headers = received[0].split(b"\r\n\r\n")[0].split(b"\r\n")
    assert request_line == b"POST /api/v1/alerts/x%0D%0AX-Injected:%20yes/ack HTTP/1.1"
    assert not [h for h in headers if h.startswith(b"X-Injected")]
