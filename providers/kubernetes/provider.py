"""The Kubernetes provider: one API client per kubeconfig context, six collection components."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from functools import partial
from typing import Protocol

from providers.base import CollectContext, Component
from providers.errors import ConfigError
from providers.gateway import Call, Json, LiveGate
from providers.kubernetes.api import PROVIDER, KubeCluster
from providers.kubernetes.events import collect_events
from providers.kubernetes.informer import WatchPolicy
from providers.kubernetes.live import LiveCluster, LivePolicy
from providers.kubernetes.logs import collect_logs
from providers.kubernetes.metrics import collect_metrics
from providers.kubernetes.names import dns1123_label, dns1123_subdomain
from providers.kubernetes.nodes import collect_nodes
from providers.kubernetes.pods import collect_pods
from providers.kubernetes.status import collect_status
from providers.kubernetes.workload import Workload
from providers.model import Evidence, KubernetesLocation, Platform, ServiceTarget
from providers.registry import ProviderSettings


class Collect(Protocol):
    """A component's collector, before it is bound to its workload."""

    def __call__(self, ctx: CollectContext, w: Workload) -> Awaitable[list[Evidence]]: ...


# name -> collector; every one is basic (cheap, and each says something decisive).
COMPONENTS: dict[str, Collect] = {
    "status": collect_status,
    "pods": collect_pods,
    "logs": collect_logs,
    "events": collect_events,
    "nodes": collect_nodes,
    "metrics": collect_metrics,
}


class KubernetesProvider:
    """Diagnoses Deployments through the Kubernetes API (kubeconfig or in-cluster account).

    It is also a live view for the gateway (`answer`): the namespaces it diagnoses
    are watched, and their reads answered from the watch cache while it is synced.
    """

    platform: Platform = "kubernetes"

    def __init__(self, settings: ProviderSettings) -> None:
        self._settings = settings
        self._clusters: dict[str | None, KubeCluster] = {}
        self._live: dict[str, LiveCluster] = {}
        self.live_policy = LivePolicy(
            max_namespaces=settings.kube_watch_namespaces,
            idle_s=settings.kube_watch_idle_s,
            watch=WatchPolicy(request_timeout_s=settings.request_timeout_s),
        )

    def answer(self, call: Call, gate: LiveGate) -> Json | None:
        """A read answered from the watch cache (watching its namespace from now on), or None."""
        if call.provider != PROVIDER or self.live_policy.max_namespaces <= 0:
            return None
        live = self._live.get(call.scope)
        if live is None:
            cluster = next(
                (c for c in self._clusters.values() if c.known_scope == call.scope), None
            )
            if cluster is None:
                return None
            live = self._live[call.scope] = LiveCluster(cluster, call.scope, self.live_policy)
        return live.answer(call, gate)

    def reached(self, call: Call) -> None:
        """A read the watch cache declined succeeded: informers backing off retry now."""
        live = self._live.get(call.scope) if call.provider == PROVIDER else None
        if live is not None:
            live.reached()

    def live_cluster(self, scope: str) -> LiveCluster | None:
        """The watch cache of one cluster (context name), once a read has started it."""
        return self._live.get(scope)

    async def stop_watches(self) -> None:
        """Stop every watch and forget what it held (the next read starts them again)."""
        lives, self._live = list(self._live.values()), {}
        await asyncio.gather(*(live.close() for live in lives))

    def sweep(self) -> int:
        """Stop namespaces idle for too long in every cluster; how many informers stopped."""
        return sum(live.sweep() for live in self._live.values())

    def components(self, target: ServiceTarget) -> Sequence[Component]:
        """The six components for `target`; names are checked here, before any request."""
        workload = self.workload(target)
        return [
            Component(name, "basic", partial(collect, w=workload))
            for name, collect in COMPONENTS.items()
        ]

    def workload(self, target: ServiceTarget) -> Workload:
        """Where the target runs, with its names validated (ConfigError if not Kubernetes-valid)."""
        location = target.location
        if not isinstance(location, KubernetesLocation):
            raise ConfigError(f"Service {target.name!r} is not a Kubernetes service")
        container = location.container
        if container is not None:
            dns1123_label(container, "container name")
        context = location.context or self._settings.kube_context
        cluster = self._clusters.get(context)
        if cluster is None:
            cluster = KubeCluster(
                kubeconfig=self._settings.kubeconfig,
                context=context,
                timeout_s=self._settings.request_timeout_s,
            )
            self._clusters[context] = cluster
        return Workload(
            cluster,
            dns1123_label(location.namespace, "namespace"),
            dns1123_subdomain(location.deployment, "deployment name"),
            container,
        )

    async def close(self) -> None:
        """Stop every watch, then close every cluster's API client."""
        await self.stop_watches()
        clusters, self._clusters = list(self._clusters.values()), {}
        await asyncio.gather(*(cluster.close() for cluster in clusters))


def create(settings: ProviderSettings) -> KubernetesProvider:
    """The registry's entry point."""
    return KubernetesProvider(settings)
