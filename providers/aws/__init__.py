"""The AWS ECS/Fargate provider: ECS, CloudWatch Logs/Metrics, ELBv2 and EC2 via aioboto3."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from providers.aws.api import EcsApi
from providers.aws.clients import AwsClients
from providers.aws.ecs import collect_service, collect_task_definition, collect_tasks
from providers.aws.elb import collect_load_balancer
from providers.aws.logs import collect_logs
from providers.aws.metrics import collect_metrics
from providers.aws.network import collect_network
from providers.base import CollectContext, Component
from providers.errors import ConfigError
from providers.model import Depth, EcsLocation, Evidence, Platform, ServiceTarget
from providers.registry import ProviderSettings

_Collect = Callable[[EcsApi, CollectContext], Awaitable[list[Evidence]]]

COMPONENTS: tuple[tuple[str, Depth, _Collect], ...] = (
    ("service", "basic", collect_service),
    ("tasks", "basic", collect_tasks),
    ("task_definition", "basic", collect_task_definition),
    ("logs", "basic", collect_logs),
    ("metrics", "basic", collect_metrics),
    ("load_balancer", "comprehensive", collect_load_balancer),
    ("network", "comprehensive", collect_network),
)


class EcsProvider:
    """ECS services: one client pool for every target, components per target."""

    platform: Platform = "ecs"

    def __init__(self, settings: ProviderSettings) -> None:
        self.clients = AwsClients(settings)

    def components(self, target: ServiceTarget) -> Sequence[Component]:
        """Every ECS component for `target` (names are validated here, before any query)."""
        if not isinstance(target.location, EcsLocation):
            raise ConfigError(f"service {target.name!r} is not an ECS service")
        api = EcsApi(self.clients, target.location)
        return [Component(name, depth, partial(fn, api)) for name, depth, fn in COMPONENTS]

    async def close(self) -> None:
        """Close every AWS client."""
        await self.clients.close()


def create(settings: ProviderSettings) -> EcsProvider:
    """The registry's entry point."""
    return EcsProvider(settings)
