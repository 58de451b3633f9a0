"""The `metrics` component: metrics.k8s.io usage against limits, or a labelled gap."""

from __future__ import annotations

from providers.kubernetes.metrics import NO_METRICS_SERVER
from providers.sandbox.faults import Faults
from tests.providers.kubernetes.k8s_support import Collect


class TestPodMetrics:
    """Usage is compared with the container's limit; no metrics-server is a note, not an error."""

    async def test_memory_near_the_limit_is_a_percentage(self, collect: Collect) -> None:
        got = await collect("payments-worker", "metrics")
        assert len(got.evidence) == 1  # the crash-looping pod has no sample; old pods are not ours
        sample = got.evidence[0]
        assert sample.kind == "metric"
        assert sample.attributes["pod"] == "payments-worker-7c9d8f6b5-m4q7t"
        assert sample.attributes["memory_pct"] == 98
        assert sample.attributes["memory_limit_bytes"] == 512 * 2**20
        assert "container app memory 503Mi of 512Mi limit (98%)" in sample.text

    async def test_missing_metrics_server_is_a_labelled_partial_result(
        self, collect: Collect
    ) -> None:
        got = await collect("ledger", "metrics")
        assert got.evidence == []
        assert got.notes == [NO_METRICS_SERVER]

    async def test_unavailable_metrics_api_is_a_labelled_partial_result(
        self, collect: Collect, k8s_faults: Faults
    ) -> None:
        k8s_faults.set("kubernetes", "pod_metrics", down=True)
        got = await collect("payments-worker", "metrics")
        assert got.evidence == []
        assert got.notes == [NO_METRICS_SERVER]

    async def test_pods_without_samples_are_noted(self, collect: Collect) -> None:
        got = await collect("orders-api", "metrics")
        assert got.evidence == []
        assert any("no usage samples" in note for note in got.notes)
