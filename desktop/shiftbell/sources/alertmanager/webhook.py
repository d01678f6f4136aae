"""Alertmanager's webhook payload (version "4") and Grafana Alerting's (version "1", the same
shape with `silenceURL`, `dashboardURL`, `panelURL` and `values` per alert), and the one rule
for an Alertmanager alert's text.

Alertmanager can push to Shiftbell's local receiver
(https://prometheus.io/docs/alerting/latest/configuration/#webhook_config), and so can a
Grafana webhook contact point; the receiver reads the body with `parse_alertmanager_webhook`.
Each alert keeps its links: its annotations that are links (runbook first), the rule's page
(`generatorURL`), and Grafana's dashboard, panel and silence pages. The polled feed (feed.py)
and the webhook share `alertmanager_alert_text`, so an alert reads the same whichever way it
came.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from shiftbell.core.alert import Incoming, Link, Severity, is_web_link
from shiftbell.core.errors import PayloadError
from shiftbell.sources.alertmanager.links import annotation_links
from shiftbell.sources.strict_fields import json_kind, optional_str, rfc3339_time, string_labels

ALERTMANAGER_WEBHOOK_VERSION = "4"
GRAFANA_WEBHOOK_VERSION = "1"
# Grafana's own links of an alert, in the order a person wants them.
_GRAFANA_LINKS = (
    ("dashboardURL", "Dashboard in Grafana"),
    ("panelURL", "Panel in Grafana"),
    ("silenceURL", "Silence in Grafana"),
)
_STATUSES = ("firing", "resolved")


@dataclass(frozen=True)
class WebhookBatch:
    """One Alertmanager webhook notification: a group of alerts, firing and resolved mixed.

    `truncated_alerts` is how many alerts Alertmanager left out (its `max_alerts`).
    """

    receiver: str
    external_url: str
    truncated_alerts: int
    items: tuple[Incoming, ...]


def parse_alertmanager_webhook(body: object) -> WebhookBatch:
    """Read an Alertmanager webhook payload (version "4").

    Each alert's own `status` counts, not the group's: a group that is still
    "firing" can carry alerts that resolved. Grafana's `values`, `valueString`, `title`
    and `message` are not needed and are left alone.
    """
    if not isinstance(body, dict):
        raise PayloadError(f"request body: expected a webhook object, got {json_kind(body)}")
    version = body.get("version")
    if version not in (ALERTMANAGER_WEBHOOK_VERSION, GRAFANA_WEBHOOK_VERSION):
        got = "no version" if version is None else f"version {json.dumps(version)}"
        raise PayloadError(
            f"version: this endpoint accepts Alertmanager webhook payloads (version "
            f'"{ALERTMANAGER_WEBHOOK_VERSION}") and Grafana Alerting\'s (version '
            f'"{GRAFANA_WEBHOOK_VERSION}"), got {got}'
        )
    alerts = body.get("alerts")
    if not isinstance(alerts, list):
        raise PayloadError(f"alerts: required, a list of alerts; got {json_kind(alerts)}")
    truncated = body.get("truncatedAlerts", 0)
    if not isinstance(truncated, int) or isinstance(truncated, bool):
        truncated = 0
    return WebhookBatch(
        receiver=optional_str(body, "receiver", ""),
        external_url=optional_str(body, "externalURL", ""),
        truncated_alerts=truncated,
        items=tuple(
            _parse_webhook_alert(alert, f"alerts[{index}]") for index, alert in enumerate(alerts)
        ),
    )


def _parse_webhook_alert(item: object, where: str) -> Incoming:
    if not isinstance(item, dict):
        raise PayloadError(f"{where}: expected an alert object, got {json_kind(item)}")
    status = item.get("status")
    if status not in _STATUSES:
        raise PayloadError(f"{where}.status: required, firing or resolved; got {json_kind(status)}")
    labels = string_labels(item.get("labels"), f"{where}.labels")
    annotations = dict(string_labels(item.get("annotations"), f"{where}.annotations"))
    fingerprint = optional_str(item, "fingerprint", where) or _labels_fingerprint(labels)
    text = alertmanager_alert_text(dict(labels), annotations, fingerprint)
    rule = optional_str(item, "generatorURL", where).strip()
    if not is_web_link(rule):
        rule = ""
    grafana = "silenceURL" in item  # Grafana's own field: its rule page is no Prometheus graph
    links = annotation_links(annotations)
    if rule:
        links.append(Link("Alert rule in Grafana" if grafana else "Graph in Prometheus", rule))
    for field, title in _GRAFANA_LINKS:
        url = optional_str(item, field, where).strip()
        if is_web_link(url):
            links.append(Link(title, url))
    return Incoming(
        source_id=fingerprint,
        title=text.title,
        severity=text.severity,
        summary=text.summary,
        url=rule,
        labels=labels,
        links=tuple(links),
        firing=status == "firing",
        started_at=rfc3339_time(item.get("startsAt"), f"{where}.startsAt"),
    )


@dataclass(frozen=True)
class AlertmanagerText:
    """What a person reads about one Alertmanager alert."""

    title: str
    summary: str
    severity: Severity


def alertmanager_alert_text(
    labels: Mapping[str, str], annotations: Mapping[str, str], fingerprint: str
) -> AlertmanagerText:
    """Title, text and severity of an Alertmanager alert, from its webhook or its API v2 list.

    One rule for both, so an alert reads the same whether Alertmanager pushed it
    or the feed polled it. The title is the `summary` annotation, else
    "<alertname> on <instance>" (else the fingerprint); the text is the
    `description` annotation; severity comes from the `severity` label.
    """
    title = annotations.get("summary", "").strip()
    summary = annotations.get("description", "").strip()
    if not title:
        title = labels.get("alertname", "").strip() or f"Alertmanager alert {fingerprint}"
        if instance := labels.get("instance", "").strip():
            title = f"{title} on {instance}"
    return AlertmanagerText(
        title=title, summary=summary, severity=severity_from_label(labels.get("severity"))
    )


def severity_from_label(value: str | None) -> Severity:
    """Map a Prometheus `severity` label; a missing or unfamiliar one counts as warning.

    Rules are written by many teams with their own words (critical, page, error,
    warning, info, none, P1...). Rejecting the alert over its label would lose it,
    so anything we cannot read is a warning: it still makes a sound.
    """
    if value is None or not value.strip():
        return Severity.WARNING
    try:
        return Severity.parse(value)
    except PayloadError:
        return Severity.WARNING


def _labels_fingerprint(labels: tuple[tuple[str, str], ...]) -> str:
    """Stand-in for a missing fingerprint: stable for the same label set, like Alertmanager's."""
    raw = json.dumps(sorted(labels), separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()[:16]
