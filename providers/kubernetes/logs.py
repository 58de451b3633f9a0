"""The `logs` component: previous and current container logs of the newest pods."""

from __future__ import annotations

import asyncio
from datetime import datetime

from providers.base import CollectContext
from providers.kubernetes.pods import troubled_first
from providers.kubernetes.workload import (
    Obj,
    Rollout,
    Workload,
    fetch_log,
    fetch_rollout,
    in_window,
)
from providers.model import AttributeValue, Evidence
from providers.timestamps import parse_time

SOURCE = "logs"
MAX_PODS = 3
DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"


async def collect_logs(ctx: CollectContext, w: Workload) -> list[Evidence]:
    """Log lines in the window; previous-container logs when the container restarted."""
    rollout = await fetch_rollout(ctx, w)
    plans = [
        (pod_name, container, previous)
        for pod in troubled_first(rollout.new_pods())[:MAX_PODS]
        for pod_name, container, previous in _plan(pod, w.container)
    ]
    if not plans:
        ctx.note("logs: no container of the newest pods has started yet")
        return []
    logs = await asyncio.gather(
        *(_read(ctx, w, rollout, pod, container, previous=prev) for pod, container, prev in plans)
    )
    return [line for lines in logs for line in lines]


def _plan(pod: Obj, wanted: str | None) -> list[tuple[str, str, bool]]:
    """(pod, container, previous) reads for one pod: only containers that ever ran."""
    name = str(pod.get("metadata", {}).get("name", ""))
    statuses = pod.get("status", {}).get("containerStatuses") or []
    chosen = _containers(pod, statuses, wanted)
    plan: list[tuple[str, str, bool]] = []
    for cs in statuses:
        if cs.get("name") not in chosen:
            continue
        restarts = int(cs.get("restartCount", 0))
        ran = restarts > 0 or "waiting" not in (cs.get("state") or {})
        if restarts > 0:
            plan.append((name, str(cs["name"]), True))
        if ran:
            plan.append((name, str(cs["name"]), False))
    return plan


def _containers(pod: Obj, statuses: list[Obj], wanted: str | None) -> set[str]:
    if wanted is not None:
        return {wanted}
    troubled = {
        str(s.get("name"))
        for s in statuses
        if s.get("restartCount") or not s.get("ready") or "waiting" in (s.get("state") or {})
    }
    if troubled:
        return troubled
    annotations = pod.get("metadata", {}).get("annotations") or {}
    containers: list[Obj] = pod.get("spec", {}).get("containers") or [{}]
    first = containers[0].get("name")
    return {str(annotations.get(DEFAULT_CONTAINER) or first)}


async def _read(
    ctx: CollectContext, w: Workload, rollout: Rollout, pod: str, container: str, *, previous: bool
) -> list[Evidence]:
    value = await fetch_log(ctx, w, rollout, pod, container, previous=previous)
    which = "previous" if previous else "current"
    if "unavailable" in value:
        ctx.note(
            f"logs: no {which} log for pod/{pod} container {container}: {value['unavailable']}"
        )
        return []
    out: list[Evidence] = []
    attributes: dict[str, AttributeValue] = {
        "pod": pod,
        "container": container,
        "previous": previous,
    }
    for raw in str(value["text"]).splitlines():
        stamp, line = split_timestamp(raw)
        if not in_window(ctx, stamp):
            continue
        if line.strip():
            out.append(Evidence("log", SOURCE, line, stamp, attributes))
    return out


def split_timestamp(raw: str) -> tuple[datetime | None, str]:
    """Split the RFC 3339 prefix that `timestamps=true` adds from the line itself."""
    head, sep, rest = raw.partition(" ")
    stamp = parse_time(head) if sep and head[:1].isdigit() else None
    return (stamp, rest) if stamp is not None else (None, raw)
