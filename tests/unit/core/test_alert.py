"""What an alert offers to open: its links, then its own url, web pages only."""

from datetime import UTC, datetime

from shiftbell.core.alert import Alert, AlertKey, Link, Severity, Status

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


def alert(url: str, links: tuple[Link, ...]) -> Alert:
    return Alert(
        id="a1",
        key=AlertKey("f", "s"),
        title="t",
        severity=Severity.WARNING,
        status=Status.FIRING,
        started_at=T0,
        alarm_since=T0,
        updated_at=T0,
        url=url,
        links=links,
    )


def test_the_alerts_own_url_comes_last_and_only_once() -> None:
    runbook = Link("Runbook", "https://wiki.test/r")
    graph = Link("Graph", "https://p.test/g")
    assert alert("https://p.test/g", (runbook, graph)).web_links() == [runbook, graph]
    assert alert("https://x.test/", (runbook,)).web_links() == [
        runbook,
        Link("Open x.test", "https://x.test/"),
    ]


def test_only_web_pages_are_offered() -> None:
    links = (Link("Runbook", "file:///etc/passwd"), Link("Dash", "HTTPS://d.test"))
    assert alert("javascript:alert(1)", links).web_links() == [Link("Dash", "HTTPS://d.test")]
