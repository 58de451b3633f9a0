"""Prometheus metrics: observer events, outcomes, KPI roll-ups, HTTP routes, admission."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import REGISTRY

from analysis.model import Analysis, Diagnosis, DiagnosticRequest
from analysis.pipeline import Progress, ProgressCallback
from bot import metrics
from bot.diagnoser import Diagnoser
from bot.settings import Settings
from providers.model import ComponentResult, KubernetesLocation, ServiceTarget
from providers.resilience.gateway import ResilientGateway


def sample(series: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(series, labels) or 0.0


def diagnosis(*statuses: str) -> Diagnosis:
    target = ServiceTarget("ledger", "kubernetes", KubernetesLocation("finance", "ledger"))
    request = DiagnosticRequest(target, "basic", timedelta(hours=1))
    components = [ComponentResult(f"c{i}", s, 0.1) for i, s in enumerate(statuses)]  # type: ignore[arg-type]
    timings = {"collect_ms": 120.0, "analyze_ms": 3.0, "total_ms": 123.0}
    return Diagnosis(request, components, Analysis(), timings)


class TestObserver:
    """The resilience layer's events land in the right series."""

    def test_cache_provider_and_breaker_events_are_counted(self) -> None:
        observer = metrics.PrometheusObserver()
        hits = sample("deploy_feedback_cache_lookups_total", provider="ecs", level="l1")
        errors = sample(
            "deploy_feedback_provider_requests_total",
            provider="ecs",
            endpoint="ecs:DescribeServices",
            outcome="ProviderUnavailable",
        )
        observer.cache_lookup("ecs", "l1")
        observer.provider_attempt("ecs:DescribeServices", "ProviderUnavailable", 0.2)
        observer.breaker_state("ecs:DescribeServices", "open")
        observer.redis_state(False)
        assert sample("deploy_feedback_cache_lookups_total", provider="ecs", level="l1") == hits + 1
        assert (
            sample(
                "deploy_feedback_provider_requests_total",
                provider="ecs",
                endpoint="ecs:DescribeServices",
                outcome="ProviderUnavailable",
            )
            == errors + 1
        )
        assert sample("deploy_feedback_breaker_state", endpoint="ecs:DescribeServices") == 2
        assert sample("deploy_feedback_redis_up") == 0


class TestDiagnosisOutcomes:
    """A diagnosis is ok, partial, failed or timed out by what its components did."""

    @pytest.mark.parametrize(
        ("statuses", "outcome"),
        [
            (("ok", "cached", "skipped"), "ok"),
            (("ok", "timeout"), "partial"),
            (("timeout", "timeout"), "timeout"),
            (("error", "timeout"), "failed"),
        ],
    )
    def test_outcome(self, statuses: tuple[str, ...], outcome: str) -> None:
        assert metrics.outcome_of(diagnosis(*statuses)) == outcome

    def test_recording_counts_the_outcome_and_times(self) -> None:
        before = sample("deploy_feedback_diagnostics_total", outcome="partial")
        timed = sample("deploy_feedback_collection_seconds_count", depth="basic")
        metrics.record_diagnosis(diagnosis("ok", "timeout"))
        assert sample("deploy_feedback_diagnostics_total", outcome="partial") == before + 1
        assert sample("deploy_feedback_collection_seconds_count", depth="basic") == timed + 1


class TestKpiRollup:
    """Roll-ups are ratios over the interval since the previous one."""

    def test_ratios_cover_only_the_last_interval(self) -> None:
        tally = metrics.Tally()
        rollup = metrics.KpiRollup(tally)
        tally.add("lookups", 10)
        tally.add("hits", 9)
        tally.add("diagnoses", 4)
        tally.add("diagnoses_ok", 3)
        tally.add("feedback", 5)
        tally.add("match_failures", 1)
        kpis = rollup.roll_up(60)
        assert kpis["cache_hit_ratio"] == pytest.approx(0.9)
        assert kpis["success_ratio"] == pytest.approx(0.75)
        assert kpis["diagnostics_per_minute"] == pytest.approx(4)
        assert kpis["pattern_match_failure_ratio"] == pytest.approx(0.2)
        tally.add("lookups", 2)
        assert rollup.roll_up(60)["cache_hit_ratio"] == 0
        assert sample("deploy_feedback_kpi", name="cache_hit_ratio") == 0

    def test_feedback_that_says_wrong_is_a_match_failure(self) -> None:
        before = sample("deploy_feedback_pattern_match_failures_total", category="oom_killed")
        metrics.record_feedback(helpful=False, category="oom_killed")
        metrics.record_feedback(helpful=True, category="oom_killed")
        after = sample("deploy_feedback_pattern_match_failures_total", category="oom_killed")
        assert after == before + 1


@pytest.fixture
async def http() -> AsyncIterator[tuple[str, list[bool]]]:
    ready = [False]
    app = web.Application()
    metrics.add_routes(app, ready=lambda: ready[0])
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}", ready
    await runner.cleanup()


class TestRoutes:
    """/metrics, /healthz and /readyz over real HTTP."""

    async def test_metrics_healthz_readyz(self, http: tuple[str, list[bool]]) -> None:
        base, ready = http
        async with aiohttp.ClientSession() as session:
            async with session.get(base + "/metrics") as resp:
                body = await resp.text()
                assert resp.status == 200
                assert "text/plain" in resp.headers["Content-Type"]
                assert "deploy_feedback_diagnostics_total" in body
                assert "process_resident_memory_bytes" in body
            async with session.get(base + "/healthz") as resp:
                assert resp.status == 200
            async with session.get(base + "/readyz") as resp:
                assert resp.status == 503
            ready[0] = True
            async with session.get(base + "/readyz") as resp:
                assert resp.status == 200


class TestDiagnoserAdmission:
    """Through the sandbox: over the bound, diagnoses queue, hear their place, and all finish."""

    async def test_queued_diagnoses_report_their_position_and_complete(self) -> None:
        settings = Settings(sandbox=True, max_concurrent=1)
        diagnoser = await Diagnoser.start(settings, platforms=["kubernetes"])
        assert isinstance(diagnoser.gateway, ResilientGateway)
        seen: dict[int, list[Progress]] = {0: [], 1: [], 2: []}

        def listener(n: int) -> ProgressCallback:
            async def on_progress(progress: Progress) -> None:
                seen[n].append(progress)

            return on_progress

        outcomes = ("ok", "partial", "failed", "timeout")
        before = sum(sample("deploy_feedback_diagnostics_total", outcome=o) for o in outcomes)
        try:
            names = ["payments-worker", "orders-api", "ledger"]
            runs = [
                diagnoser.diagnose(diagnoser.request(name), on_progress=listener(n))
                for n, name in enumerate(names)
            ]
            results = await asyncio.gather(*runs)
        finally:
            await diagnoser.close()
            await diagnoser.gateway.close()  # type: ignore[attr-defined]
        assert [r.request.target.name for r in results] == names
        queued = [[p.position for p in seen[n] if p.kind == "queued"] for n in range(3)]
        assert queued == [[], [1], [2]]
        assert sample("deploy_feedback_sessions_running") == 0
        assert sample("deploy_feedback_queue_depth") == 0
        after = sum(sample("deploy_feedback_diagnostics_total", outcome=o) for o in outcomes)
        assert after == before + 3

    async def test_identical_concurrent_requests_share_one_diagnosis(self) -> None:
        diagnoser = await Diagnoser.start(Settings(sandbox=True), platforms=["kubernetes"])
        assert diagnoser.sandbox is not None
        try:
            requests = [diagnoser.request("ledger", requested_by=f"U{n}") for n in range(5)]
            results = await asyncio.gather(*(diagnoser.diagnose(r) for r in requests))
            later = await diagnoser.diagnose(diagnoser.request("ledger", requested_by="U9"))
        finally:
            await diagnoser.close()
            await diagnoser.gateway.close()  # type: ignore[attr-defined]
        assert [r.request.requested_by for r in results] == ["U0", "U1", "U2", "U3", "U4"]
        assert all(r.analysis is results[0].analysis for r in results)  # one run, five reports
        assert later.analysis is not results[0].analysis  # finished runs are not reused
        assert later.analysis.findings[0].category == results[0].analysis.findings[0].category
