"""The watch cache of one cluster: informers per diagnosed namespace answer the provider's reads.

A namespace is watched from the first read of it (a diagnosis or a pre-warm),
for at most `max_namespaces` namespaces per cluster (the least recently read is
stopped to make room) and until it has gone `idle_s` without a read. Nodes are
watched cluster-wide while any namespace is. A read is answered only while the
kind's informer is ready; otherwise None sends it down the ordinary path
(caches with TTLs, then the API). When such a read succeeds while informers
are backing off after a failure (an API outage has ended), they retry at once
instead of on their next backoff tick (up to `max_backoff_s` away). Answers
are what a fresh request would give: the same label/field selection, order
(by name) and scrubbing.
"""

from __future__ import annotations

import asyncio
import functools
import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from kubernetes_asyncio.client import AppsV1Api, CoreV1Api

from providers.gateway import Call, Json, LiveGate
from providers.kubernetes.api import KubeCluster
from providers.kubernetes.informer import Informer, Kind, Obj, WatchPolicy
from providers.kubernetes.selectors import field_selector, label_selector
from providers.kubernetes.workload import EVENTS_PAGE

DEPLOYMENTS = Kind("Deployment", "deployments",
                   lambda c: AppsV1Api(c).list_namespaced_deployment, scrubbed=True)  # fmt: skip
REPLICA_SETS = Kind("ReplicaSet", "replica_sets",
                    lambda c: AppsV1Api(c).list_namespaced_replica_set, scrubbed=True)  # fmt: skip
PODS = Kind("Pod", "pods", lambda c: CoreV1Api(c).list_namespaced_pod, scrubbed=True)
EVENTS = Kind("Event", "events", lambda c: CoreV1Api(c).list_namespaced_event)
NODES = Kind("Node", "nodes", lambda c: CoreV1Api(c).list_node, namespaced=False)
NAMESPACED = (DEPLOYMENTS, REPLICA_SETS, PODS, EVENTS)


@dataclass(frozen=True, slots=True)
class LivePolicy:
    """Bounds of the watch cache."""

    max_namespaces: int = 20
    idle_s: float = 600.0
    watch: WatchPolicy = field(default_factory=WatchPolicy)


@dataclass(slots=True)
class _Namespace:
    informers: dict[str, Informer]
    used_at: float


class LiveCluster:
    """Informers for the namespaces of one cluster being diagnosed."""

    def __init__(
        self,
        cluster: KubeCluster,
        scope: str,
        policy: LivePolicy,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.cluster = cluster
        self.scope = scope
        self.policy = policy
        self._rng = rng or random.Random()
        self._namespaces: OrderedDict[str, _Namespace] = OrderedDict()
        self._nodes: Informer | None = None
        self._stopping: set[asyncio.Task[None]] = set()
        self._gate: LiveGate | None = None  # the gateway that asked first; informers use it
        self._reachable = asyncio.Event()  # wakes informers sleeping in backoff

    @property
    def namespaces(self) -> list[str]:
        """Watched namespaces, least recently read first."""
        return list(self._namespaces)

    def informer(self, namespace: str | None, kind: Kind) -> Informer | None:
        """The informer of `kind` in `namespace` (None: nodes), if one runs."""
        if namespace is None:
            return self._nodes
        watched = self._namespaces.get(namespace)
        return watched.informers.get(kind.name) if watched is not None else None

    def answer(self, call: Call, gate: LiveGate) -> Json | None:
        """The value of a provider read from the watched objects, or None."""
        answer = _ANSWERS.get(call.operation)
        if answer is None:
            return None
        params = dict(call.params)
        self._gate = self._gate or gate
        self.sweep()
        if call.operation == "read_node":
            nodes = self._nodes
            return answer(nodes, params) if nodes is not None and nodes.ready else None
        namespace = params.get("namespace")
        if not namespace or self.policy.max_namespaces <= 0:
            return None
        informers = self._touch(namespace, gate)
        informer = informers[_KIND_OF[call.operation].name]
        return answer(informer, params) if informer.ready else None

    def reached(self) -> None:
        """An ordinary request to the cluster succeeded: informers in backoff retry at once.

        Only while one is backing off (otherwise nothing changes); each clears the signal
        as it wakes, so a burst of successful reads brings one retry, not one per read.
        """
        informers = [i for w in self._namespaces.values() for i in w.informers.values()]
        if self._nodes is not None:
            informers.append(self._nodes)
        if any(i.backing_off for i in informers):
            self._reachable.set()

    def sweep(self) -> int:
        """Stop namespaces unread for `idle_s`; return how many informers stopped."""
        if self._gate is None:
            return 0
        now, stopped = self._gate.clock.now(), 0
        while self._namespaces:
            oldest = next(iter(self._namespaces.values()))
            if now - oldest.used_at < self.policy.idle_s:
                break
            stopped += self._drop(next(iter(self._namespaces)))
        if not self._namespaces and self._nodes is not None:
            self._stop(self._nodes)
            self._nodes = None
            stopped += 1
        return stopped

    async def close(self) -> None:
        """Stop every informer."""
        for namespace in list(self._namespaces):
            self._drop(namespace)
        if self._nodes is not None:
            self._stop(self._nodes)
            self._nodes = None
        if self._stopping:
            await asyncio.wait(self._stopping)

    def _touch(self, namespace: str, gate: LiveGate) -> dict[str, Informer]:
        now = gate.clock.now()
        watched = self._namespaces.get(namespace)
        if watched is not None:
            watched.used_at = now
            self._namespaces.move_to_end(namespace)
            return watched.informers
        while len(self._namespaces) >= self.policy.max_namespaces:
            self._drop(next(iter(self._namespaces)))
        informers = {kind.name: self._start(kind, namespace, gate) for kind in NAMESPACED}
        self._namespaces[namespace] = _Namespace(informers, now)
        if self._nodes is None:
            self._nodes = self._start(NODES, None, gate)
        return informers

    def _start(self, kind: Kind, namespace: str | None, gate: LiveGate) -> Informer:
        informer = Informer(
            cluster=self.cluster,
            scope=self.scope,
            kind=kind,
            namespace=namespace,
            gate=gate,
            policy=self.policy.watch,
            rng=self._rng,
            wake=self._reachable,
        )
        informer.start()
        return informer

    def _drop(self, namespace: str) -> int:
        watched = self._namespaces.pop(namespace)
        for informer in watched.informers.values():
            self._stop(informer)
        return len(watched.informers)

    def _stop(self, informer: Informer) -> None:
        informer.ready = False  # no answers from here on, even before its task has ended
        task = asyncio.create_task(informer.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)


@functools.lru_cache(maxsize=256)
def _labels(selector: str) -> Callable[[Obj], bool]:
    return label_selector(selector)


@functools.lru_cache(maxsize=256)
def _fields(selector: str) -> Callable[[Obj], bool]:
    return field_selector(selector)


def _read(informer: Informer, params: dict[str, str]) -> Json | None:
    return informer.get(params.get("name", ""))  # unknown: let the API answer 404


def _list(informer: Informer, params: dict[str, str]) -> Json | None:
    selector = params.get("labelSelector", "")
    items = informer.items()
    return [o for o in items if _labels(selector)(o)] if selector else list(items)


def _events(informer: Informer, params: dict[str, str]) -> Json | None:
    selector = params.get("fieldSelector", "")
    items = [o for o in informer.items() if _fields(selector)(o)] if selector else informer.items()
    return {"items": items[:EVENTS_PAGE], "truncated": len(items) > EVENTS_PAGE}


_ANSWERS: dict[str, Callable[[Informer, dict[str, str]], Json | None]] = {
    "read_deployment": _read,
    "list_replica_sets": _list,
    "list_pods": _list,
    "list_events": _events,
    "read_node": _read,
}
_KIND_OF = {
    "read_deployment": DEPLOYMENTS,
    "list_replica_sets": REPLICA_SETS,
    "list_pods": PODS,
    "list_events": EVENTS,
}
