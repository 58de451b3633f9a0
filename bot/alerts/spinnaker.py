"""Spinnaker echo notifications (echo-notifications SlackNotificationAgent)."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage, links, unlink
from bot.alerts.names import env_in, service_and_env

SOURCE = "spinnaker"
_TITLE = re.compile(
    r"^(?P<what>Pipeline|Stage) (?P<status>failed|complete|started|starting) for (?P<app>[\w.-]+)",
    re.I,
)
_BODY = re.compile(
    r"\b(?P<app>[\w.-]{1,100})'s\s+(?P<pipeline>[^\n]{1,200}?)\s+pipeline\s+(?:has\s+|is\s+)?"
    r"(?P<status>failed|completed successfully|starting|started)",
    re.I,
)


def parse(msg: AlertMessage) -> DeployAlert | None:
    """Title "Pipeline failed for APP"; text "APP's PIPELINE pipeline has failed"."""
    candidates = [(a.title, a.text, a.footer) for a in msg.attachments] + [("", msg.text, "")]
    for title_text, body_text, footer in candidates:
        title = _TITLE.match(title_text.strip())
        body = _BODY.search(unlink(body_text))
        if title or (body and "spinnaker" in (footer + msg.username).lower()):
            return _alert(title, body, body_text)
    return None


def _alert(title: re.Match[str] | None, body: re.Match[str] | None, raw: str) -> DeployAlert:
    found = title or body
    assert found is not None
    status = found.group("status").lower()
    service, env = service_and_env(found.group("app").lower())
    pipeline = body.group("pipeline") if body else ""
    env = env or env_in(unlink(pipeline)) or env_in(title.group(0) if title else "")
    url = next((u for u, _ in links(raw) if "/executions/" in u or "spinnaker" in u), None)
    return DeployAlert(SOURCE, status == "failed", False, service, env, None, url)
