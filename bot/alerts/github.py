"""GitHub Actions: 8398a7/action-slack, rtCamp/action-slack-notify, slackapi/slack-github-action."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage, links, unlink
from bot.alerts.names import env_in, repo_name, service_and_env, sha_in, valid_name

_ACTION_SLACK = re.compile(r"(Failed|Succeeded|Cancelled|Canceled) GitHub Actions", re.I)
_RESULT = re.compile(
    r"\b(?:result|status|conclusion)\*?:?\*?\s*:?\s*(failure|failed|success|"
    r"succeeded|cancelled|canceled|skipped)\b",
    re.I,
)


def parse_action_slack(msg: AlertMessage) -> DeployAlert | None:
    """8398a7/action-slack: ":no_entry: Failed GitHub Actions"; fields repo, commit, job…"""
    m = _ACTION_SLACK.search(msg.text)
    if not m and not any("action-slack" in a.author_name for a in msg.attachments):
        return None
    failure = bool(m and m.group(1).lower() == "failed") or (not m and "danger" in msg.colors())
    service = repo_name(msg.field("repo")) if msg.field("repo") else None
    env = env_in(" ".join((msg.field("job"), msg.field("workflow"))))
    revision = msg.field("commit") or None
    url = _first_url(msg.raw_field("action", "workflow"))
    return DeployAlert("github-actions", failure, False, service, env, revision, url)


def parse_rtcamp(msg: AlertMessage) -> DeployAlert | None:
    """rtCamp/action-slack-notify: fields Ref, Event, Actions URL, Commit, then SLACK_TITLE."""
    titles = {t.lower() for a in msg.attachments for t, _v in a.fields}
    rtcamp_footer = any("rtcamp" in a.footer.lower() for a in msg.attachments)
    if not ({"actions url", "commit"} <= titles or rtcamp_footer):
        return None
    colors = msg.colors()
    body = " ".join(unlink(t) for t in msg.texts())
    failure = (
        "danger" in colors
        or "failure" in colors
        or (
            not colors & {"good", "success"}
            and re.search(r"\bfail(?:ed|ure)?\b", body, re.I) is not None
        )
    )
    raw = msg.raw_field("actions url") + " " + msg.raw_field("commit")
    service = next((repo_name(url) for url, _ in links(raw) if repo_name(url)), None)
    title_text = " ".join(
        f"{t} {unlink(v)}"
        for a in msg.attachments
        for t, v in a.fields
        if t.lower() not in {"ref", "event", "actions url", "commit"}
    )
    env = env_in(title_text) or env_in(msg.field("ref"))
    revision = msg.field("commit") or None
    return DeployAlert(
        "github-actions",
        bool(failure),
        False,
        service,
        env,
        revision,
        _first_url(msg.raw_field("actions url")),
    )


def parse_workflow_message(msg: AlertMessage) -> DeployAlert | None:
    """slackapi/slack-github-action: user-written text; needs a GitHub URL and a job status."""
    text = "\n".join(msg.texts())
    if "github" not in text.lower():
        return None
    repo_urls = [url for url, _ in links(text) if "github.com/" in url and repo_name(url)]
    status = _RESULT.search(unlink(text))
    if not repo_urls or not status:
        return None
    word = status.group(1).lower()
    failure = word in {"failure", "failed"}
    name = repo_name(repo_urls[0])
    service, env = service_and_env(name) if name else (None, None)
    revision = next(
        (m.group(1) for url in repo_urls if (m := re.search(r"/commit/([0-9a-f]{7,40})", url))),
        None,
    )
    env = env or env_in(unlink(msg.text))
    return DeployAlert(
        "github-actions",
        failure,
        False,
        service if valid_name(service) else None,
        env,
        revision or None,
        repo_urls[0],
    )


def _first_url(raw: str) -> str | None:
    found = links(raw)
    return found[0][0] if found else None


def looks_like_sha(value: str) -> bool:
    """True for a short or full commit id."""
    return sha_in(value) == value
