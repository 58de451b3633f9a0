"""The `events` component: events of the Deployment, its ReplicaSets and its pods."""

from __future__ import annotations

import asyncio
from datetime import datetime

from providers.base import CollectContext
from providers.kubernetes.workload import (
    Obj,
    Rollout,
    Workload,
    fetch_deployment,
    fetch_events,
    fetch_rollout,
    in_window,
)
from providers.model import Evidence
from providers.timestamps import parse_time

SOURCE = "events"
_FALLBACK_RS = 2
_FALLBACK_PODS = 5
_KINDS = {"Deployment": "deployment", "ReplicaSet": "replicaset", "Pod": "pod"}


async def collect_events(ctx: CollectContext, w: Workload) -> list[Evidence]:
    """One namespace-wide list, filtered here; per-object lists only if that page was cut."""
    deployment = await fetch_deployment(ctx, w)
    (page, truncated), rollout = await asyncio.gather(
        fetch_events(ctx, w, deployment), fetch_rollout(ctx, w)
    )
    if truncated:
        page = await _per_object(ctx, w, rollout)
    mine = [e for e in page if _belongs(e, w, rollout) and in_window(ctx, _when(e))]
    mine.sort(key=lambda e: _when(e) or ctx.since)
    return [_evidence(e) for e in mine]


async def _per_object(ctx: CollectContext, w: Workload, rollout: Rollout) -> list[Obj]:
    ctx.note("events: namespace has many events; fetched the rollout's objects one by one")
    names = [("Deployment", w.deployment)]
    names += [("ReplicaSet", rs["metadata"]["name"]) for rs in rollout.replica_sets[:_FALLBACK_RS]]
    names += [("Pod", p["metadata"]["name"]) for p in rollout.new_pods()[:_FALLBACK_PODS]]
    pages = await asyncio.gather(
        *(
            fetch_events(
                ctx, w, rollout.deployment, f"involvedObject.kind={kind},involvedObject.name={name}"
            )
            for kind, name in names
        )
    )
    return [event for items, _ in pages for event in items]


def _belongs(event: Obj, w: Workload, rollout: Rollout) -> bool:
    obj = event.get("involvedObject") or {}
    kind, name = obj.get("kind"), str(obj.get("name", ""))
    if kind == "Deployment":
        return name == w.deployment
    rs_names = [str(rs.get("metadata", {}).get("name", "")) for rs in rollout.replica_sets]
    if kind == "ReplicaSet":
        return name in rs_names
    # Pods are named after their ReplicaSet; this keeps events of pods already replaced.
    return kind == "Pod" and any(name.startswith(f"{rs}-") for rs in rs_names)


def _when(event: Obj) -> datetime | None:
    meta = event.get("metadata", {})
    series = (event.get("series") or {}).get("lastObservedTime")
    for value in (series, event.get("lastTimestamp"), event.get("eventTime")):
        if parse_time(value) is not None:
            return parse_time(value)
    return parse_time(event.get("firstTimestamp")) or parse_time(meta.get("creationTimestamp"))


def _evidence(event: Obj) -> Evidence:
    obj = event.get("involvedObject") or {}
    kind_name = str(obj.get("kind", ""))
    ref = f"{_KINDS.get(kind_name, kind_name.lower())}/{obj.get('name', '')}"
    kind, reason = str(event.get("type", "Normal")), str(event.get("reason", ""))
    count = int(event.get("count") or (event.get("series") or {}).get("count") or 1)
    message = " ".join(str(event.get("message", "")).split())
    text = f"{kind}  {reason}  {ref}  {message}"
    if count > 1:
        text += f" (x{count})"
    return Evidence(
        "event",
        SOURCE,
        text,
        _when(event),
        {"reason": reason, "type": kind, "count": count, "object": ref},
    )
