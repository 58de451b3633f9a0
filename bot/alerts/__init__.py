"""Deploy-tool messages -> `DeployAlert`, and alert service names -> catalog names."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from analysis.model import DeployAlert
from bot.alerts import (
    alertmanager,
    argocd,
    aws,
    circleci,
    cloudbuild,
    datadog,
    flux,
    github,
    gitlab,
    jenkins,
    octopus,
    rollouts,
    spinnaker,
)
from bot.alerts.message import AlertMessage
from bot.alerts.names import split_env, strip_noise
from bot.catalog import Catalog

log = logging.getLogger(__name__)

Parser = Callable[[AlertMessage], DeployAlert | None]

# Most specific first: a parser only answers for a message in its tool's own format.
PARSERS: tuple[tuple[str, Parser], ...] = (
    ("argocd", argocd.parse),
    ("argo-rollouts", rollouts.parse),
    ("flux", flux.parse),
    ("github-actions", github.parse_action_slack),
    ("github-actions", github.parse_rtcamp),
    ("gitlab", gitlab.parse),
    ("jenkins", jenkins.parse),
    ("spinnaker", spinnaker.parse),
    ("cloudwatch", aws.parse_alarm),
    ("ecs", aws.parse_ecs_event),
    ("datadog", datadog.parse),
    ("cloud-build", cloudbuild.parse),
    ("circleci", circleci.parse),
    ("alertmanager", alertmanager.parse),
    ("octopus", octopus.parse),
    ("github-actions", github.parse_workflow_message),
)
UNKNOWN = DeployAlert(source="unknown", is_failure=False)


def parse_message(event: Mapping[str, Any]) -> DeployAlert:
    """The alert a message carries; `source="unknown"`, not a failure, when no parser knows it."""
    message = AlertMessage.from_event(event)
    for name, parser in PARSERS:
        try:
            alert = parser(message)
        except (ValueError, TypeError, KeyError, IndexError):
            # a malformed message in a known format is treated as unrecognised, loudly
            log.warning("the %s parser could not read a message", name, exc_info=True)
            continue
        if alert is not None:
            return alert
    return UNKNOWN


def _squash(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def match_service(name: str | None, catalog: Catalog) -> str | None:
    """The catalog name an alert's service name means, tolerantly; None when nothing fits.

    Tries, in order: the name or an alias as written; lower-cased; without an environment
    suffix or prefix and deploy words; then the same with dashes, dots and underscores dropped.
    """
    if not name:
        return None
    candidates: list[str] = []
    for raw in (name, name.lower()):
        candidates += [raw, strip_noise(raw), split_env(strip_noise(raw))[0]]
    for candidate in candidates:
        if candidate in catalog:
            return catalog.canonical(candidate)
    squashed: dict[str, str] = {}
    for known in catalog.names():
        squashed.setdefault(_squash(known), known)
        for alias in catalog.entry(known).aliases:
            squashed.setdefault(_squash(alias), known)
    for candidate in candidates:
        found = squashed.get(_squash(candidate))
        if found:
            return found
    return None
