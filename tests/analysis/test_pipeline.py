"""The pipeline: components run at once under one deadline; partial results say what is missing."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from analysis.model import Analysis, DiagnosticRequest, Finding
from analysis.pipeline import Progress, plan, run_diagnosis
from providers.base import CollectContext, Component
from providers.errors import ProviderThrottled, ProviderUnavailable
from providers.gateway import Call, DirectGateway, Fetched
from providers.model import Evidence, KubernetesLocation, Platform, ServiceTarget

TARGET = ServiceTarget("svc", "kubernetes", KubernetesLocation("ns", "svc"), "prod")


@dataclass
class ScriptedProvider:
    """A platform whose components behave as each test scripts them."""

    components_: list[Component]
    platform: Platform = "kubernetes"

    def components(self, target: ServiceTarget) -> Sequence[Component]:
        return self.components_

    async def close(self) -> None:
        return None


@dataclass
class RecordingAnalyzer:
    """Says what it was given, so tests can see what evidence reached analysis."""

    seen: list[Evidence] = field(default_factory=list)

    def analyze(
        self,
        evidence: Sequence[Evidence],
        *,
        platform: str = "generic",
        context: Mapping[str, str] | None = None,
    ) -> Analysis:
        self.seen = list(evidence)
        findings = [Finding("app_crash", "p", "t", 0.5, tuple(e.text for e in evidence))]
        return Analysis(findings=findings if evidence else [])


def line(text: str) -> Evidence:
    return Evidence("log", "test", text)


def component(
    name: str,
    *,
    depth: str = "basic",
    delay: float = 0.0,
    error: Exception | None = None,
    text: str | None = None,
) -> Component:
    async def collect(ctx: CollectContext) -> list[Evidence]:
        if delay:
            await asyncio.sleep(delay)
        if error is not None:
            raise error
        return [line(text or name)]

    return Component(name, depth, collect)  # type: ignore[arg-type]


async def diagnose(
    provider: ScriptedProvider,
    *,
    depth: str = "basic",
    budget: float = 5.0,
    progress: list[Progress] | None = None,
):  # type: ignore[no-untyped-def]
    analyzer = RecordingAnalyzer()

    async def record(p: Progress) -> None:
        if progress is not None:
            progress.append(p)

    request = DiagnosticRequest(TARGET, depth)  # type: ignore[arg-type]
    result = await run_diagnosis(
        request, provider, DirectGateway(), analyzer, budget_s=budget, on_progress=record
    )
    return result, analyzer


class TestPlanning:
    """Basic components always run; comprehensive ones only when asked for."""

    def test_basic_depth_skips_comprehensive_components(self) -> None:
        comps = [component("logs"), component("lb", depth="comprehensive")]
        assert [c.name for c in plan(comps, "basic")] == ["logs"]
        assert [c.name for c in plan(comps, "comprehensive")] == ["logs", "lb"]


class TestPartialResults:
    """A failing or slow component yields a labelled partial result, never a sunk diagnosis."""

    async def test_error_in_one_component_keeps_the_others(self) -> None:
        provider = ScriptedProvider(
            [
                component("logs"),
                component("events", error=ProviderUnavailable("HTTP 500 from events")),
            ]
        )
        diagnosis, analyzer = await diagnose(provider)
        statuses = {c.component: (c.status, c.message) for c in diagnosis.components}
        assert statuses["logs"] == ("ok", None)
        assert statuses["events"] == ("error", "HTTP 500 from events")
        assert [e.text for e in analyzer.seen] == ["logs"]
        assert [c.component for c in diagnosis.missing] == ["events"]

    async def test_slow_component_times_out_at_the_deadline(self) -> None:
        provider = ScriptedProvider([component("logs"), component("metrics", delay=30)])
        diagnosis, analyzer = await diagnose(provider, budget=0.2)
        metrics = next(c for c in diagnosis.components if c.component == "metrics")
        assert metrics.status == "timeout"
        assert "0.2 s" in (metrics.message or "")
        assert [e.text for e in analyzer.seen] == ["logs"]
        assert diagnosis.timings["collect_ms"] < 5000

    async def test_throttling_is_labelled(self) -> None:
        provider = ScriptedProvider([component("logs", error=ProviderThrottled("rate exceeded"))])
        diagnosis, _ = await diagnose(provider)
        assert diagnosis.components[0].message == "throttled: rate exceeded"

    async def test_a_bug_in_a_component_is_reported_not_raised(self) -> None:
        provider = ScriptedProvider([component("logs", error=KeyError("items"))])
        diagnosis, _ = await diagnose(provider)
        assert diagnosis.components[0].status == "error"
        assert "KeyError" in (diagnosis.components[0].message or "")

    async def test_note_without_evidence_is_a_skipped_component(self) -> None:
        async def collect(ctx: CollectContext) -> list[Evidence]:
            ctx.note("metrics-server not installed")
            return []

        diagnosis, _ = await diagnose(ScriptedProvider([Component("metrics", "basic", collect)]))
        assert (diagnosis.components[0].status, diagnosis.components[0].message) == (
            "skipped",
            "metrics-server not installed",
        )


class TestConcurrencyAndProgress:
    """Components run at once, share identical calls, and report progress in order."""

    async def test_components_run_concurrently(self) -> None:
        provider = ScriptedProvider([component(f"c{i}", delay=0.3) for i in range(5)])
        diagnosis, _ = await diagnose(provider)
        assert diagnosis.timings["collect_ms"] < 1200  # five 0.3 s waits, not 1.5 s in a row

    async def test_identical_calls_within_a_diagnosis_run_once(self) -> None:
        calls = 0

        async def fetch_deployment() -> dict[str, str]:
            nonlocal calls
            calls += 1
            await asyncio.sleep(0.01)
            return {"name": "svc"}

        async def collect(ctx: CollectContext) -> list[Evidence]:
            value = await ctx.fetch(Call("kubernetes", "c", "read_deployment"), fetch_deployment)
            return [line(value["name"])]

        provider = ScriptedProvider([Component(n, "basic", collect) for n in ("a", "b", "c")])
        await diagnose(provider)
        assert calls == 1

    async def test_progress_reports_plan_then_each_component(self) -> None:
        progress: list[Progress] = []
        await diagnose(
            ScriptedProvider([component("logs"), component("events")]), progress=progress
        )
        assert progress[0].kind == "planned"
        assert progress[0].components == ("logs", "events")
        finished = [p.component for p in progress if p.kind == "finished"]
        assert sorted(finished) == ["events", "logs"]

    async def test_cached_component_is_labelled(self) -> None:
        class WarmGateway(DirectGateway):
            async def fetch(self, call, fn, *, deadline=None):  # type: ignore[no-untyped-def]
                return Fetched({"name": "warm"}, cached=True)

        async def collect(ctx: CollectContext) -> list[Evidence]:
            value = await ctx.fetch(Call("kubernetes", "c", "op"), lambda: asyncio.sleep(0))
            return [line(value["name"])]

        request = DiagnosticRequest(TARGET)
        diagnosis = await run_diagnosis(
            request,
            ScriptedProvider([Component("status", "basic", collect)]),
            WarmGateway(),
            RecordingAnalyzer(),
            budget_s=1,
        )
        assert diagnosis.components[0].status == "cached"


class TestCancellation:
    """A cancelled diagnosis leaves no component running behind it."""

    async def test_cancelling_the_diagnosis_cancels_its_components(self) -> None:
        never = asyncio.Event()
        started = asyncio.Event()

        async def collect(ctx: CollectContext) -> list[Evidence]:
            started.set()
            await never.wait()
            return []

        provider = ScriptedProvider([Component("pods", "basic", collect)])
        run = asyncio.create_task(
            run_diagnosis(
                DiagnosticRequest(TARGET),
                provider,
                DirectGateway(),
                RecordingAnalyzer(),
                budget_s=30,
            )
        )
        await started.wait()
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
        alive = [t for t in asyncio.all_tasks() if t.get_name() == "pods" and not t.done()]
        assert alive == []
