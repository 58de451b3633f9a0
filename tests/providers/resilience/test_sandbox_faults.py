"""Faults injected at the Kubernetes sandbox, through the real provider and the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from providers.base import CollectContext, Provider
from providers.model import KubernetesLocation, ServiceTarget
from providers.registry import create_provider
from providers.resilience.breaker import BreakerPolicy
from providers.resilience.gateway import ResilientGateway
from providers.resilience.retry import RetryPolicy
from providers.sandbox.faults import Faults
from providers.sandbox.runtime import Sandbox
from tests.providers.resilience.doubles import ManualClock

TARGET = ServiceTarget(
    "payments-worker", "kubernetes", KubernetesLocation("payments", "payments-worker"), "prod"
)


@pytest.fixture
async def cluster() -> AsyncIterator[tuple[Sandbox, Provider]]:
    sandbox = await Sandbox.start(["kubernetes"], faults=Faults(seed=3))
    provider = create_provider("kubernetes", sandbox.provider_settings(request_timeout_s=5))
    yield sandbox, provider
    await provider.close()
    await sandbox.close()


async def collect(
    provider: Provider, gateway: ResilientGateway, budget_s: float = 10
) -> dict[str, str]:
    """Run every basic component; name -> "ok" or the error class."""
    until = datetime.now(UTC)
    base = CollectContext(
        TARGET, "basic", until - timedelta(hours=1), until, gateway,
        deadline=gateway.clock.now() + budget_s,
    )  # fmt: skip
    outcome: dict[str, str] = {}
    for component in provider.components(TARGET):
        if component.depth != "basic":
            continue
        try:
            await component.collect(base.for_component())
            outcome[component.name] = "ok"
        except Exception as exc:
            outcome[component.name] = type(exc).__name__
    return outcome


class TestTransientFaults:
    """Bursts of 5xx and throttling are retried away within the deadline."""

    async def test_a_5xx_burst_is_absorbed_by_retries(
        self, cluster: tuple[Sandbox, Provider], clock: ManualClock
    ) -> None:
        sandbox, provider = cluster
        sandbox.faults.set("kubernetes", error_rate=0.4)
        gateway = ResilientGateway(
            clock=clock, retry=RetryPolicy(max_attempts=8), breaker=BreakerPolicy(min_calls=50)
        )
        outcome = await collect(provider, gateway)
        assert set(outcome.values()) == {"ok"}
        assert gateway.stats["retries"] > 0
        assert gateway.stats["outcome:ProviderUnavailable"] == gateway.stats["retries"]

    async def test_throttling_honours_retry_after_and_then_answers(
        self, cluster: tuple[Sandbox, Provider], clock: ManualClock
    ) -> None:
        sandbox, provider = cluster
        sandbox.faults.set("kubernetes", throttle_rate=0.5)
        gateway = ResilientGateway(clock=clock, retry=RetryPolicy(max_attempts=8))
        outcome = await collect(provider, gateway)
        assert set(outcome.values()) == {"ok"}
        assert 1.0 in clock.sleeps  # the sandbox's Retry-After: 1

    async def test_throttling_past_the_deadline_fails_fast(
        self, cluster: tuple[Sandbox, Provider]
    ) -> None:
        sandbox, provider = cluster
        sandbox.faults.set("kubernetes", throttle_rate=1.0)
        gateway = ResilientGateway()
        loop = asyncio.get_running_loop()
        started = loop.time()
        outcome = await collect(provider, gateway, budget_s=0.5)
        assert "ok" not in outcome.values()
        assert loop.time() - started < 2.0  # nobody waited out a 1 s Retry-After per call


class TestProviderDown:
    """A provider that is down opens its breakers; they close once it answers again."""

    async def test_breaker_opens_fails_fast_and_recovers(
        self, cluster: tuple[Sandbox, Provider], clock: ManualClock
    ) -> None:
        sandbox, provider = cluster
        sandbox.faults.set("kubernetes", down=True)
        gateway = ResilientGateway(
            clock=clock,
            retry=RetryPolicy(max_attempts=1),
            breaker=BreakerPolicy(min_calls=2, error_rate=0.5, open_s=5),
        )
        for _ in range(3):
            await collect(provider, gateway)
        assert "open" in gateway.breaker_states().values()
        reached = sandbox.faults.total_calls("kubernetes")
        outcome = await collect(provider, gateway)
        assert "CircuitOpen" in outcome.values()
        assert sandbox.faults.total_calls("kubernetes") - reached < len(outcome)
        sandbox.faults.clear()
        clock.advance(5)
        gateway.l1.clear()
        assert set((await collect(provider, gateway)).values()) == {"ok"}
        assert set(gateway.breaker_states().values()) == {"closed"}
