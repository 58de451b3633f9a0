"""Argo CD notifications (argo-cd notifications_catalog templates via notifications-engine)."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage, unlink
from bot.alerts.names import service_and_env, sha_in

SOURCE = "argocd"
# template phrase -> is it a failure?
_PHRASES: tuple[tuple[re.Pattern[str], bool], ...] = (
    (re.compile(r"sync operation of application\s+`?([\w.-]+)`?\s+has failed", re.I), True),
    (re.compile(r"application\s+`?([\w.-]+)`?\s+has degraded", re.I), True),
    (
        re.compile(
            r"sync operation of application\s+`?([\w.-]+)`?\s+has (?:succeeded|started)", re.I
        ),
        False,
    ),
    (re.compile(r"application\s+`?([\w.-]+)`?\s+is now running new version", re.I), False),
    (re.compile(r"application\s+`?([\w.-]+)`?\s+sync is\s+'?unknown", re.I), False),
    (re.compile(r"application\s+`?([\w.-]+)`?\s+has been (?:created|deleted)", re.I), False),
)


def parse(msg: AlertMessage) -> DeployAlert | None:
    """Argo CD's on-sync-failed / on-health-degraded / on-deployed / … messages."""
    text = unlink(msg.text) + "\n" + "\n".join(unlink(a.text) for a in msg.attachments)
    found = next(((m, failure) for rx, failure in _PHRASES if (m := rx.search(text))), None)
    if found is None:
        return None
    m, failure = found
    app = m.group(1)
    service, env = service_and_env(app)
    revision = msg.field("revision") or None
    sync_error = msg.field("SyncError", "Sync Error")
    if revision is None and sync_error:
        attempt = re.search(r"sync attempt to\s+([0-9a-f]{7,40})", sync_error)
        revision = attempt.group(1) if attempt else None
    if revision is None:
        revision = _revision_in(text)
    url = next((a.title_link for a in msg.attachments if a.title_link), None)
    return DeployAlert(SOURCE, failure, False, service, env, revision, url)


def _revision_in(text: str) -> str | None:
    m = re.search(r"revision[:\s]+([\w.\-]{5,64})", text, re.I)
    return m.group(1) if m else sha_in(text) if "sync attempt" in text else None
