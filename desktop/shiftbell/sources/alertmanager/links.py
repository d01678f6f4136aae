"""The links an Alertmanager alert's annotations carry (runbook, playbook, dashboard first, any
other annotation whose value is a web page after), for the polled feed and the webhook alike."""

from __future__ import annotations

from collections.abc import Mapping

from shiftbell.core.alert import Link, is_web_link

# Annotations that name a link; others become a link when their value is one.
_LINK_TITLES = {
    "runbook_url": "Runbook",
    "runbook": "Runbook",
    "playbook": "Playbook",
    "dashboard": "Dashboard",
    "dashboard_url": "Dashboard",
    "grafana_url": "Dashboard",
}
_LINK_ORDER = ("Runbook", "Playbook", "Dashboard")


def annotation_links(annotations: Mapping[str, str]) -> list[Link]:
    """The annotations that are web links, runbook and dashboard first."""
    links = []
    for name, value in annotations.items():
        if is_web_link(value.strip()):
            title = _LINK_TITLES.get(name.lower()) or _title_of(name)
            links.append(Link(title, value.strip()))
    known = {title: index for index, title in enumerate(_LINK_ORDER)}
    return sorted(links, key=lambda link: known.get(link.title, len(known)))


def _title_of(name: str) -> str:
    """ "grafana_panel_url" -> "Grafana panel"."""
    words = name.replace("-", "_").split("_")
    if len(words) > 1 and words[-1].lower() in ("url", "link"):
        words = words[:-1]
    text = " ".join(w for w in words if w)
    return text[:1].upper() + text[1:] if text else "Link"
