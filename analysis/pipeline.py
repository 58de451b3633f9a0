"""Plans a diagnosis's components, runs them concurrently under one deadline, analyses the rest."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from analysis.model import Analysis, Diagnosis, DiagnosticRequest
from providers.base import CollectContext, Component, Provider
from providers.errors import ConfigError, ProviderError, ProviderThrottled, ProviderTimeout
from providers.gateway import Gateway
from providers.model import ComponentResult, Depth, Evidence

log = logging.getLogger(__name__)


class Analyzer(Protocol):
    """What the pipeline needs of the pattern engine."""

    def analyze(
        self,
        evidence: Sequence[Evidence],
        *,
        platform: str = "generic",
        context: Mapping[str, str] | None = None,
    ) -> Analysis:
        """Turn evidence into ranked findings."""
        ...


@dataclass(frozen=True, slots=True)
class Progress:
    """A step of a running diagnosis, for live displays (terminal spinner, Slack edits)."""

    kind: Literal["queued", "planned", "started", "finished"]
    component: str | None = None
    result: ComponentResult | None = None
    position: int | None = None
    components: tuple[str, ...] = ()


ProgressCallback = Callable[[Progress], Awaitable[None]]


def plan(components: Sequence[Component], depth: Depth) -> list[Component]:
    """The components to run at `depth`: basic ones always, comprehensive ones on request."""
    return [c for c in components if depth == "comprehensive" or c.depth == "basic"]


async def run_diagnosis(
    request: DiagnosticRequest,
    provider: Provider,
    gateway: Gateway,
    analyzer: Analyzer,
    *,
    budget_s: float,
    on_progress: ProgressCallback | None = None,
) -> Diagnosis:
    """Collect every planned component within `budget_s`, then analyse whatever arrived."""
    started = time.perf_counter()
    loop = asyncio.get_running_loop()
    until = datetime.now(UTC)
    base = CollectContext(
        target=request.target,
        depth=request.depth,
        since=until - request.window,
        until=until,
        gateway=gateway,
        deadline=loop.time() + budget_s,
    )
    planned = plan(provider.components(request.target), request.depth)
    await _tell(on_progress, Progress("planned", components=tuple(c.name for c in planned)))
    results = await _collect(planned, base, budget_s, on_progress)
    collected = time.perf_counter()
    evidence = [item for result in results for item in result.evidence]
    analysis = analyzer.analyze(
        evidence, platform=request.target.platform, context=request.target.identifiers()
    )
    finished = time.perf_counter()
    timings = {
        "collect_ms": round((collected - started) * 1000, 1),
        "analyze_ms": round((finished - collected) * 1000, 1),
        "total_ms": round((finished - started) * 1000, 1),
    }
    return Diagnosis(request=request, components=results, analysis=analysis, timings=timings)


async def _collect(
    planned: Sequence[Component],
    base: CollectContext,
    budget_s: float,
    on_progress: ProgressCallback | None,
) -> list[ComponentResult]:
    tasks = [
        asyncio.create_task(_run_component(c, base.for_component(), on_progress), name=c.name)
        for c in planned
    ]
    if not tasks:
        return []
    try:
        _done, pending = await asyncio.wait(tasks, timeout=budget_s)
    except asyncio.CancelledError:  # the diagnosis itself was cancelled: so are its components
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    for task in pending:
        task.cancel()
    results: list[ComponentResult] = []
    for component, task in zip(planned, tasks, strict=True):
        if task in pending:
            result = ComponentResult(
                component.name, "timeout", budget_s, message=f"no answer within {budget_s:g} s"
            )
            await _tell(on_progress, Progress("finished", component.name, result))
        else:
            result = task.result()
        results.append(result)
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    return results


async def _run_component(
    component: Component, ctx: CollectContext, on_progress: ProgressCallback | None
) -> ComponentResult:
    await _tell(on_progress, Progress("started", component.name))
    started = time.perf_counter()
    evidence: list[Evidence] = []
    status: Literal["ok", "timeout", "error", "skipped", "cached"] = "ok"
    message: str | None = None
    try:
        evidence = await component.collect(ctx)
    except ProviderTimeout as exc:
        status, message = "timeout", str(exc) or "timed out"
    except ProviderThrottled as exc:
        status, message = "error", f"throttled: {exc}"
    except ProviderError as exc:
        status, message = "error", str(exc) or type(exc).__name__
    except ConfigError as exc:  # e.g. kubeconfig missing: the user must act, nothing to retry
        status, message = "error", f"configuration: {exc}"
    except Exception as exc:  # a bug in one component must not sink the diagnosis
        log.exception("component %s failed", component.name)
        status, message = "error", f"internal error: {type(exc).__name__}: {exc}"
    if status == "ok":
        if ctx.notes and not evidence:
            status = "skipped"
        elif ctx.calls and ctx.cache_hits == ctx.calls:
            status = "cached"
    notes = "; ".join(ctx.notes) if ctx.notes else None
    result = ComponentResult(
        component.name,
        status,
        time.perf_counter() - started,
        evidence,
        message if message is not None else notes,
    )
    await _tell(on_progress, Progress("finished", component.name, result))
    return result


async def _tell(callback: ProgressCallback | None, progress: Progress) -> None:
    if callback is None:
        return
    try:
        await callback(progress)
    except Exception:  # a display failing must not stop the diagnosis; say so once per step
        log.warning("progress display failed for %s", progress.kind, exc_info=True)
