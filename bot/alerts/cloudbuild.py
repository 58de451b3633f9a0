"""Google Cloud Build notifier (GoogleCloudPlatform/cloud-build-notifiers slack/main.go)."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage, links
from bot.alerts.names import service_and_env

SOURCE = "cloud-build"
_LINE = re.compile(
    r"Cloud Build\s+(?P<project>[\w.:-]+)\s+(?P<build>[0-9a-f-]{8,})\s+(?P<status>[A-Z_]+)"
)
_FAILING = {"FAILURE", "TIMEOUT", "INTERNAL_ERROR", "EXPIRED"}


def parse(msg: AlertMessage) -> DeployAlert | None:
    """ "Cloud Build PROJECT BUILD_ID STATUS"; the default template names no service."""
    found = msg.first_match(_LINE)
    if found is None:
        return None
    m = found[0]
    service: str | None = None
    named = re.search(r"\b(?:service|trigger)[:=]\s*`?([\w.-]+)", msg.all_text(), re.I)
    env = None
    if named:
        service, env = service_and_env(named.group(1))
    url = next((u for t in msg.texts() for u, _ in links(t) if "cloud-build/builds" in u), None)
    return DeployAlert(SOURCE, m.group("status") in _FAILING, False, service, env, None, url)
