"""`CloudRunProvider`: the Cloud Run components for a target, over one set of API clients."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from providers.base import CollectContext, Component
from providers.errors import ConfigError
from providers.gcp.api import CloudRunApi
from providers.gcp.calls import CloudRunCalls
from providers.gcp.logs import collect_logs
from providers.gcp.metrics import collect_metric_detail, collect_metrics
from providers.gcp.names import CloudRunNames
from providers.gcp.network import collect_network
from providers.gcp.run import collect_revision, collect_revision_diff, collect_service
from providers.model import CloudRunLocation, Depth, Evidence, Platform, ServiceTarget

_Collect = Callable[[CloudRunCalls, CollectContext], Awaitable[list[Evidence]]]
_COMPONENTS: tuple[tuple[str, Depth, _Collect], ...] = (
    ("service", "basic", collect_service),
    ("revision", "basic", collect_revision),
    ("logs", "basic", collect_logs),
    ("metrics", "basic", collect_metrics),
    ("metrics_detail", "comprehensive", collect_metric_detail),
    ("revision_diff", "comprehensive", collect_revision_diff),
    ("network", "comprehensive", collect_network),
)


class CloudRunProvider:
    """Cloud Run Admin v2, Cloud Logging and Cloud Monitoring on the async GAPIC clients."""

    platform: Platform = "cloudrun"

    def __init__(self, *, endpoint: str | None = None, request_timeout_s: float = 10.0) -> None:
        self._api = CloudRunApi(endpoint=endpoint, timeout_s=request_timeout_s)

    def components(self, target: ServiceTarget) -> Sequence[Component]:
        """Every component; names are validated here, before any call is made."""
        if not isinstance(target.location, CloudRunLocation):
            raise ConfigError(f"{target.name} is not a Cloud Run service")
        calls = CloudRunCalls(self._api, CloudRunNames.of(target.location))
        return [
            Component(name, depth, partial(collect, calls)) for name, depth, collect in _COMPONENTS
        ]

    async def close(self) -> None:
        """Close the gRPC channels."""
        await self._api.close()
