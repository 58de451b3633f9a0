"""Helpers for the Cloud Run tests: targets and reading collected outcomes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from providers.base import CollectContext
from providers.gateway import DirectGateway
from providers.model import CloudRunLocation, Depth, Evidence, ServiceTarget

Outcomes = dict[str, list[Evidence] | BaseException]
Collect = Callable[..., Awaitable[Outcomes]]


def target(
    service: str, project: str = "acme-sandbox", region: str = "us-central1"
) -> ServiceTarget:
    """A catalog-shaped Cloud Run target."""
    return ServiceTarget(service, "cloudrun", CloudRunLocation(project, region, service), "prod")


def context(chosen: ServiceTarget, depth: Depth = "basic") -> CollectContext:
    """A one-hour window ending now, with no cache in front of the calls."""
    until = datetime.now(UTC)
    return CollectContext(chosen, depth, until - timedelta(hours=1), until, DirectGateway())


def evidence(outcomes: Outcomes, component: str) -> list[Evidence]:
    """A component's evidence; fails the test with the error if it raised."""
    result = outcomes[component]
    if isinstance(result, BaseException):
        raise AssertionError(f"{component} failed: {result!r}")
    return result


def texts(outcomes: Outcomes, component: str) -> list[str]:
    return [e.text for e in evidence(outcomes, component)]
