"""Prometheus Alertmanager's Slack receiver (default and common community templates)."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage, unlink
from bot.alerts.names import env_of, service_and_env

SOURCE = "alertmanager"
_STATUS = re.compile(r"\[(?P<status>FIRING|RESOLVED)(?::(?P<count>\d+))?\]")
_LABEL = re.compile(
    r"(?:^|[\s,{(•*-])\*?(?P<key>service|app|app_kubernetes_io_name|deployment|container|job"
    r"|env|environment|namespace|version)\*?\s*[:=]\s*[`\"']?(?P<value>[\w./-]+)",
    re.I | re.M,
)
_SERVICE_KEYS = ("service", "app_kubernetes_io_name", "app", "deployment", "container")


def parse(msg: AlertMessage) -> DeployAlert | None:
    """`[FIRING:N] AlertName …` is a failure, `[RESOLVED]` is not; labels name the service."""
    heads = [msg.text, *(a.title for a in msg.attachments), *(a.fallback for a in msg.attachments)]
    status = next((m for text in heads if (m := _STATUS.search(text))), None)
    if status is None:
        return None
    labels: dict[str, str] = {}
    for m in _LABEL.finditer(unlink(msg.all_text()).replace("*", "")):
        labels.setdefault(m.group("key").lower(), m.group("value"))
    raw = next((labels[k] for k in _SERVICE_KEYS if k in labels), None)
    service, env = service_and_env(raw) if raw else (None, None)
    env_label = labels.get("env") or labels.get("environment")
    env = (env_of(env_label) or env_label) if env_label else env
    url = next((a.title_link for a in msg.attachments if a.title_link), None)
    return DeployAlert(
        SOURCE, status.group("status") == "FIRING", False, service, env, labels.get("version"), url
    )
