"""The hand-over report from the real app's database: alerts sent through the receiver,
acknowledged from the CLI, notes written with `shiftbell note`; `shiftbell report` (which
needs no running app) gives Markdown, HTML and JSON with each alert's time_to_ack_s."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from tests.e2e.shiftbell_app import RunningApp

pytestmark = pytest.mark.e2e


def test_report_of_the_last_hour_after_a_busy_hour(
    headless_app: Callable[..., RunningApp],
) -> None:
    app = headless_app()
    app.start()
    db = app.cli("send", "DB primary down", "--severity", "critical").stdout.strip()
    disk = app.cli("send", "Disk | full <b>", "--severity", "warning").stdout.strip()
    open_one = app.cli("send", "API 5xx", "--severity", "critical").stdout.strip()
    app.cli("ack", db)
    app.cli("ack", disk, "--comment", "vendor ticket 42")
    app.cli("note", open_one, "handed", "to", "the", "API", "team")
    app.cli("note", "--shift", "Quiet apart from the DB.")
    app.stop()  # the report reads the database: no app needed

    data = json.loads(app.cli("report", "--since", "1h", "--format", "json").stdout)
    alerts = {a["title"]: a for a in data["alerts"]}
    assert set(alerts) == {"DB primary down", "Disk | full <b>", "API 5xx"}
    assert 0 <= alerts["DB primary down"]["time_to_ack_s"] < 30
    assert alerts["DB primary down"]["acknowledged_by"] == "with the CLI"
    assert alerts["API 5xx"]["time_to_ack_s"] is None and alerts["API 5xx"]["open_at_end"]
    assert alerts["API 5xx"]["note"] == "handed to the API team"
    assert alerts["Disk | full <b>"]["silenced_until"] is None  # local alerts have none
    assert data["fired"] == 3 and data["acknowledged"] == 2 and data["still_open"] == 3
    assert data["note"] == "Quiet apart from the DB."

    markdown = app.cli("report", "--since", "1h").stdout
    assert "**3 alerts fired · 2 acknowledged · 3 still open" in markdown
    assert "Disk \\| full \\<b\\>" in markdown
    assert "handed to the API team" in markdown and "Quiet apart from the DB." in markdown
    page = app.cli("report", "--since", "1h", "--format", "html").stdout
    assert "Disk | full &lt;b&gt;" in page


def test_report_with_a_time_that_is_not_one_says_so(
    headless_app: Callable[..., RunningApp],
) -> None:
    app = headless_app()
    said = app.cli("report", "--since", "yesterday-ish", check=False)
    assert said.returncode == 2
    assert "is neither a time" in said.stderr
