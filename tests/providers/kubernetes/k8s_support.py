"""Helpers for the Kubernetes provider tests: targets, a recording gateway, one-component runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from providers.base import CollectContext
from providers.gateway import Call, DirectGateway, Fetched, Json
from providers.kubernetes import KubernetesProvider
from providers.model import Evidence, KubernetesLocation, ServiceTarget

NAMESPACES = {
    "payments-worker": "payments",
    "orders-api": "shop",
    "ledger": "finance",
    "search-indexer": "search",
}


def k8s_target(service: str, namespace: str | None = None, **extra: str) -> ServiceTarget:
    """A catalog-like target for a sandbox service (or any names, for validation tests)."""
    location = KubernetesLocation(namespace or NAMESPACES[service], service, **extra)
    return ServiceTarget(service, "kubernetes", location, env="prod")


class RecordingGateway(DirectGateway):
    """A DirectGateway that remembers every Call and value (a Gateway, not a patch)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.values: list[Json] = []

    async def fetch(
        self, call: Call, fn: Callable[[], Awaitable[Json]], *, deadline: float | None = None
    ) -> Fetched:
        self.calls.append(call)
        fetched = await super().fetch(call, fn, deadline=deadline)
        self.values.append(fetched.value)
        return fetched


@dataclass
class Collected:
    """What one component returned and what it noted."""

    evidence: list[Evidence]
    notes: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [e.text for e in self.evidence]


Collect = Callable[..., Awaitable[Collected]]


async def run_component(
    provider: KubernetesProvider,
    service: str,
    component: str,
    *,
    window: timedelta = timedelta(hours=1),
    gateway: DirectGateway | None = None,
    namespace: str | None = None,
) -> Collected:
    """Run one component for a sandbox service, as the pipeline would."""
    target = k8s_target(service, namespace)
    now = datetime.now(UTC)
    ctx = CollectContext(target, "basic", now - window, now, gateway or DirectGateway())
    chosen = next(c for c in provider.components(target) if c.name == component)
    evidence = await chosen.collect(ctx)
    return Collected(evidence, ctx.notes)
