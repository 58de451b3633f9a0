"""Causal rules: when a cause is well evidenced, its usual symptoms rank below it."""

from __future__ import annotations

from collections.abc import MutableMapping
from dataclasses import dataclass

from analysis.model import Category
from analysis.scoring import CategoryScore, noisy_or


@dataclass(frozen=True, slots=True)
class CausalRule:
    """`cause` (at >= `min_cause`) explains `symptoms`; one above `max_symptom` stands alone."""

    cause: Category
    symptoms: tuple[Category, ...]
    why: str
    min_cause: float = 0.5
    max_symptom: float = 1.0


# Generic outcomes that many specific causes produce.
_OUTCOMES: tuple[Category, ...] = ("app_crash", "health_check_failed", "timeout")

RULES: tuple[CausalRule, ...] = (
    CausalRule(
        "oom_killed",
        (*_OUTCOMES, "exec_error"),
        "an OOM kill ends the container; crash loops, failed probes and OCI init errors follow",
    ),
    CausalRule(
        "disk_full",
        (
            *_OUTCOMES,
            "image_pull",
            "exec_error",
            "db_connection",
            "insufficient_resources",
            "permission_denied",
        ),
        "a full disk fails pulls, writes and starts (a full thin pool remounts file systems"
        " read-only), and a node under disk pressure is tainted",
    ),
    # Before dns_network: a timeout *to the database* is a database connection problem.
    CausalRule(
        "db_connection",
        (*_OUTCOMES, "dns_network"),
        "a database that cannot be reached makes health checks and requests fail",
    ),
    CausalRule(
        "dns_network",
        (*_OUTCOMES, "image_pull", "db_connection"),
        "with no route or no DNS, pulls and dependency calls time out",
    ),
    CausalRule(
        "tls_certificate",
        (*_OUTCOMES, "image_pull", "db_connection", "dns_network"),
        "a rejected certificate fails the connection that needed it",
    ),
    CausalRule(
        "missing_config",
        (*_OUTCOMES, "db_connection", "permission_denied", "dependency_missing", "dns_network"),
        "a missing setting breaks whatever needed it",
    ),
    CausalRule(
        "permission_denied", (*_OUTCOMES, "image_pull"), "a denied call fails the step that made it"
    ),
    CausalRule(
        "port_binding",
        ("health_check_failed", "timeout", "insufficient_resources"),
        "a server on the wrong port never passes checks; a taken static host port blocks placement",
    ),
    # Cloud Run says "failed to listen on $PORT" for a container that crashed at start-up too,
    # and a probe against a crashed process fails: both follow the crash, so they rank below.
    CausalRule(
        "app_crash",
        ("port_binding", "health_check_failed"),
        "a container that crashes at start-up never listens on its port or answers its probes",
        min_cause=0.6,
        max_symptom=0.75,
    ),
    CausalRule("dependency_missing", (*_OUTCOMES, "exec_error"), "a missing module stops start-up"),
    CausalRule("exec_error", _OUTCOMES, "a binary that cannot run never starts"),
    # "exec: ...: permission denied" is a non-executable entrypoint, not an access policy.
    CausalRule(
        "exec_error",
        ("permission_denied",),
        "the runtime could not execute the entrypoint",
        min_cause=0.7,
    ),
    CausalRule("image_pull", _OUTCOMES, "no image, no container"),
    CausalRule(
        "insufficient_resources",
        _OUTCOMES,
        "pods that cannot be placed never become ready",
    ),
    # A worker killed by its own timeout (gunicorn's SIGKILL) is not a memory problem
    # unless the kernel or platform says so explicitly.
    CausalRule(
        "timeout",
        ("oom_killed", "app_crash", "health_check_failed"),
        "a worker or request timeout kills the worker",
        min_cause=0.6,
        max_symptom=0.8,
    ),
)

_SYMPTOM_SHARE = 0.8  # a demoted symptom keeps at most this share of the cause's confidence
_EXPLAINED = 0.5  # an explained symptom loses half its weight as a root cause
_CORROBORATION = 0.3  # how much a symptom it explains adds to a cause


def apply_rules(
    scores: MutableMapping[Category, CategoryScore], rules: tuple[CausalRule, ...] = RULES
) -> dict[Category, list[Category]]:
    """Demote explained symptoms below their cause; returns cause -> the symptoms it explains."""
    fired: dict[Category, list[Category]] = {}
    demoted: set[Category] = set()
    for rule in rules:
        cause = scores.get(rule.cause)
        # A category already explained by another cause does not explain anything itself.
        if cause is None or cause.confidence < rule.min_cause or rule.cause in demoted:
            continue
        for symptom_name in rule.symptoms:
            symptom = scores.get(symptom_name)
            if symptom is None or symptom.confidence > rule.max_symptom:
                continue
            demoted.add(symptom_name)
            boost = _CORROBORATION * min(symptom.confidence, cause.confidence)
            cause.confidence = noisy_or((cause.confidence, boost))
            symptom.confidence = min(
                symptom.confidence * _EXPLAINED, cause.confidence * _SYMPTOM_SHARE
            )
            fired.setdefault(rule.cause, []).append(symptom_name)
    return fired
