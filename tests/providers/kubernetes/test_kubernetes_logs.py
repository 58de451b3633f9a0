"""The `logs` component: previous and current container logs, however odd their bytes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from providers.base import CollectContext
from providers.gateway import DirectGateway
from providers.kubernetes import KubernetesProvider
from providers.sandbox.kubernetes import KubernetesEmulator
from tests.providers.kubernetes.k8s_support import Collect, k8s_target

POD_A = "payments-worker-7c9d8f6b5-x2k9p"
POD_B = "payments-worker-7c9d8f6b5-m4q7t"


def _silence(sandbox: KubernetesEmulator, data: bytes) -> None:
    for pod in (POD_A, POD_B):
        for previous in (True, False):
            sandbox.put_log("payments", pod, "app", data, previous=previous)


class TestContainerLogs:
    """Log lines arrive one Evidence each, timestamped, from the previous and current containers."""

    async def test_previous_container_log_shows_memory_climbing(self, collect: Collect) -> None:
        got = await collect("payments-worker", "logs")
        previous = [e for e in got.evidence if e.attributes["previous"] is True]
        assert {e.attributes["pod"] for e in previous} == {POD_A, POD_B}
        climbing = [e.text for e in previous if "memory usage high" in e.text]
        assert any("of 512MiB cgroup limit (99%)" in t for t in climbing)
        assert len(got.evidence) > 500  # an ordinary service's chatter surrounds the decisive lines

    async def test_kubelet_timestamps_are_parsed_off_the_lines(self, collect: Collect) -> None:
        got = await collect("payments-worker", "logs")
        assert all(e.timestamp is not None for e in got.evidence)
        assert not any(e.text.startswith(f"{datetime.now(UTC).year}-") and "Z " in e.text[:40]
                       for e in got.evidence)  # fmt: skip
        assert got.evidence[0].text.split(" ")[2] in {"INFO", "WARNING"}

    async def test_lines_outside_the_window_are_left_out(self, collect: Collect) -> None:
        got = await collect("payments-worker", "logs", window=timedelta(minutes=3))
        cutoff = datetime.now(UTC) - timedelta(minutes=3, seconds=5)
        assert got.evidence
        assert all(e.timestamp is not None and e.timestamp >= cutoff for e in got.evidence)

    async def test_containers_that_never_started_are_not_asked_for_logs(
        self, collect: Collect, k8s_sandbox: KubernetesEmulator
    ) -> None:
        got = await collect("orders-api", "logs")
        assert got.evidence == []
        assert any("no container" in note for note in got.notes)

    async def test_missing_previous_log_is_a_note_not_an_error(
        self, collect: Collect, k8s_sandbox: KubernetesEmulator
    ) -> None:
        del k8s_sandbox.state.logs[("payments", POD_A, "app", True)]
        got = await collect("payments-worker", "logs")
        assert any(
            "previous" in note and POD_A in note and "not found" in note for note in got.notes
        )
        assert {e.attributes["pod"] for e in got.evidence if not e.attributes["previous"]} == {
            POD_A,
            POD_B,
        }

    async def test_empty_logs_give_no_evidence_and_no_error(
        self, collect: Collect, k8s_sandbox: KubernetesEmulator
    ) -> None:
        _silence(k8s_sandbox, b"")
        got = await collect("payments-worker", "logs")
        assert got.evidence == []

    async def test_binary_junk_is_decoded_with_replacement(
        self, collect: Collect, k8s_sandbox: KubernetesEmulator
    ) -> None:
        _silence(k8s_sandbox, b"\xff\xfe\x00\x80garbage \xc3\x28 more\n\x00\x01\x02\xfe\n")
        got = await collect("payments-worker", "logs")
        assert got.evidence
        assert all("\ufffd" in e.text for e in got.evidence)
        assert all(e.timestamp is None for e in got.evidence)


class TestContainerChoice:
    """In multi-container pods the troubled container is read, or the one the catalog names."""

    @staticmethod
    def _add_sidecar(sandbox: KubernetesEmulator) -> None:
        for pod in sandbox.state.of_kind("Pod", "payments"):
            if pod["metadata"]["name"] in (POD_A, POD_B):
                pod["spec"]["containers"].append({"name": "istio-proxy", "image": "istio/proxyv2"})
                pod["status"]["containerStatuses"].append(
                    {"name": "istio-proxy", "image": "istio/proxyv2", "imageID": "", "ready": True,
                     "restartCount": 0, "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}}}
                )  # fmt: skip
                sandbox.put_log("payments", pod["metadata"]["name"], "istio-proxy", b"envoy ok\n")

    async def test_the_troubled_container_is_read_not_the_sidecar(
        self, collect: Collect, k8s_sandbox: KubernetesEmulator
    ) -> None:
        self._add_sidecar(k8s_sandbox)
        got = await collect("payments-worker", "logs")
        assert {e.attributes["container"] for e in got.evidence} == {"app"}

    async def test_the_catalog_container_is_read_when_named(
        self, k8s_provider: KubernetesProvider, k8s_sandbox: KubernetesEmulator
    ) -> None:
        self._add_sidecar(k8s_sandbox)
        target = k8s_target("payments-worker", container="istio-proxy")
        now = datetime.now(UTC)
        ctx = CollectContext(target, "basic", now - timedelta(hours=1), now, DirectGateway())
        logs = next(c for c in k8s_provider.components(target) if c.name == "logs")
        evidence = await logs.collect(ctx)
        assert [(e.attributes["container"], e.text) for e in evidence] == [
            ("istio-proxy", "envoy ok"),
            ("istio-proxy", "envoy ok"),
        ]
