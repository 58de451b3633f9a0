"""The `status` component against the sandbox API server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from providers.kubernetes import KubernetesProvider
from tests.providers.kubernetes.k8s_support import Collect, RecordingGateway, run_component


class TestRolloutStatus:
    """The Deployment's conditions, replica counts and newest ReplicaSet become status evidence."""

    async def test_progress_deadline_exceeded_is_reported_with_its_reason(
        self, collect: Collect
    ) -> None:
        got = await collect("payments-worker", "status")
        progressing = [e for e in got.evidence if e.attributes.get("condition") == "Progressing"]
        assert len(progressing) == 1
        assert progressing[0].attributes["reason"] == "ProgressDeadlineExceeded"
        assert progressing[0].attributes["status"] == "False"
        assert (
            'ReplicaSet "payments-worker-7c9d8f6b5" has timed out progressing'
            in progressing[0].text
        )

    async def test_summary_carries_replicas_revision_and_rollout_start(
        self, collect: Collect
    ) -> None:
        got = await collect("payments-worker", "status")
        summary = got.evidence[0]
        assert summary.attributes["desired_replicas"] == 3
        assert summary.attributes["updated_replicas"] == 2
        assert summary.attributes["unavailable_replicas"] == 2
        assert summary.attributes["revision"] == "7"
        assert summary.attributes["pod_template_hash"] == "7c9d8f6b5"
        started = datetime.fromisoformat(str(summary.attributes["rollout_started"]))
        # The scenario's rollout began 25 minutes before the sandbox started.
        assert timedelta(minutes=24) < datetime.now(UTC) - started < timedelta(minutes=26)
        assert summary.timestamp == started

    async def test_newest_replicaset_is_chosen_by_revision_not_by_list_order(
        self, collect: Collect
    ) -> None:
        got = await collect("search-indexer", "status")
        replica_sets = [
            e for e in got.evidence if str(e.attributes.get("object", "")).startswith("replicaset/")
        ]
        assert [e.attributes["revision"] for e in replica_sets] == ["4", "3"]
        assert replica_sets[0].attributes["newest"] is True

    async def test_rollout_identity_keys_the_pod_scoped_calls(
        self, k8s_provider: KubernetesProvider
    ) -> None:
        gateway = RecordingGateway()
        await run_component(k8s_provider, "payments-worker", "logs", gateway=gateway)
        by_op = {call.operation: call for call in gateway.calls}
        assert by_op["read_pod_log"].rollout == "rev7:7c9d8f6b5"
        assert by_op["list_pods"].rollout == "rev7"
        assert by_op["read_deployment"].rollout is None
        assert {call.scope for call in gateway.calls} == {"sandbox"}
        assert {call.provider for call in gateway.calls} == {"kubernetes"}

    async def test_the_window_does_not_change_the_deployment_answer(self, collect: Collect) -> None:
        narrow = await collect("ledger", "status", window=timedelta(minutes=1))
        assert narrow.evidence[0].attributes["revision"] == "5"


class TestProbes:
    """The template's probes are evidence: they bound how long a start may take."""

    async def test_probes_are_described_as_kubectl_does(self, collect: Collect) -> None:
        got = await collect("payments-worker", "status")
        probes = [e for e in got.evidence if "probe" in e.attributes]
        assert probes, "the payments-worker template declares probes"
        liveness = next(e for e in probes if e.attributes["probe"] == "liveness")
        assert "Liveness: http-get http://:" in liveness.text
        assert " delay=" in liveness.text
        assert " #failure=" in liveness.text
