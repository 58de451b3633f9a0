"""The `metrics` component: metrics.k8s.io usage of the newest pods against their limits."""

from __future__ import annotations

import asyncio
from datetime import datetime

from providers.base import CollectContext
from providers.kubernetes.workload import (
    Obj,
    Workload,
    fetch_deployment,
    fetch_pod_metrics,
    fetch_rollout,
)
from providers.model import AttributeValue, Evidence
from providers.quantity import format_bytes, parse_quantity
from providers.timestamps import parse_time

SOURCE = "metrics"
NO_METRICS_SERVER = "metrics-server not installed: no usage metrics"


async def collect_metrics(ctx: CollectContext, w: Workload) -> list[Evidence]:
    """Memory and CPU usage per container; a labelled partial result without metrics-server."""
    deployment = await fetch_deployment(ctx, w)
    samples, rollout = await asyncio.gather(
        fetch_pod_metrics(ctx, w, deployment), fetch_rollout(ctx, w)
    )
    if samples is None:
        ctx.note(NO_METRICS_SERVER)
        return []
    pods = {str(p["metadata"]["name"]): p for p in rollout.new_pods()}
    out: list[Evidence] = []
    for sample in samples:
        pod = pods.get(str(sample.get("metadata", {}).get("name")))
        if pod is not None:
            out += _sample_evidence(sample, pod, w.container)
    if not out:
        ctx.note("metrics: no usage samples for the rollout's pods (none running)")
    return out


def _limits(pod: Obj) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for c in pod.get("spec", {}).get("containers") or []:
        limits = (c.get("resources") or {}).get("limits") or {}
        parsed = {k: parse_quantity(str(v)) for k, v in limits.items()}
        out[str(c.get("name"))] = {k: v for k, v in parsed.items() if v is not None}
    return out


def _sample_evidence(sample: Obj, pod: Obj, only: str | None) -> list[Evidence]:
    name = str(pod["metadata"]["name"])
    when: datetime | None = parse_time(sample.get("timestamp"))
    limits = _limits(pod)
    out: list[Evidence] = []
    for c in sample.get("containers") or []:
        container = str(c.get("name"))
        if only is not None and container != only:
            continue
        usage = c.get("usage") or {}
        memory = parse_quantity(str(usage.get("memory", ""))) or 0.0
        cpu = parse_quantity(str(usage.get("cpu", ""))) or 0.0
        attributes: dict[str, AttributeValue] = {
            "pod": name,
            "container": container,
            "memory_bytes": memory,
            "cpu_cores": round(cpu, 4),
        }
        text = f"pod/{name} container {container} memory {format_bytes(memory)}"
        limit = limits.get(container, {}).get("memory")
        if limit:
            pct = round(100 * memory / limit)
            attributes.update(memory_limit_bytes=limit, memory_pct=pct)
            text += f" of {format_bytes(limit)} limit ({pct}%)"
        cpu_limit = limits.get(container, {}).get("cpu")
        text += f", cpu {round(cpu * 1000)}m"
        if cpu_limit:
            attributes["cpu_pct"] = round(100 * cpu / cpu_limit)
            text += f" of {round(cpu_limit * 1000)}m limit ({attributes['cpu_pct']}%)"
        out.append(Evidence("metric", SOURCE, text, when, attributes))
    return out
