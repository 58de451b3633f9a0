"""The scheduler's jobs against the sandbox: pre-warming, cache upkeep, KPI roll-ups."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from prometheus_client import REGISTRY

from bot.diagnoser import Diagnoser
from bot.scheduler import PREWARM_COMPONENTS, Scheduler
from bot.settings import Settings
from providers.resilience.gateway import ResilientGateway


@pytest.fixture
async def diagnoser() -> AsyncIterator[Diagnoser]:
    diagnoser = await Diagnoser.start(Settings(sandbox=True), platforms=["kubernetes"])
    yield diagnoser
    await diagnoser.close()
    assert isinstance(diagnoser.gateway, ResilientGateway)
    await diagnoser.gateway.close()


class TestPrewarm:
    """A pre-warmed service's status and configuration come from the cache afterwards."""

    async def test_a_diagnosis_after_prewarming_starts_warm(self, diagnoser: Diagnoser) -> None:
        assert diagnoser.sandbox is not None
        faults = diagnoser.sandbox.faults
        warmed = await Scheduler(diagnoser).prewarm("payments-worker")
        assert warmed
        assert set(warmed) <= PREWARM_COMPONENTS
        calls_after_prewarm = faults.total_calls("kubernetes")
        assert calls_after_prewarm > 0
        diagnosis = await diagnoser.diagnose(diagnoser.request("payments-worker"))
        statuses = {c.component: c.status for c in diagnosis.components}
        assert all(statuses[name] == "cached" for name in warmed if name in statuses)
        # only the parts not pre-warmed (logs, metrics, nodes) reached the platform
        assert faults.total_calls("kubernetes") > calls_after_prewarm
        assert diagnosis.analysis.findings[0].category == "oom_killed"

    async def test_an_unknown_service_is_skipped_quietly(self, diagnoser: Diagnoser) -> None:
        assert await Scheduler(diagnoser).prewarm("no-such-service") == []

    async def test_a_failing_platform_costs_only_the_warmth(self, diagnoser: Diagnoser) -> None:
        assert diagnoser.sandbox is not None
        diagnoser.sandbox.faults.set("kubernetes", down=True)
        scheduler = Scheduler(diagnoser, prewarm_budget_s=2)
        assert await scheduler.prewarm("ledger") == []


class TestPeriodicJobs:
    """The interval jobs are scheduled, and each does its work when run."""

    async def test_start_schedules_maintenance_and_rollups(self, diagnoser: Diagnoser) -> None:
        scheduler = Scheduler(diagnoser, maintenance_s=60, rollup_s=60)
        executed: asyncio.Queue[JobExecutionEvent] = asyncio.Queue()
        scheduler.scheduler.add_listener(executed.put_nowait, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        scheduler.start()
        try:
            ids = {job.id for job in scheduler.scheduler.get_jobs()}
            assert ids == {"cache-maintenance", "kpi-rollup"}
            scheduler.schedule_prewarm("orders-api")
            event = await asyncio.wait_for(executed.get(), timeout=30)
            assert event.job_id == "prewarm:orders-api:-"
            assert event.exception is None
            assert "status" in event.retval
        finally:
            scheduler.shutdown()

    async def test_maintenance_reports_the_cache_and_exports_its_size(
        self, diagnoser: Diagnoser
    ) -> None:
        scheduler = Scheduler(diagnoser)
        await scheduler.prewarm("orders-api")
        report = scheduler.maintain()
        assert report["entries"] > 0
        assert isinstance(diagnoser.gateway, ResilientGateway)
        exported = REGISTRY.get_sample_value("deploy_feedback_l1_cache_bytes")
        assert exported == diagnoser.gateway.l1.bytes > 0

    async def test_rollup_returns_every_kpi(self, diagnoser: Diagnoser) -> None:
        kpis = Scheduler(diagnoser).roll_up()
        assert set(kpis) == {
            "diagnostics_per_minute",
            "cache_hit_ratio",
            "success_ratio",
            "provider_error_ratio",
            "timeout_ratio",
            "pattern_match_failure_ratio",
        }


class TestPrewarmWatches:
    """Pre-warming a Kubernetes service starts watching its namespace; reads then count as hits."""

    async def test_prewarm_starts_the_watch_and_its_answers_count_as_cache_hits(
        self, diagnoser: Diagnoser
    ) -> None:
        from providers.kubernetes import KubernetesProvider
        from providers.kubernetes.live import NAMESPACED

        await Scheduler(diagnoser).prewarm("payments-worker")
        provider = diagnoser.provider("kubernetes")
        assert isinstance(provider, KubernetesProvider)
        live = provider.live_cluster("sandbox")
        assert live is not None
        assert live.namespaces == ["payments"]
        async with asyncio.timeout(10):
            for kind in NAMESPACED:
                informer = live.informer("payments", kind)
                assert informer is not None
                await informer.wait_for(lambda i: i.ready)
        before = REGISTRY.get_sample_value(
            "deploy_feedback_cache_lookups_total", {"provider": "kubernetes", "level": "watch"}
        )
        diagnosis = await diagnoser.diagnose(diagnoser.request("payments-worker"))
        assert diagnosis.analysis.findings[0].category == "oom_killed"
        after = REGISTRY.get_sample_value(
            "deploy_feedback_cache_lookups_total", {"provider": "kubernetes", "level": "watch"}
        )
        assert (after or 0) > (before or 0)
