"""The Kubernetes provider: one API client per kubeconfig context, six collection components."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from functools import partial
from typing import Protocol

from providers.base import CollectContext, Component
from providers.errors import ConfigError
from providers.kubernetes.api import KubeCluster
from providers.kubernetes.events import collect_events
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
    """Diagnoses Deployments through the Kubernetes API (kubeconfig or in-cluster account)."""

    platform: Platform = "kubernetes"

    def __init__(self, settings: ProviderSettings) -> None:
        self._settings = settings
        self._clusters: dict[str | None, KubeCluster] = {}

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
        """Close every cluster's API client."""
        clusters, self._clusters = list(self._clusters.values()), {}
        await asyncio.gather(*(cluster.close() for cluster in clusters))


def create(settings: ProviderSettings) -> KubernetesProvider:
    """The registry's entry point."""
    return KubernetesProvider(settings)
