"""The `pods` component: pod phase, scheduling and container states, `kubectl describe` style."""

from __future__ import annotations

from providers.base import CollectContext
from providers.kubernetes.workload import Obj, Workload, fetch_rollout
from providers.model import AttributeValue, Evidence
from providers.quantity import parse_quantity
from providers.timestamps import parse_time

SOURCE = "pods"
MAX_PODS = 10


def troubled_first(pods: list[Obj]) -> list[Obj]:
    """Pods with restarts, waiting or unready containers first (then by name)."""

    def calm(pod: Obj) -> bool:
        statuses = pod.get("status", {}).get("containerStatuses") or []
        if not statuses:
            return False
        return all(
            s.get("ready") and not s.get("restartCount") and "waiting" not in (s.get("state") or {})
            for s in statuses
        )

    return sorted(pods, key=lambda p: (calm(p), p.get("metadata", {}).get("name", "")))


async def collect_pods(ctx: CollectContext, w: Workload) -> list[Evidence]:
    """Evidence for every pod of the newest ReplicaSet (troubled ones first, at most 10)."""
    rollout = await fetch_rollout(ctx, w)
    pods = troubled_first(rollout.new_pods())
    if len(pods) > MAX_PODS:
        ctx.note(f"pods: showing {MAX_PODS} of {len(pods)} pods")
    evidence: list[Evidence] = []
    for pod in pods[:MAX_PODS]:
        evidence += pod_evidence(pod, w.container)
    return evidence


def pod_evidence(pod: Obj, only_container: str | None = None) -> list[Evidence]:
    """Phase, unscheduled condition and per-container state of one pod."""
    name = str(pod.get("metadata", {}).get("name", ""))
    status = pod.get("status", {})
    phase = str(status.get("phase", "Unknown"))
    out = [
        Evidence(
            "status",
            SOURCE,
            f"pod/{name} Status: {phase}  Node: {pod.get('spec', {}).get('nodeName') or '<none>'}",
            parse_time(status.get("startTime")),
            {"pod": name, "phase": phase},
        )
    ]
    for cond in status.get("conditions") or []:
        if cond.get("status") != "True" and cond.get("type") == "PodScheduled":
            out.append(_unscheduled(name, cond))
    limits = _resources(pod)
    for key, kind in (
        ("initContainerStatuses", "init container"),
        ("containerStatuses", "container"),
    ):
        for cs in status.get(key) or []:
            if only_container is None or cs.get("name") == only_container:
                out += _container(name, kind, cs, limits.get(str(cs.get("name")), {}))
    return out


def _unscheduled(pod: str, cond: Obj) -> Evidence:
    reason, message = str(cond.get("reason", "")), str(cond.get("message", ""))
    return Evidence(
        "status",
        SOURCE,
        f"pod/{pod} condition PodScheduled=False  Reason: {reason}  Message: {message}",
        parse_time(cond.get("lastTransitionTime")),
        {"pod": pod, "condition": "PodScheduled", "reason": reason},
    )


def _resources(pod: Obj) -> dict[str, dict[str, AttributeValue]]:
    """Per container: the describe-style text and byte/core values of limits and requests."""
    out: dict[str, dict[str, AttributeValue]] = {}
    spec = pod.get("spec", {})
    for c in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        res = c.get("resources") or {}
        facts: dict[str, AttributeValue] = {}
        for kind in ("limits", "requests"):
            values = res.get(kind) or {}
            facts[kind] = " ".join(f"{k}={v}" for k, v in sorted(values.items())) or "<none>"
            for resource, unit in (("memory", "bytes"), ("cpu", "cores")):
                parsed = parse_quantity(str(values[resource])) if resource in values else None
                if parsed is not None:
                    facts[f"{resource}_{kind[:-1]}_{unit}"] = parsed
        out[str(c.get("name"))] = facts
    return out


def _container(pod: str, kind: str, cs: Obj, res: dict[str, AttributeValue]) -> list[Evidence]:
    container = str(cs.get("name", ""))
    head = f"pod/{pod} {kind} {container}:"
    base: dict[str, AttributeValue] = {"pod": pod, "container": container}
    restarts, ready = int(cs.get("restartCount", 0)), bool(cs.get("ready"))
    out: list[Evidence] = []
    state = cs.get("state") or {}
    if "waiting" in state:
        w = state["waiting"] or {}
        reason, message = str(w.get("reason", "")), str(w.get("message", ""))
        text = f"{head} State: Waiting  Reason: {reason}" + (
            f"  Message: {message}" if message else ""
        )
        out.append(
            Evidence("status", SOURCE, text, None, {**base, "state": "waiting", "reason": reason})
        )
    elif "terminated" in state:
        out.append(
            _terminated(head, "State", state["terminated"] or {}, {**base, "state": "terminated"})
        )
    elif "running" in state:
        started = parse_time((state["running"] or {}).get("startedAt"))
        out.append(
            Evidence(
                "status", SOURCE, f"{head} State: Running", started, {**base, "state": "running"}
            )
        )
    last = (cs.get("lastState") or {}).get("terminated")
    if last:
        out.append(_terminated(head, "Last State", last, {**base, "last_state": "terminated"}))
    summary = (
        f"{head} Restart Count: {restarts}  Ready: {ready}  Image: {cs.get('image', '')}  "
        f"Limits: {res.get('limits', '<none>')}  Requests: {res.get('requests', '<none>')}"
    )
    facts = {k: v for k, v in res.items() if k not in ("limits", "requests")}
    out.append(
        Evidence(
            "status",
            SOURCE,
            summary,
            None,
            {**base, **facts, "restart_count": restarts, "ready": ready},
        )
    )
    return out


def _terminated(head: str, label: str, t: Obj, base: dict[str, AttributeValue]) -> Evidence:
    reason, code = str(t.get("reason", "")), int(t.get("exitCode", 0))
    finished = parse_time(t.get("finishedAt"))
    text = f"{head} {label}: Terminated  Reason: {reason}  Exit Code: {code}"
    attributes: dict[str, AttributeValue] = {**base, "reason": reason, "exit_code": code}
    if t.get("signal"):
        attributes["signal"] = int(t["signal"])
        text += f"  Signal: {t['signal']}"
    if t.get("message"):
        text += f"  Message: {t['message']}"
    if finished is not None:
        attributes["finished_at"] = finished.isoformat()
        text += f"  Finished: {finished.isoformat()}"
    return Evidence("status", SOURCE, text, finished, attributes)
