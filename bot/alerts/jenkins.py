"""Jenkins slack-plugin (jenkinsci/slack-plugin ActiveNotifier.MessageBuilder)."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage, links, unlink
from bot.alerts.names import env_in, service_and_env

SOURCE = "jenkins"
_STATUS = (
    "Still Failing|Failure|Back to normal|Success|Unstable|Still Unstable|Aborted|Not built"
    "|Starting|Build Started"
)
_LINE = re.compile(rf"^(?P<job>[^\n]+?) - #(?P<n>\d+) (?P<status>{_STATUS})\b", re.M)
_FAILING = {"failure", "still failing", "unstable", "still unstable"}
_REPEATS = {"still failing", "still unstable"}


def parse(msg: AlertMessage) -> DeployAlert | None:
    """`JOB - #N Failure after D (Open)`; "Still Failing" is a repeat, "Back to normal" is not."""
    found = msg.first_match(_LINE)
    if found is None:
        return None
    m, raw = found
    status = m.group("status").lower()
    job = re.split(r"\s*»\s*|/", m.group("job").strip())[-1]
    service, env = service_and_env(job)
    if env is None:
        env = env_in(unlink(raw).split("\n", 1)[-1])
    url = next((u for u, label in links(raw) if label == "Open"), None)
    return DeployAlert(SOURCE, status in _FAILING, status in _REPEATS, service, env, None, url)
