"""Alertmanager's API v2 alert list, read into Shiftbell's alerts; a wrong field names its
path in the list, so a person can tell which alert the server sent oddly.

Links: every annotation whose value is a web link (`runbook_url`, `dashboard`, …) under a
readable name, then `generatorURL` (the rule's graph in Prometheus) and the alert in
Alertmanager's own UI (a filter on all its labels), when the feed knows where that is."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import quote

from shiftbell.core.alert import AckInfo, Incoming, Link, is_web_link
from shiftbell.core.errors import PayloadError
from shiftbell.sources.alertmanager.links import annotation_links
from shiftbell.sources.alertmanager.webhook import alertmanager_alert_text
from shiftbell.sources.fields import member
from shiftbell.sources.strict_fields import json_kind, rfc3339_time, string_labels


def parse_alerts(
    body: object, ui_url: str = "", seen: dict[str, tuple[object, Incoming]] | None = None
) -> list[Incoming]:
    """Read `GET /api/v2/alerts`. Raises PayloadError naming the field that is wrong.

    One unreadable alert fails the whole list: a snapshot without it would resolve it.
    `ui_url` is Alertmanager's web UI (the feed's URL), for a link to each alert there.
    `seen` (fingerprint -> the item as it came and what it was read as) is the last poll's,
    replaced by this one's: an item equal to last time's is not read again, since most of
    every poll is alerts that did not change (with 10,000 the reading cost a third of a
    second a poll).
    """
    if not isinstance(body, list):
        raise PayloadError(f"expected a list of alerts, got {json_kind(body)}")
    before = dict(seen) if seen is not None else {}
    read: list[Incoming] = []
    for index, item in enumerate(body):
        fingerprint = item.get("fingerprint") if isinstance(item, dict) else None
        last = before.get(fingerprint) if isinstance(fingerprint, str) else None
        incoming = last[1] if last is not None and last[0] == item else None
        if incoming is None:
            incoming = parse_alert(item, f"alerts[{index}]", ui_url)
        read.append(incoming)
    if seen is not None:
        seen.clear()
        seen.update((a.source_id, (item, a)) for item, a in zip(body, read, strict=True))
    return read


def parse_alert(item: object, where: str, ui_url: str = "") -> Incoming:
    if not isinstance(item, dict):
        raise PayloadError(f"{where}: expected an alert object, got {json_kind(item)}")
    fingerprint = item.get("fingerprint")
    if not isinstance(fingerprint, str) or not fingerprint:
        raise PayloadError(f"{where}.fingerprint: required, a string; got {json_kind(fingerprint)}")
    labels = string_labels(item.get("labels"), f"{where}.labels")
    annotations = dict(string_labels(item.get("annotations"), f"{where}.annotations"))
    text = alertmanager_alert_text(dict(labels), annotations, fingerprint)
    status = item.get("status")
    silenced_by = member(status, "silencedBy")
    url = item.get("generatorURL")
    # The window opens this link with one click: web pages only.
    if not isinstance(url, str) or not is_web_link(url):
        url = ""
    links = annotation_links(annotations)
    if url:
        links.append(Link("Graph in Prometheus", url))
    if labels and is_web_link(ui_url):
        links.append(Link("In Alertmanager", ui_link(ui_url, labels)))
    return Incoming(
        source_id=fingerprint,
        title=text.title,
        severity=text.severity,
        summary=text.summary,
        url=url,
        labels=labels,
        links=tuple(links),
        firing=True,
        acknowledged=bool(silenced_by),
        started_at=rfc3339_time(item.get("startsAt"), f"{where}.startsAt"),
    )


def silencing(body: list[object]) -> dict[str, list[str]]:
    """Fingerprint -> the ids of the silences that silence it, from a list parse_alerts read."""
    found: dict[str, list[str]] = {}
    for item in body:
        status = member(item, "status")
        ids = member(status, "silencedBy")
        if isinstance(item, dict) and isinstance(ids, list) and ids:
            found[str(item.get("fingerprint"))] = [i for i in ids if isinstance(i, str)]
    return found


def ack_info_of(silence_ids: list[str], silences: Mapping[str, Mapping[str, object]]) -> AckInfo:
    """Who silenced an alert, why and until when: of its active silences, the one that ends
    last (the one that decides when it alarms again)."""
    active = [silences[i] for i in silence_ids if i in silences]
    if not active:
        return AckInfo()
    last = max(active, key=lambda s: str(s.get("endsAt", "")))
    ends = last.get("endsAt")
    return AckInfo(
        by=str(last.get("createdBy") or ""),
        comment=str(last.get("comment") or ""),
        until=rfc3339_time(ends, "silence.endsAt") if isinstance(ends, str) else None,
    )


def ui_link(ui_url: str, labels: tuple[tuple[str, str], ...]) -> str:
    """The alert in Alertmanager's web UI: its alert list filtered on all the alert's labels."""
    matchers = ",".join(f'{name}="{_escaped(value)}"' for name, value in labels)
    query = quote("{" + matchers + "}", safe="")
    return f"{ui_url.rstrip('/')}/#/alerts?silenced=true&inhibited=true&filter={query}"


def _escaped(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
