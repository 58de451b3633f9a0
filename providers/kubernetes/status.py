"""The `status` component: Deployment conditions, replica counts and the newest ReplicaSet."""

from __future__ import annotations

from providers.base import CollectContext
from providers.kubernetes.workload import Obj, Rollout, Workload, fetch_rollout
from providers.model import AttributeValue, Evidence
from providers.timestamps import parse_time

SOURCE = "status"


async def collect_status(ctx: CollectContext, w: Workload) -> list[Evidence]:
    """Evidence for the Deployment's rollout state."""
    rollout = await fetch_rollout(ctx, w)
    evidence = [_summary(w, rollout)]
    conditions = rollout.deployment.get("status", {}).get("conditions") or []
    evidence += [_condition(w, c) for c in conditions]
    evidence += [_replica_set(rs, newest=i == 0) for i, rs in enumerate(rollout.replica_sets[:2])]
    evidence += _probes(w, rollout.deployment)
    return evidence


_PROBES = (
    ("Liveness", "livenessProbe"),
    ("Readiness", "readinessProbe"),
    ("Startup", "startupProbe"),
)


def _probes(w: Workload, dep: Obj) -> list[Evidence]:
    """The template's probes as `kubectl describe` prints them: how long a start may take."""
    containers = dep.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or []
    evidence = []
    for container in containers:
        for label, key in _PROBES:
            probe = container.get(key)
            if isinstance(probe, dict):
                text = f"container {container.get('name', '?')}: {label}: {_describe_probe(probe)}"
                attributes: dict[str, AttributeValue] = {
                    "object": f"deployment/{w.deployment}",
                    "container": str(container.get("name", "")),
                    "probe": label.lower(),
                }
                evidence.append(Evidence("status", SOURCE, text, None, attributes))
    return evidence


def _describe_probe(probe: Obj) -> str:
    if isinstance(probe.get("httpGet"), dict):
        get = probe["httpGet"]
        action = f"http-get http://:{get.get('port', '')}{get.get('path', '/')}"
    elif isinstance(probe.get("tcpSocket"), dict):
        action = f"tcp-socket :{probe['tcpSocket'].get('port', '')}"
    elif isinstance(probe.get("grpc"), dict):
        action = f"grpc <pod>:{probe['grpc'].get('port', '')}"
    elif isinstance(probe.get("exec"), dict):
        action = "exec " + " ".join(str(a) for a in probe["exec"].get("command") or [])
    else:
        action = "unknown"
    return (
        f"{action} delay={int(probe.get('initialDelaySeconds') or 0)}s"
        f" timeout={int(probe.get('timeoutSeconds') or 1)}s"
        f" period={int(probe.get('periodSeconds') or 10)}s"
        f" #success={int(probe.get('successThreshold') or 1)}"
        f" #failure={int(probe.get('failureThreshold') or 3)}"
    )


def _summary(w: Workload, rollout: Rollout) -> Evidence:
    dep = rollout.deployment
    spec, status = dep.get("spec", {}), dep.get("status", {})
    desired = int(spec.get("replicas", 1))
    counts = {k: int(status.get(f"{k}Replicas", 0)) for k in ("updated", "ready", "available")}
    unavailable = int(status.get("unavailableReplicas", 0))
    generation = int(dep.get("metadata", {}).get("generation", 0))
    observed = int(status.get("observedGeneration", 0))
    newest = rollout.newest or {}
    started = parse_time(newest.get("metadata", {}).get("creationTimestamp"))
    text = (
        f"deployment/{w.deployment}: {counts['ready']}/{desired} ready, "
        f"{counts['updated']} updated, {counts['available']} available, "
        f"{unavailable} unavailable (generation {generation}, observed {observed}); "
        f"revision {rollout.revision}"
    )
    attributes: dict[str, AttributeValue] = {
        "object": f"deployment/{w.deployment}",
        "desired_replicas": desired,
        "updated_replicas": counts["updated"],
        "ready_replicas": counts["ready"],
        "available_replicas": counts["available"],
        "unavailable_replicas": unavailable,
        "generation": generation,
        "observed_generation": observed,
        "revision": rollout.revision,
        "pod_template_hash": rollout.template_hash,
    }
    if started is not None:
        attributes["rollout_started"] = started.isoformat()
        text += f" started {started.isoformat()}"
    return Evidence("status", SOURCE, text, started, attributes)


def _condition(w: Workload, condition: Obj) -> Evidence:
    kind, state = str(condition.get("type", "")), str(condition.get("status", ""))
    reason, message = str(condition.get("reason", "")), str(condition.get("message", ""))
    text = f"deployment/{w.deployment} condition {kind}={state}  Reason: {reason}  {message}"
    return Evidence(
        "status",
        SOURCE,
        text.rstrip(),
        parse_time(condition.get("lastUpdateTime") or condition.get("lastTransitionTime")),
        {
            "condition": kind,
            "status": state,
            "reason": reason,
            "object": f"deployment/{w.deployment}",
        },
    )


def _replica_set(rs: Obj, *, newest: bool) -> Evidence:
    meta, spec, status = rs.get("metadata", {}), rs.get("spec", {}), rs.get("status", {})
    name = str(meta.get("name", ""))
    revision = str((meta.get("annotations") or {}).get("deployment.kubernetes.io/revision", ""))
    created = parse_time(meta.get("creationTimestamp"))
    desired, ready = int(spec.get("replicas", 0)), int(status.get("readyReplicas", 0))
    role = "newest" if newest else "previous"
    text = f"replicaset/{name} ({role}, revision {revision}): {ready}/{desired} ready"
    if created is not None:
        text += f", created {created.isoformat()}"
    return Evidence(
        "status",
        SOURCE,
        text,
        created,
        {"object": f"replicaset/{name}", "revision": revision, "newest": newest},
    )
