"""Builds the provider for a platform from endpoint settings (real or sandbox)."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from providers.base import Provider
from providers.model import Platform

_MODULES: dict[Platform, str] = {
    "kubernetes": "providers.kubernetes",
    "ecs": "providers.aws",
    "cloudrun": "providers.gcp",
}


@dataclass(frozen=True, slots=True)
class ProviderSettings:
    """Where each platform's API is; `None` means the platform's own default chain."""

    kubeconfig: Path | None = None
    kube_context: str | None = None
    aws_endpoint_url: str | None = None
    aws_profile: str | None = None
    gcp_endpoint: str | None = None
    request_timeout_s: float = 10.0
    kube_watch_namespaces: int = 20  # watched namespaces per cluster; 0 turns watching off
    kube_watch_idle_s: float = 600.0  # a namespace unread this long stops being watched


def create_provider(platform: Platform, settings: ProviderSettings) -> Provider:
    """Import the platform's module and build its provider (imports stay lazy)."""
    module = importlib.import_module(_MODULES[platform])
    provider: Provider = module.create(settings)
    return provider
