"""GitLab's Slack integration (gitlabhq app/models/integrations/chat_message/*_message.rb)."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage, links, unlink
from bot.alerts.names import env_of, repo_name, service_and_env, sha_in

SOURCE = "gitlab"
_PIPELINE = re.compile(
    r"(?:(?P<project>[\w./-][\w./ -]{0,99}):\s+)?Pipeline\s+#\d+\s+"
    r"(?:of (?:branch|tag)\s+\S{1,200}\s+by [^\n]{0,200}?\s+)?"
    r"has\s+(?P<status>passed with warnings|passed|failed|been canceled|canceled|succeeded)",
    re.I,
)
_DEPLOY = re.compile(
    r"^Deploy to\s+(?P<env>[\w./-]+)\s+(?P<status>failed|succeeded|started|canceled|"
    r"has (?:failed|succeeded|started|been canceled))",
    re.I | re.M,
)
_JOB_LINE = re.compile(r"with job\s+#?\d+", re.I)


def parse(msg: AlertMessage) -> DeployAlert | None:
    """Pipeline messages (passed/failed) and deployment messages (Deploy to ENV failed)."""
    is_gitlab = "gitlab" in msg.username.lower() or any(
        "gitlab" in url for t in msg.texts() for url, _ in links(t)
    )
    deploy = _DEPLOY.search(unlink(msg.text))
    if deploy and (is_gitlab or _JOB_LINE.search(msg.all_text())):
        return _deployment(msg, deploy)
    if not is_gitlab:
        return None
    for text in msg.texts():
        m = _PIPELINE.search(unlink(text)) if "Pipeline" in text else None
        if m:
            return _pipeline(msg, m, text)
    return None


def _deployment(msg: AlertMessage, m: re.Match[str]) -> DeployAlert:
    body = "\n".join(a.text for a in msg.attachments)
    project_links = [(u, label) for u, label in links(body) if "/-/" not in u]
    service = repo_name(project_links[0][0]) if project_links else None
    commit = next((label for u, label in links(body) if "/-/commit/" in u), "")
    env = env_of(m.group("env")) or m.group("env").lower()
    failure = "fail" in m.group("status").lower()
    url = next((u for u, _ in links(body) if "/-/jobs/" in u), None)
    return DeployAlert(SOURCE, failure, False, service, env, sha_in(commit), url)


def _pipeline(msg: AlertMessage, m: re.Match[str], raw: str) -> DeployAlert:
    status = m.group("status").lower()
    failure = status == "failed"
    project = m.group("project") or next((a.footer for a in msg.attachments if a.footer), "")
    service = next((repo_name(u) for u, _ in links(raw) if "/-/" not in u and repo_name(u)), None)
    if service is None and project:
        service, _env = service_and_env(project.split("/")[-1].strip())
    commit = msg.field("commit")
    revision = commit if sha_in(commit) == commit else None
    url = next((u for u, _ in links(raw) if "/-/pipelines/" in u), None)
    env = env_of(msg.field("environment")) if msg.field("environment") else None
    return DeployAlert(SOURCE, failure, False, service, env, revision, url)
