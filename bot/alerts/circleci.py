"""CircleCI slack orb message templates (CircleCI-Public/slack-orb src/message_templates)."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage, unlink
from bot.alerts.names import env_in, service_and_env

SOURCE = "circleci"
_FAIL = re.compile(r"\b(?:Job Failed|Deployment Failed|CircleCI job failed)", re.I)
_OK = re.compile(r"\b(?:Job Succeeded|Deployment Successful|CircleCI job succeeded|ON HOLD)", re.I)


def parse(msg: AlertMessage) -> DeployAlert | None:
    """Header "Job Failed. :red_circle:" with "*Project*:", "*Job*:", "*Commit*:" fields."""
    text = "\n".join(unlink(t) for t in (msg.text, *msg.blocks))
    failed = _FAIL.search(text)
    if not failed and not _OK.search(text):
        return None
    if not (msg.field("project") or "circleci" in text.lower()):
        return None
    service, env = service_and_env(msg.field("project")) if msg.field("project") else (None, None)
    env = env or env_in(msg.field("job"))
    revision = msg.field("commit", "tag") or None
    url = next((t for t in msg.blocks if t.startswith("https://") and "circleci" in t), None)
    return DeployAlert(SOURCE, failed is not None, False, service, env, revision, url)
