"""GCP Cloud Run provider: service, revision, logs and metrics evidence over gRPC."""

from __future__ import annotations

from providers.gcp.provider import CloudRunProvider
from providers.registry import ProviderSettings

__all__ = ["CloudRunProvider", "create"]


def create(settings: ProviderSettings) -> CloudRunProvider:
    """The provider for `settings` (a sandbox endpoint, or ADC and Google's endpoints)."""
    return CloudRunProvider(
        endpoint=settings.gcp_endpoint, request_timeout_s=settings.request_timeout_s
    )
