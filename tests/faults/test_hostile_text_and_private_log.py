"""Smaller holes, on the real app: hostile alert text on the terminal,
a log that is the person's alone and not flooded by one line per request."""

from __future__ import annotations

import stat

import pytest
from tests.faults.helpers import HeadlessApp

pytestmark = pytest.mark.e2e


def test_escape_sequences_and_huge_titles_reach_the_terminal_as_short_plain_text(
    headless_app: HeadlessApp,
) -> None:
    app = headless_app()
    app.start()
    hostile = "\x1b]0;pwned\x07\x1b[2JDisk full " + "x" * 100_000
    assert app.api("POST", "alerts", {"title": hostile}).status_code == 201
    alert_id = app.status()[0]["id"]
    for command in (("status",), ("ack", alert_id)):
        output = app.cli(*command).stdout
        assert "\x1b" not in output and "\x07" not in output
        assert "\\x1b]0;pwned\\x07\\x1b[2JDisk full" in output
        assert max(len(line) for line in output.splitlines()) < 300

    log = app.home.log_file
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(log.parent.stat().st_mode) == 0o700
    assert "HTTP Request:" not in app.log()
