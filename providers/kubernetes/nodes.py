"""The `nodes` component: pressure conditions and allocatable resources of the pods' nodes."""

from __future__ import annotations

import asyncio

from providers.base import CollectContext
from providers.kubernetes.pods import MAX_PODS, troubled_first
from providers.kubernetes.workload import Obj, Workload, fetch_node, fetch_rollout
from providers.model import AttributeValue, Evidence
from providers.timestamps import parse_time

SOURCE = "nodes"
_PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure")


async def collect_nodes(ctx: CollectContext, w: Workload) -> list[Evidence]:
    """One Evidence per node the newest pods run on, plus one per unhealthy condition."""
    rollout = await fetch_rollout(ctx, w)
    pods = troubled_first(rollout.new_pods())[:MAX_PODS]
    names = sorted({str(p["spec"]["nodeName"]) for p in pods if p.get("spec", {}).get("nodeName")})
    if not names:
        ctx.note("nodes: no pod of the rollout is scheduled on a node yet")
        return []
    nodes = await asyncio.gather(*(fetch_node(ctx, w, name) for name in names))
    return [item for node in nodes for item in node_evidence(node)]


def node_evidence(node: Obj) -> list[Evidence]:
    """A summary line (healthy nodes name no pressure) and the unhealthy conditions."""
    name = str(node.get("metadata", {}).get("name", ""))
    status = node.get("status", {})
    conditions = {str(c.get("type")): c for c in status.get("conditions") or []}
    attributes: dict[str, AttributeValue] = {"node": name}
    bad: list[Obj] = []
    for kind in ("Ready", *_PRESSURES):
        cond = conditions.get(kind)
        state = str(cond.get("status", "Unknown")) if cond else "Unknown"
        attributes[_snake(kind)] = state == "True"
        if cond is not None and (state != "True") == (kind == "Ready"):
            bad.append(cond)
    allocatable = status.get("allocatable") or {}
    alloc = " ".join(f"{k}={allocatable[k]}" for k in ("cpu", "memory", "pods") if k in allocatable)
    for key in ("cpu", "memory"):
        if key in allocatable:
            attributes[f"allocatable_{key}"] = str(allocatable[key])
    health = ", ".join(f"{c['type']}={c.get('status')}" for c in bad) or "Ready, no pressure"
    out = [
        Evidence("status", SOURCE, f"node/{name} {health}  Allocatable: {alloc}", None, attributes)
    ]
    for cond in bad:
        out.append(
            Evidence(
                "status",
                SOURCE,
                f"node/{name} condition {cond['type']}={cond.get('status')}  "
                f"Reason: {cond.get('reason', '')}  Message: {cond.get('message', '')}",
                parse_time(cond.get("lastTransitionTime")),
                {
                    "node": name,
                    "condition": str(cond["type"]),
                    "reason": str(cond.get("reason", "")),
                },
            )
        )
    return out


def _snake(kind: str) -> str:
    return {"MemoryPressure": "memory_pressure", "DiskPressure": "disk_pressure"}.get(
        kind, "pid_pressure" if kind == "PIDPressure" else "ready"
    )
