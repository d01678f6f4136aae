"""The hand-over report (core/handover.py, core/handover_text.py) on a fake clock: what a shift
holds, time to acknowledge, what is still open, silences into the next shift, notes, and
alert text that tries to be Markdown or HTML."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from shiftbell.core.alert import Alert, Incoming, Severity
from shiftbell.core.board import AlertBoard, Changes
from shiftbell.core.handover import DEFAULT_SPAN, make_handover, shift_span
from shiftbell.core.handover_text import to_html, to_json, to_markdown
from shiftbell.core.schedule import OnCallSchedule, Shift

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 2, 17, tzinfo=UTC)  # 18:00 in Berlin
END = START + timedelta(hours=12)


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


class Night:
    """A board, and the last version of every alert it ever held (resolved ones too)."""

    def __init__(self) -> None:
        self.board = AlertBoard()
        self.seen: dict[str, Alert] = {}

    def keep(self, changes: Changes) -> Alert:
        for alert in changes.all:
            self.seen[alert.id] = alert
        return changes.all[0]

    def fire(self, key: str, title: str, severity: Severity, when: datetime) -> Alert:
        return self.keep(self.board.merge_event("am", Incoming(key, title, severity), when))

    def end(self, key: str, when: datetime) -> None:
        self.keep(self.board.merge_event("am", Incoming(key, "", firing=False), when))


def night() -> Night:
    n = Night()
    old = n.fire("old", "Backup late", Severity.WARNING, at(-90))
    n.keep(n.board.acknowledge(old.id, at(-80)))  # inherited, still open
    db = n.fire("db", "DB | primary *down*", Severity.CRITICAL, at(60))
    n.keep(n.board.acknowledge(db.id, at(62)))  # 2 min
    n.end("db", at(90))
    disk = n.fire("disk", "<b>Disk</b> full", Severity.WARNING, at(300))
    n.keep(n.board.silence(disk.id, at(310), END + timedelta(hours=3), "vendor ticket 42"))
    n.fire("api", "API 5xx", Severity.CRITICAL, at(700))  # open, never acknowledged
    n.fire("gone", "Flap", Severity.INFO, at(-300))
    n.end("gone", at(-200))  # over before the shift: not in it
    n.fire("later", "Tomorrow", Severity.INFO, END + timedelta(hours=1))  # after it
    return n


def report():  # type: ignore[no-untyped-def]
    n = night()
    ids = {a.title: a.id for a in n.seen.values()}
    return make_handover(
        n.seen.values(),
        START,
        END,
        END,
        vias={ids["DB | primary *down*"]: "phone"},
        notes={ids["API 5xx"]: "escalated to the API team"},
        shift_note="Quiet apart from the DB.",
        shift_label="Primary",
    )


def test_the_shift_holds_what_fired_in_it_and_what_it_inherited_open() -> None:
    r = report()
    assert [a.alert.title for a in r.alerts] == [
        "Backup late",
        "DB | primary *down*",
        "<b>Disk</b> full",
        "API 5xx",
    ]
    assert [a.alert.title for a in r.fired] == [
        "DB | primary *down*",
        "<b>Disk</b> full",
        "API 5xx",
    ]
    assert [a.alert.title for a in r.still_open] == ["Backup late", "<b>Disk</b> full", "API 5xx"]
    assert [a.alert.title for a in r.silences_into_next] == ["<b>Disk</b> full"]


def test_time_to_acknowledge_median_and_worst() -> None:
    r = report()
    assert sorted(r.ack_times_s) == [120.0, 600.0, 600.0]  # db 2 min, disk 10, backup 10
    assert r.median_ack_s == 600.0 and r.worst_ack_s == 600.0
    db = next(a for a in r.alerts if a.alert.title.startswith("DB"))
    assert db.acknowledged_by == "on the phone"


def test_markdown_escapes_what_the_sources_wrote_and_carries_the_notes() -> None:
    text = to_markdown(report(), BERLIN)
    assert text.startswith("## Hand-over: Mon 02 Mar 18:00 to Tue 03 Mar 06:00 (CET) (Primary)")
    assert "3 alerts fired · 3 acknowledged · 3 still open" in text
    assert "median 10 min 0 s, worst 10 min 0 s" in text
    assert "DB \\| primary \\*down\\*" in text  # not a table cell break, not bold
    assert "\\<b\\>Disk\\</b\\> full" in text
    assert "until Tue 03 Mar 09:00: vendor ticket 42" in text
    assert "Quiet apart from the DB." in text and "API 5xx: escalated to the API team" in text


def test_html_is_escaped_and_json_has_time_to_ack_per_alert() -> None:
    page = to_html(report(), BERLIN)
    assert "<b>Disk</b>" not in page and "&lt;b&gt;Disk&lt;/b&gt; full" in page
    data = to_json(report())
    by_title = {a["title"]: a for a in data["alerts"]}
    assert by_title["DB | primary *down*"]["time_to_ack_s"] == 120.0
    assert by_title["API 5xx"]["time_to_ack_s"] is None
    assert by_title["API 5xx"]["note"] == "escalated to the API team"
    assert data["fired"] == 3 and data["still_open"] == 3


def test_which_shift_current_last_or_the_last_twelve_hours() -> None:
    schedule = OnCallSchedule(
        [
            Shift(START - timedelta(days=1), END - timedelta(days=1), "rota", "Primary"),
            Shift(START, END, "rota", "Primary"),
        ]
    )
    during = at(120)
    current = shift_span(schedule, during, "current")
    assert (current.since, current.until, current.label) == (START, during, "Primary")
    last = shift_span(schedule, during, "last")
    assert (last.since, last.until) == (START - timedelta(days=1), END - timedelta(days=1))
    off = shift_span(schedule, END + timedelta(hours=1), "current")  # between shifts: the last
    assert (off.since, off.until) == (START, END)
    none = shift_span(None, during, "current")
    assert (none.since, none.until, none.scheduled) == (during - DEFAULT_SPAN, during, False)
    assert none.note_ref(BERLIN) == "day:2026-03-02"
    assert current.note_ref(BERLIN) == START.isoformat()
