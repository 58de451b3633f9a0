"""One AWS sandbox (moto behind the fault proxy) per test module, and an ECS provider on it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from providers.aws import EcsProvider, create
from providers.base import CollectContext, Component
from providers.gateway import DirectGateway
from providers.model import Depth, EcsLocation, Evidence, ServiceTarget
from providers.sandbox.aws import AwsEmulator, start
from providers.sandbox.faults import Faults
from providers.sandbox.runtime import settings_for


@dataclass
class AwsSandbox:
    """The running emulator, its fault switches, and a provider pointed at it."""

    emulator: AwsEmulator
    faults: Faults
    provider: EcsProvider

    def target(self, service: str, **location: object) -> ServiceTarget:
        """A catalog-like target in the sandbox's cluster."""
        fields: dict[str, object] = {"cluster": "prod", "service": service, "region": "us-east-1"}
        fields.update(location)
        return ServiceTarget(service, "ecs", EcsLocation(**fields))  # type: ignore[arg-type]

    def component(self, target: ServiceTarget, name: str) -> Component:
        """One named component of the provider for `target`."""
        return next(c for c in self.provider.components(target) if c.name == name)


def context(target: ServiceTarget, depth: Depth = "comprehensive") -> CollectContext:
    """A one-hour window ending now, through a gateway without cache."""
    now = datetime.now(UTC)
    return CollectContext(target, depth, now - timedelta(hours=1), now, DirectGateway())


Collect = Callable[[str, str], Awaitable[tuple[list[Evidence], CollectContext]]]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def aws(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[AwsSandbox]:
    """moto + proxy with the four ECS scenarios; faults cleared by `healthy` after each test."""
    faults = Faults()
    emulator = await start(faults, Path(tmp_path_factory.mktemp("aws")))
    provider = create(settings_for(emulator, request_timeout_s=5.0))
    try:
        yield AwsSandbox(emulator, faults, provider)
    finally:
        await provider.close()
        await emulator.close()


@pytest_asyncio.fixture(loop_scope="module")
async def collect(aws: AwsSandbox) -> AsyncIterator[Collect]:
    """Run one component for one sandbox service; faults are cleared afterwards."""

    async def run(service: str, component: str) -> tuple[list[Evidence], CollectContext]:
        target = aws.target(service)
        ctx = context(target)
        return await aws.component(target, component).collect(ctx), ctx

    yield run
    aws.faults.clear()
