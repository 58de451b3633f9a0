"""Argo Rollouts notifications (argoproj/argo-rollouts manifests/notifications templates)."""

from __future__ import annotations

import re

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage, unlink
from bot.alerts.names import service_and_env

SOURCE = "argo-rollouts"
_TEMPLATES: tuple[tuple[re.Pattern[str], bool], ...] = (
    (re.compile(r"^Rollout\s+([\w.-]+?)(?:'s)?\s+has been aborted", re.I | re.M), True),
    (
        re.compile(r"^Rollout\s+([\w.-]+?)'s\s+analysis run (?:failed|is in error)", re.I | re.M),
        True,
    ),
    (re.compile(r"^Rollout\s+([\w.-]+?)'s\s+analysis run is running", re.I | re.M), False),
    (re.compile(r"^Rollout\s+([\w.-]+?)\s+(?:has been|step number)", re.I | re.M), False),
)


def parse(msg: AlertMessage) -> DeployAlert | None:
    """on-rollout-aborted, on-analysis-run-failed/-error are failures; the rest are not."""
    text = unlink(msg.text)
    found = next(((m, failure) for rx, failure in _TEMPLATES if (m := rx.search(text))), None)
    if found is None:
        return None
    m, failure = found
    name = m.group(1)
    service, env = service_and_env(name)
    return DeployAlert(SOURCE, failure, False, service, env, _image_tag(msg, name), None)


def _image_tag(msg: AlertMessage, rollout: str) -> str | None:
    """The tag of the rollout's own container image (fields are container name -> image)."""
    images = [
        (title, unlink(value))
        for a in msg.attachments
        for title, value in a.fields
        if re.search(r"[\w.-]+/[\w./-]+:[\w.-]+$", unlink(value))
    ]
    ordered = sorted(images, key=lambda item: item[0] != rollout)
    for _title, image in ordered:
        return image.rsplit(":", 1)[1]
    return None
