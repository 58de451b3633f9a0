"""Octopus Deploy's Slack step (OctopusDeploy/Library slack-detailed-notification)."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage
from bot.alerts.names import env_in, service_and_env

SOURCE = "octopus"
_LINE = re.compile(
    r"(?P<status>Deployed successfully|Failed to deploy|Deployment failed for)"
    r"\s+(?P<project>[\w.-]+)"
    r"\s+release\s+(?P<release>[\w.+-]+)\s+to\s+(?P<env>[\w -]+)",
    re.I,
)


def parse(msg: AlertMessage) -> DeployAlert | None:
    """ "Deployed successfully P release R to Env" / "Failed to deploy P release R to Env"."""
    found = msg.first_match(_LINE)
    if found is None:
        return None
    m = found[0]
    service, env = service_and_env(m.group("project"))
    env = env_in(msg.field("Environment")) or env_in(m.group("env")) or env
    failure = not m.group("status").lower().startswith("deployed")
    return DeployAlert(SOURCE, failure, False, service, env, m.group("release"), None)
