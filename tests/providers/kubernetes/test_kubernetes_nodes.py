"""The `nodes` component: pressure conditions of the nodes the rollout's pods run on."""

from __future__ import annotations

from providers.sandbox.faults import Faults
from providers.sandbox.kubernetes import KubernetesEmulator
from tests.providers.kubernetes.k8s_support import Collect


class TestNodes:
    """Each scheduled pod's node is read once; unhealthy conditions get their own evidence."""

    async def test_healthy_nodes_report_ready_and_no_pressure(self, collect: Collect) -> None:
        got = await collect("payments-worker", "nodes")
        assert {e.attributes["node"] for e in got.evidence} == {
            "ip-10-0-2-54.ec2.internal",
            "ip-10-0-3-91.ec2.internal",
        }
        for e in got.evidence:
            assert e.attributes["ready"] is True
            assert e.attributes["memory_pressure"] is False
            assert e.attributes["disk_pressure"] is False
            assert e.attributes["pid_pressure"] is False
            assert "Pressure" not in e.text  # healthy nodes must not read like a disk problem
            assert "Allocatable: cpu=3920m memory=15056568Ki" in e.text

    async def test_disk_pressure_becomes_its_own_evidence(
        self, collect: Collect, k8s_sandbox: KubernetesEmulator
    ) -> None:
        node = k8s_sandbox.state.find("Node", None, "ip-10-0-1-17.ec2.internal")
        assert node is not None
        disk = next(c for c in node["status"]["conditions"] if c["type"] == "DiskPressure")
        disk.update(
            status="True", reason="KubeletHasDiskPressure", message="kubelet has disk pressure"
        )
        got = await collect("ledger", "nodes")
        pressure = [e for e in got.evidence if e.attributes.get("condition") == "DiskPressure"]
        assert len(pressure) == 1
        assert "DiskPressure=True  Reason: KubeletHasDiskPressure" in pressure[0].text
        assert got.evidence[0].attributes["disk_pressure"] is True

    async def test_unscheduled_pods_read_no_node(
        self, collect: Collect, k8s_faults: Faults
    ) -> None:
        got = await collect("search-indexer", "nodes")
        assert got.evidence == []
        assert any("no pod" in note for note in got.notes)
        assert k8s_faults.calls["kubernetes:read_node"] == 0
