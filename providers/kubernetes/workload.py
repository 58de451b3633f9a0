"""The objects of one Deployment's rollout, each fetched once per diagnosis through the gateway."""

# Call chain (what a latency benchmark sees): deployment -> (replica sets, pods,
# events, pod metrics, concurrently) -> (logs, nodes, concurrently).

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from providers.base import CollectContext
from providers.gateway import Call, Json
from providers.kubernetes.api import PROVIDER, KubeCluster, Send, decode_json, translate
from providers.kubernetes.scrub import scrub

REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_HASH = "pod-template-hash"
Obj = dict[str, Any]

# How long an answer stays good in the shared cache (seconds).
TTL_DEPLOYMENT = 5.0
TTL_LIST = 10.0
TTL_LOG = 15.0
TTL_NODE = 30.0
EVENTS_PAGE = 500
CLOCK_SKEW = timedelta(seconds=60)  # the API server's clock may run ahead of ours
_SINCE_STEP_S = 60  # sinceSeconds rounded up to this, so repeats share a cache entry


@dataclass(frozen=True, slots=True)
class Workload:
    """Where the Deployment is, and which API client reaches it."""

    cluster: KubeCluster
    namespace: str
    deployment: str
    container: str | None = None


@dataclass(frozen=True, slots=True)
class Rollout:
    """A Deployment with its ReplicaSets (newest first) and pods."""

    deployment: Obj
    replica_sets: list[Obj]
    pods: list[Obj]

    @property
    def newest(self) -> Obj | None:
        """The ReplicaSet with the highest revision: the rollout in progress or done."""
        return self.replica_sets[0] if self.replica_sets else None

    @property
    def revision(self) -> str:
        return revision_of(self.newest or self.deployment)

    @property
    def template_hash(self) -> str:
        labels = (self.newest or {}).get("metadata", {}).get("labels") or {}
        return str(labels.get(TEMPLATE_HASH, ""))

    @property
    def identity(self) -> str:
        """The rollout's identity for cache keys: revision and pod-template-hash."""
        return f"rev{self.revision}:{self.template_hash}"

    def new_pods(self) -> list[Obj]:
        """Pods of the newest ReplicaSet (all pods if it has none yet)."""
        mine = [p for p in self.pods if _labels(p).get(TEMPLATE_HASH) == self.template_hash]
        return mine or list(self.pods)


def revision_of(obj: Obj) -> str:
    annotations = obj.get("metadata", {}).get("annotations") or {}
    return str(annotations.get(REVISION, "0"))


def in_window(ctx: CollectContext, when: datetime | None) -> bool:
    """Whether a timestamp falls in the diagnosis window (undated things are kept)."""
    if when is None:
        return True
    return ctx.since <= when <= ctx.until + CLOCK_SKEW


def selector_of(deployment: Obj) -> str:
    """The Deployment's label selector as a query string (matchLabels and matchExpressions)."""
    selector = deployment.get("spec", {}).get("selector") or {}
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], ",".join(expr.get("values") or [])
        parts.append(
            {"In": f"{key} in ({values})", "NotIn": f"{key} notin ({values})"}.get(
                op, key if op == "Exists" else f"!{key}"
            )
        )
    return ",".join(parts)


def _labels(obj: Obj) -> dict[str, str]:
    return obj.get("metadata", {}).get("labels") or {}


async def _fetch(
    ctx: CollectContext,
    w: Workload,
    operation: str,
    params: dict[str, str],
    *,
    ttl_s: float,
    rollout: str | None,
    fn: Callable[[], Awaitable[Json]],
) -> Json:
    scope = await w.cluster.scope()
    call = Call(PROVIDER, scope, operation, tuple(sorted(params.items())), ttl_s, rollout)
    return await ctx.fetch(call, fn)


async def fetch_deployment(ctx: CollectContext, w: Workload) -> Obj:
    """The Deployment object (no rollout key: it is what tells us the rollout)."""
    params = {"namespace": w.namespace, "name": w.deployment}

    async def send() -> Json:
        return scrub(
            await w.cluster.get_json(
                "read_deployment",
                lambda c: w.cluster.apps(c).read_namespaced_deployment(
                    w.deployment, w.namespace, _preload_content=False
                ),
            )
        )

    value: Obj = await _fetch(
        ctx, w, "read_deployment", params, ttl_s=TTL_DEPLOYMENT, rollout=None, fn=send
    )
    return value


def _list_request(w: Workload, operation: str, selector: str) -> Send:
    def request(client: Any) -> Any:
        if operation == "list_replica_sets":
            return w.cluster.apps(client).list_namespaced_replica_set(
                w.namespace, label_selector=selector, _preload_content=False
            )
        if operation == "list_pods":
            return w.cluster.core(client).list_namespaced_pod(
                w.namespace, label_selector=selector, _preload_content=False
            )
        return w.cluster.custom(client).list_namespaced_custom_object(
            "metrics.k8s.io", "v1beta1", w.namespace, "pods",
            label_selector=selector, _preload_content=False,
        )  # fmt: skip

    return request


async def _list(ctx: CollectContext, w: Workload, operation: str, deployment: Obj) -> list[Obj]:
    selector = selector_of(deployment)
    params = {"namespace": w.namespace, "labelSelector": selector}

    async def send() -> Json:
        body = await w.cluster.get_json(operation, _list_request(w, operation, selector))
        return [scrub(item) for item in body.get("items") or []]

    rollout = f"rev{revision_of(deployment)}"
    items: list[Obj] = await _fetch(
        ctx, w, operation, params, ttl_s=TTL_LIST, rollout=rollout, fn=send
    )
    return items


async def fetch_rollout(ctx: CollectContext, w: Workload) -> Rollout:
    """Deployment, then its ReplicaSets and pods concurrently."""
    deployment = await fetch_deployment(ctx, w)
    replica_sets, pods = await asyncio.gather(
        _list(ctx, w, "list_replica_sets", deployment), _list(ctx, w, "list_pods", deployment)
    )
    uid = deployment.get("metadata", {}).get("uid")
    owned = [rs for rs in replica_sets if _owned_by(rs, uid)] or replica_sets
    owned.sort(key=lambda rs: int(revision_of(rs)) if revision_of(rs).isdigit() else 0)
    return Rollout(deployment, owned[::-1], pods)


def _owned_by(obj: Obj, uid: object) -> bool:
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    return uid is None or any(ref.get("uid") == uid for ref in refs)


async def fetch_pod_metrics(ctx: CollectContext, w: Workload, deployment: Obj) -> list[Obj] | None:
    """metrics.k8s.io PodMetrics for the Deployment's pods; None when the metrics API is absent.

    Absence (404, or 503 from an APIService with no metrics-server behind it) is an
    answer, not a failure: it is cached like one and never retried.
    """
    selector = selector_of(deployment)
    params = {"namespace": w.namespace, "labelSelector": selector}

    async def send() -> Json:
        reply = await w.cluster.get("pod_metrics", _list_request(w, "pod_metrics", selector))
        if reply.status in (404, 503):
            return {"absent": True}
        if reply.status >= 300:
            raise translate("pod_metrics", reply)
        return {"items": decode_json("pod_metrics", reply).get("items") or []}

    rollout = f"rev{revision_of(deployment)}"
    value = await _fetch(ctx, w, "pod_metrics", params, ttl_s=TTL_LIST, rollout=rollout, fn=send)
    return None if value.get("absent") else list(value["items"])


async def fetch_events(
    ctx: CollectContext, w: Workload, deployment: Obj, field_selector: str | None = None
) -> tuple[list[Obj], bool]:
    """The namespace's events (one page) or one object's; True when the page was truncated."""
    params = {"namespace": w.namespace, "fieldSelector": field_selector or ""}

    async def send() -> Json:
        kwargs: dict[str, Any] = {"limit": EVENTS_PAGE, "_preload_content": False}
        if field_selector:
            kwargs["field_selector"] = field_selector
        body = await w.cluster.get_json(
            "list_events", lambda c: w.cluster.core(c).list_namespaced_event(w.namespace, **kwargs)
        )
        more = bool((body.get("metadata") or {}).get("continue"))
        return {"items": body.get("items") or [], "truncated": more}

    rollout = f"rev{revision_of(deployment)}"
    value = await _fetch(ctx, w, "list_events", params, ttl_s=TTL_LIST, rollout=rollout, fn=send)
    return list(value["items"]), bool(value["truncated"])


async def fetch_node(ctx: CollectContext, w: Workload, name: str) -> Obj:
    """One Node (cluster-scoped; it outlives rollouts, so no rollout key)."""

    async def send() -> Json:
        return await w.cluster.get_json(
            "read_node", lambda c: w.cluster.core(c).read_node(name, _preload_content=False)
        )

    value: Obj = await _fetch(
        ctx, w, "read_node", {"name": name}, ttl_s=TTL_NODE, rollout=None, fn=send
    )
    return value


async def fetch_log(
    ctx: CollectContext, w: Workload, rollout: Rollout, pod: str, container: str, *, previous: bool
) -> Obj:
    """A container's log: {"text": ...}, or {"unavailable": reason} for the API's 400s."""
    age = max(1.0, time.time() - ctx.since.timestamp())
    since_s = math.ceil(age / _SINCE_STEP_S) * _SINCE_STEP_S
    params = {
        "namespace": w.namespace,
        "pod": pod,
        "container": container,
        "previous": str(previous).lower(),
        "sinceSeconds": str(since_s),
    }

    async def send() -> Json:
        reply = await w.cluster.get(
            "read_pod_log",
            lambda c: w.cluster.core(c).read_namespaced_pod_log(
                pod, w.namespace, container=container, previous=previous, tail_lines=1000,
                since_seconds=since_s, timestamps=True, _preload_content=False,
            ),
        )  # fmt: skip
        if reply.status == 400:  # e.g. previous terminated container not found: no log to read
            return {"unavailable": translate("read_pod_log", reply).args[0]}
        if reply.status >= 300:
            raise translate("read_pod_log", reply)
        return {"text": reply.body.decode("utf-8", errors="replace")}

    value: Obj = await _fetch(
        ctx, w, "read_pod_log", params, ttl_s=TTL_LOG, rollout=rollout.identity, fn=send
    )
    return value
