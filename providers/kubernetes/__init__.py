"""Kubernetes provider: Deployment rollouts, pods, logs, events, nodes and metrics.k8s.io."""

from providers.kubernetes.provider import KubernetesProvider, create

__all__ = ["KubernetesProvider", "create"]
