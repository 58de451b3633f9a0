"""Datadog monitor notifications (native integration titles and webhook payloads)."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage
from bot.alerts.names import env_of, service_and_env

SOURCE = "datadog"
_TITLE = re.compile(
    r"\[(?P<status>Triggered|Re-Triggered|Recovered|Warn|No Data|Re-Warn|Renotify)"
    r"(?: on \{(?P<scope>[^}]*)\})?\]",
    re.I,
)
_TAG = re.compile(r"(?:^|[,\s{])(service|env|version):([\w./:-]+?)(?=[,}\s]|$)")
_FAILING = {"triggered", "re-triggered", "renotify"}
_REPEATS = {"re-triggered", "renotify"}


def parse(msg: AlertMessage) -> DeployAlert | None:
    """`[P1] [Triggered on {env:prod,service:x}] title`; Recovered / Warn are not failures."""
    status: str | None = None
    scope = ""
    for text in msg.texts():
        m = _TITLE.search(text)
        if m:
            status, scope = m.group("status").lower(), m.group("scope") or ""
            break
    transition = msg.field("Transition", "Alert Transition").lower()
    if status is None and not (transition and _looks_like_datadog(msg)):
        return None
    status = status or transition
    tags = dict(_TAG.findall(",".join((scope, msg.field("Scope"), msg.field("Tags")))))
    service, env = (tags.get("service"), tags.get("env"))
    if service:
        service, suffix_env = service_and_env(service)
        env = env or suffix_env
    url = next((a.title_link for a in msg.attachments if a.title_link), None)
    return DeployAlert(
        SOURCE,
        status in _FAILING,
        status in _REPEATS,
        service,
        (env_of(env) or env) if env else None,
        tags.get("version"),
        url,
    )


def _looks_like_datadog(msg: AlertMessage) -> bool:
    return "datadog" in (msg.all_text() + msg.username).lower()
