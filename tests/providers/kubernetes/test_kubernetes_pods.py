"""The `pods` component: container states as `kubectl describe pod` shows them."""

from __future__ import annotations

from tests.providers.kubernetes.k8s_support import Collect


class TestContainerStates:
    """Each scenario's decisive container state reaches the evidence with its structured facts."""

    async def test_oomkilled_last_state_with_exit_137_and_restarts(self, collect: Collect) -> None:
        got = await collect("payments-worker", "pods")
        last = [e for e in got.evidence if e.attributes.get("last_state") == "terminated"]
        assert {e.attributes["pod"] for e in last} == {
            "payments-worker-7c9d8f6b5-x2k9p",
            "payments-worker-7c9d8f6b5-m4q7t",
        }
        for e in last:
            assert e.attributes["reason"] == "OOMKilled"
            assert e.attributes["exit_code"] == 137
            assert "Last State: Terminated  Reason: OOMKilled  Exit Code: 137" in e.text
        summary = [e for e in got.evidence if str(e.attributes.get("pod")).endswith("x2k9p")]
        counts = [e.attributes["restart_count"] for e in summary if "restart_count" in e.attributes]
        assert counts == [6]

    async def test_crashloop_waiting_reason_and_memory_limit(self, collect: Collect) -> None:
        got = await collect("payments-worker", "pods")
        waiting = [e for e in got.evidence if e.attributes.get("state") == "waiting"]
        assert [e.attributes["reason"] for e in waiting] == ["CrashLoopBackOff"]
        assert "State: Waiting  Reason: CrashLoopBackOff" in waiting[0].text
        limits = {e.attributes.get("memory_limit_bytes") for e in got.evidence} - {None}
        assert limits == {512 * 2**20}

    async def test_only_the_newest_replicaset_pods_are_described(self, collect: Collect) -> None:
        got = await collect("payments-worker", "pods")
        pods = {e.attributes["pod"] for e in got.evidence}
        assert all(str(p).startswith("payments-worker-7c9d8f6b5-") for p in pods)

    async def test_image_pull_backoff(self, collect: Collect) -> None:
        got = await collect("orders-api", "pods")
        waiting = [e for e in got.evidence if e.attributes.get("state") == "waiting"]
        assert waiting[0].attributes["reason"] == "ImagePullBackOff"
        assert 'Back-off pulling image "registry.acme.internal/shop/orders-api:v2.14.0"' in (
            waiting[0].text
        )

    async def test_create_container_config_error_names_the_secret(self, collect: Collect) -> None:
        got = await collect("ledger", "pods")
        waiting = [e for e in got.evidence if e.attributes.get("state") == "waiting"]
        assert waiting[0].attributes["reason"] == "CreateContainerConfigError"
        assert 'Message: secret "ledger-db" not found' in waiting[0].text

    async def test_unscheduled_pod_carries_the_scheduler_message(self, collect: Collect) -> None:
        got = await collect("search-indexer", "pods")
        phases = [e.attributes["phase"] for e in got.evidence if "phase" in e.attributes]
        assert phases == ["Pending"]
        unscheduled = [e for e in got.evidence if e.attributes.get("condition") == "PodScheduled"]
        assert unscheduled[0].attributes["reason"] == "Unschedulable"
        assert "0/3 nodes are available: 3 Insufficient memory." in unscheduled[0].text
