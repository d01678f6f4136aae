"""A stand-in for systemd-logind on a bus of the test's own: the Manager's Inhibit method and
its PrepareForSleep / PrepareForShutdown signals, as documented in org.freedesktop.login1(5).

Run as a process: `python -m tests.helpers.fake_logind ADDRESS`. It prints `ready` once it
owns the name, then reads commands on standard input, one per line: `sleep`, `resume`,
`shutdown`. For each it prints what it saw, so the test can wait on it:
- `inhibited WHAT WHO MODE` when a program takes an inhibitor lock;
- `released N` when the N-th lock's file descriptor was closed (the program let go);
- `emitted SIGNAL true|false`.
"""

from __future__ import annotations

import asyncio
import os
import sys

from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method, signal

NAME = "org.freedesktop.login1"
PATH = "/org/freedesktop/login1"


def say(text: str) -> None:
    print(text, flush=True)


class Manager(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.freedesktop.login1.Manager")
        self.locks = 0
        self.watches: set[asyncio.Task[None]] = set()

    @method()
    def Inhibit(self, what: s, who: s, why: s, mode: s) -> h:  # type: ignore[name-defined]  # noqa: F821
        read_end, write_end = os.pipe()
        self.locks += 1
        number = self.locks
        say(f"inhibited {what} {who} {mode}")
        loop = asyncio.get_running_loop()
        watch = loop.create_task(_watch_release(read_end, number))
        self.watches.add(watch)
        # Our copy of the program's end goes once the reply carried it over (dbus-fast sends
        # the reply after this returns, on the same loop).
        loop.call_later(1.0, os.close, write_end)
        return write_end

    @signal()
    def PrepareForSleep(self, start: bool) -> b:  # type: ignore[name-defined]  # noqa: F821
        return start

    @signal()
    def PrepareForShutdown(self, start: bool) -> b:  # type: ignore[name-defined]  # noqa: F821
        return start


async def _watch_release(read_end: int, number: int) -> None:
    """logind keeps its end of the pipe; EOF there means every copy of the program's end is
    closed: the lock was released."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    loop.add_reader(read_end, lambda: done.done() or done.set_result(None))
    await done
    loop.remove_reader(read_end)
    os.close(read_end)
    say(f"released {number}")


async def main(address: str) -> None:
    bus = await MessageBus(bus_address=address, negotiate_unix_fd=True).connect()
    manager = Manager()
    bus.export(PATH, manager)
    await bus.request_name(NAME)
    say("ready")
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        if line == "sleep":
            manager.PrepareForSleep(True)
            say("emitted PrepareForSleep true")
        elif line == "resume":
            manager.PrepareForSleep(False)
            say("emitted PrepareForSleep false")
        elif line == "shutdown":
            manager.PrepareForShutdown(True)
            say("emitted PrepareForShutdown true")


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
