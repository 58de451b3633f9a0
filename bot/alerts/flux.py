"""Flux notification-controller (fluxcd/notification-controller internal/notifier/slack.go)."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage, unlink
from bot.alerts.names import env_in, env_of, service_and_env

SOURCE = "flux"
_KINDS = (
    "kustomization|helmrelease|gitrepository|helmrepository|helmchart|ocirepository|bucket"
    "|imagerepository|imagepolicy|imageupdateautomation|receiver|externalartifact"
)
_AUTHOR = re.compile(rf"^({_KINDS})/([\w.-]+?)\.([a-z0-9-]+)$", re.I)


def parse(msg: AlertMessage) -> DeployAlert | None:
    """`author_name` = kind/name.namespace; colour `danger` = error severity, `good` = info."""
    for attachment in msg.attachments:
        m = _AUTHOR.match(attachment.author_name.strip())
        if m:
            break
    else:
        return None
    _kind, name, namespace = m.groups()
    failure = attachment.color.lower() == "danger"
    service, env = service_and_env(name)
    env = msg.field("env", "environment") or env or env_of(namespace)
    if env is None:
        env = env_in(unlink(attachment.text)) or env_in(msg.field("summary", "cluster"))
    return DeployAlert(
        SOURCE, failure, False, service, env_of(env or "") or env, _revision(msg), None
    )


def _revision(msg: AlertMessage) -> str | None:
    """`main@sha1:abc…` -> abc…; a chart version such as `1.14.2` stays as it is."""
    raw = msg.field("revision")
    if not raw:
        return None
    m = re.search(r"(?:sha1|sha256|blake3):([0-9a-f]+)$", raw)
    return m.group(1) if m else raw.rsplit("@", 1)[-1]
