"""Scenario changes while the sandbox runs: a rollout, a pod restart; each emits watch events."""

from __future__ import annotations

import copy
import hashlib

from providers.sandbox.kubernetes.scenario import ClusterState, Obj

REVISION = "deployment.kubernetes.io/revision"
TEMPLATE_HASH = "pod-template-hash"


def owned_replica_sets(state: ClusterState, namespace: str, deployment: str) -> list[Obj]:
    """The Deployment's ReplicaSets, oldest revision first."""
    owned = [
        rs
        for rs in state.of_kind("ReplicaSet", namespace)
        if any(o.get("name") == deployment for o in rs["metadata"].get("ownerReferences", []))
    ]
    return sorted(owned, key=lambda rs: int(rs["metadata"]["annotations"][REVISION]))


def bump_revision(state: ClusterState, namespace: str, deployment: str) -> str:
    """Revision + 1 on the Deployment and its newest ReplicaSet, in place; the new revision."""
    newest = owned_replica_sets(state, namespace, deployment)[-1]
    revision = str(int(newest["metadata"]["annotations"][REVISION]) + 1)

    def stamp(obj: Obj) -> None:
        obj["metadata"]["annotations"][REVISION] = revision

    state.modify("ReplicaSet", namespace, newest["metadata"]["name"], stamp)
    state.modify("Deployment", namespace, deployment, stamp)
    return revision


def start_rollout(state: ClusterState, namespace: str, deployment: str) -> Obj:
    """What `kubectl rollout restart` sets off: a new ReplicaSet (revision + 1); returns it."""
    newest = owned_replica_sets(state, namespace, deployment)[-1]
    revision = int(newest["metadata"]["annotations"][REVISION]) + 1
    template_hash = hashlib.sha256(f"{deployment}:{revision}".encode()).hexdigest()[:10]
    created = copy.deepcopy(newest)
    meta = created["metadata"]
    meta["name"] = f"{deployment}-{template_hash}"
    meta["uid"] = f"{meta.get('uid', deployment)}-{revision}"
    meta["annotations"][REVISION] = str(revision)
    meta["creationTimestamp"] = state.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    for labels in (meta.setdefault("labels", {}), _template_labels(created)):
        labels[TEMPLATE_HASH] = template_hash
    created["status"] = {"replicas": 0, "observedGeneration": 1}
    state.add(created)

    def advance(dep: Obj) -> None:
        dep["metadata"]["annotations"][REVISION] = str(revision)
        dep["metadata"]["generation"] = int(dep["metadata"].get("generation", 1)) + 1

    state.modify("Deployment", namespace, deployment, advance)
    return created


def restart_container(state: ClusterState, namespace: str, pod: str) -> Obj:
    """One more restart of every container of a pod (a crash loop going on)."""

    def restart(obj: Obj) -> None:
        for status in obj.get("status", {}).get("containerStatuses") or []:
            status["restartCount"] = int(status.get("restartCount", 0)) + 1

    return state.modify("Pod", namespace, pod, restart)


def _template_labels(rs: Obj) -> dict[str, str]:
    template = rs.setdefault("spec", {}).setdefault("template", {})
    labels: dict[str, str] = template.setdefault("metadata", {}).setdefault("labels", {})
    return labels
