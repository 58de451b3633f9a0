"""Background jobs on APScheduler: cache upkeep, pre-warming, KPI roll-ups.

Pre-warming runs a service's status and configuration components through the
shared gateway when a deploy starts (or a new rollout is seen), so the cache
already holds them when somebody types /diagnose a minute later.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import metrics
from bot.diagnoser import Diagnoser
from providers.base import CollectContext, Component
from providers.errors import DeployFeedbackError
from providers.resilience.gateway import ResilientGateway

log = logging.getLogger(__name__)

# Status and configuration components of each platform; logs and metrics are keyed
# by their time window and would be stale by the time a failure is diagnosed.
PREWARM_COMPONENTS = frozenset(
    {"status", "pods", "events", "service", "tasks", "task_definition", "revision"}
)


class Scheduler:
    """Owns the AsyncIOScheduler and the jobs it runs for one Diagnoser."""

    def __init__(
        self,
        diagnoser: Diagnoser,
        *,
        maintenance_s: float = 60.0,
        rollup_s: float = 60.0,
        compress_after_s: float = 300.0,
        prewarm_budget_s: float = 10.0,
    ) -> None:
        self.diagnoser = diagnoser
        self.maintenance_s = maintenance_s
        self.rollup_s = rollup_s
        self.compress_after_s = compress_after_s
        self.prewarm_budget_s = prewarm_budget_s
        self.rollup = metrics.KpiRollup()
        self.scheduler = AsyncIOScheduler()

    def start(self) -> None:
        """Schedule the periodic jobs and start (needs a running event loop)."""
        self.scheduler.add_job(
            self.maintain, "interval", seconds=self.maintenance_s, id="cache-maintenance"
        )
        self.scheduler.add_job(self.roll_up, "interval", seconds=self.rollup_s, id="kpi-rollup")
        self.scheduler.start()

    def shutdown(self) -> None:
        """Stop the scheduler without waiting for running jobs."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def maintain(self) -> dict[str, int]:
        """Cache upkeep, if the gateway has a cache; exports the L1 size."""
        gateway = self.diagnoser.gateway
        if not isinstance(gateway, ResilientGateway):
            return {}
        report = gateway.maintain(compress_after_s=self.compress_after_s)
        metrics.set_l1_bytes(gateway.l1.bytes)
        return report

    def roll_up(self) -> dict[str, float]:
        """The KPIs over the last interval."""
        return self.rollup.roll_up(self.rollup_s)

    def schedule_prewarm(self, service: str, env: str | None = None) -> None:
        """Pre-warm `service` now in the background (a deploy started, a rollout appeared)."""
        self.scheduler.add_job(
            self.prewarm,
            args=[service, env],
            id=f"prewarm:{service}:{env or '-'}",
            replace_existing=True,
            misfire_grace_time=30,
        )

    async def prewarm(self, service: str, env: str | None = None) -> list[str]:
        """Fetch the service's status/config components; return the ones that came back."""
        try:
            request = self.diagnoser.request(service, env)
        except DeployFeedbackError as exc:
            log.warning("not pre-warming %r: %s", service, exc)
            return []
        target = request.target
        provider = self.diagnoser.provider(target.platform)
        wanted = [c for c in provider.components(target) if c.name in PREWARM_COMPONENTS]
        loop = asyncio.get_running_loop()
        until = datetime.now(UTC)
        base = CollectContext(
            target=target,
            depth="basic",
            since=until - request.window,
            until=until,
            gateway=self.diagnoser.gateway,
            deadline=loop.time() + self.prewarm_budget_s,
        )
        return await _collect_quietly(wanted, base)


async def _collect_quietly(components: Sequence[Component], base: CollectContext) -> list[str]:
    """Run components for their side effect (a warm cache); a failure only costs its warmth."""

    async def one(component: Component) -> str | None:
        try:
            await component.collect(base.for_component())
        except DeployFeedbackError as exc:
            log.info("pre-warming %s failed: %s", component.name, exc)
            return None
        return component.name

    done = await asyncio.gather(*(one(c) for c in components))
    return [name for name in done if name is not None]
