"""The `events` component: events of the Deployment, its ReplicaSets and pods, nobody else's."""

from __future__ import annotations

import copy

from providers.sandbox.faults import Faults
from providers.sandbox.kubernetes import KubernetesEmulator
from tests.providers.kubernetes.k8s_support import Collect


class TestRolloutEvents:
    """Events are filtered to the rollout's objects and window; they read like `kubectl`."""

    async def test_failed_scheduling_reads_like_kubectl(self, collect: Collect) -> None:
        got = await collect("search-indexer", "events")
        line = next(e for e in got.evidence if e.attributes["reason"] == "FailedScheduling")
        assert line.text.startswith(
            "Warning  FailedScheduling  pod/search-indexer-5b9d8c7f6-g4hbl  "
            "0/3 nodes are available: 3 Insufficient memory."
        )
        assert line.attributes["type"] == "Warning"
        assert line.attributes["count"] == 9
        assert line.attributes["object"] == "pod/search-indexer-5b9d8c7f6-g4hbl"

    async def test_image_pull_failure_events(self, collect: Collect) -> None:
        got = await collect("orders-api", "events")
        texts = got.texts()
        assert any("Failed to pull image" in t and "manifest unknown" in t for t in texts)
        assert any("Error: ErrImagePull" in t for t in texts)
        assert any('Back-off pulling image "registry.acme.internal' in t for t in texts)

    async def test_missing_secret_event_with_its_count(self, collect: Collect) -> None:
        got = await collect("ledger", "events")
        failed = [e for e in got.evidence if 'secret "ledger-db" not found' in e.text]
        assert [e.attributes["count"] for e in failed] == [52]

    async def test_symptoms_stay_beside_the_cause(self, collect: Collect) -> None:
        got = await collect("payments-worker", "events")
        reasons = {e.attributes["reason"] for e in got.evidence}
        assert {"BackOff", "Unhealthy", "ScalingReplicaSet", "SuccessfulCreate"} <= reasons
        assert any("Liveness probe failed" in t for t in got.texts())

    async def test_other_objects_in_the_namespace_are_left_out(self, collect: Collect) -> None:
        payments = await collect("payments-worker", "events")
        assert not any("payments-api" in str(e.attributes["object"]) for e in payments.evidence)
        orders = await collect("orders-api", "events")
        assert not any("HorizontalPodAutoscaler" in t or "cart-api" in t for t in orders.texts())

    async def test_events_are_in_time_order(self, collect: Collect) -> None:
        got = await collect("payments-worker", "events")
        stamps = [e.timestamp for e in got.evidence]
        assert None not in stamps
        assert stamps == sorted(stamps)  # type: ignore[type-var]

    async def test_a_busy_namespace_falls_back_to_per_object_queries(
        self, collect: Collect, k8s_sandbox: KubernetesEmulator, k8s_faults: Faults
    ) -> None:
        template = next(e for e in k8s_sandbox.state.of_kind("Event", "search"))
        for i in range(600):  # more than one page of somebody else's events
            noise = copy.deepcopy(template)
            noise["metadata"]["name"] = f"aaa-other-{i:04d}"
            noise["involvedObject"] = {"kind": "Pod", "name": f"other-{i}", "namespace": "search"}
            k8s_sandbox.state.add(noise)
        got = await collect("search-indexer", "events")
        assert any(e.attributes["reason"] == "FailedScheduling" for e in got.evidence)
        assert any("one by one" in note for note in got.notes)
        assert k8s_faults.calls["kubernetes:list_events"] > 1
