"""The sandbox API server speaks the wire format the real typed client expects."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
import yaml
from kubernetes_asyncio.client import ApiClient, AppsV1Api, CoreV1Api
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.config import new_client_from_config

from providers.registry import create_provider
from providers.sandbox.faults import Faults
from providers.sandbox.kubernetes import CONTEXT, KubernetesEmulator
from providers.sandbox.runtime import Sandbox
from tests.providers.kubernetes.k8s_support import NAMESPACES, run_component

POD = "payments-worker-7c9d8f6b5-x2k9p"


@pytest.fixture
async def client(k8s_sandbox: KubernetesEmulator) -> AsyncIterator[ApiClient]:
    api = await new_client_from_config(config_file=str(k8s_sandbox.kubeconfig), context=CONTEXT)
    yield api
    await api.close()


class TestTypedClientDeserialises:
    """Objects carry every field the generated models require (kubectl-shaped fixtures)."""

    async def test_deployment_and_replica_sets(self, client: ApiClient) -> None:
        apps = AppsV1Api(client)
        dep = await apps.read_namespaced_deployment("payments-worker", "payments")
        assert dep.status.conditions[1].reason == "ProgressDeadlineExceeded"
        sets = await apps.list_namespaced_replica_set(
            "payments", label_selector="app.kubernetes.io/name=payments-worker"
        )
        assert len(sets.items) == 2

    async def test_pods_events_and_nodes(self, client: ApiClient) -> None:
        core = CoreV1Api(client)
        pods = await core.list_namespaced_pod(
            "payments",
            label_selector="app.kubernetes.io/name=payments-worker,pod-template-hash=7c9d8f6b5",
        )
        assert sorted(p.metadata.name for p in pods.items) == [
            "payments-worker-7c9d8f6b5-m4q7t",
            POD,
        ]
        events = await core.list_namespaced_event(
            "search", field_selector="involvedObject.kind=Pod,reason=FailedScheduling"
        )
        assert [e.reason for e in events.items] == ["FailedScheduling"]
        node = await core.read_node("ip-10-0-1-17.ec2.internal")
        assert node.status.allocatable["memory"] == "15056568Ki"

    @pytest.mark.parametrize("service", sorted(NAMESPACES))
    async def test_every_scenario_object_deserialises(
        self, client: ApiClient, service: str
    ) -> None:
        apps, core, namespace = AppsV1Api(client), CoreV1Api(client), NAMESPACES[service]
        deployment = await apps.read_namespaced_deployment(service, namespace)
        assert deployment.spec.selector.match_labels
        assert (await apps.list_namespaced_replica_set(namespace)).items
        pods = (await core.list_namespaced_pod(namespace)).items
        assert all(p.status.phase in ("Running", "Pending") for p in pods)
        events = (await core.list_namespaced_event(namespace)).items
        assert all(e.involved_object.name for e in events)

    async def test_set_based_label_selectors(self, client: ApiClient) -> None:
        core = CoreV1Api(client)
        selected = await core.list_namespaced_pod(
            "payments", label_selector="pod-template-hash in (5d8b7c6f9),app.kubernetes.io/name"
        )
        assert len(selected.items) == 3
        excluded = await core.list_namespaced_pod(
            "payments", label_selector="pod-template-hash notin (5d8b7c6f9),!missing-label"
        )
        assert len(excluded.items) == 2


class TestPodLogEndpoint:
    """tailLines, previous (in Python's capitalisation), timestamps and the 400s."""

    async def test_tail_previous_and_timestamps(self, client: ApiClient) -> None:
        core = CoreV1Api(client)
        plain = await core.read_namespaced_pod_log(POD, "payments", tail_lines=5, previous=True)
        lines = plain.splitlines()
        assert len(lines) == 5
        assert not lines[0].startswith("20") or "Z " not in lines[0]
        stamped = await core.read_namespaced_pod_log(POD, "payments", tail_lines=2, timestamps=True)
        assert all(line.split(" ")[0].endswith("Z") for line in stamped.splitlines())

    async def test_previous_and_current_logs_differ(self, client: ApiClient) -> None:
        core = CoreV1Api(client)
        previous = await core.read_namespaced_pod_log(POD, "payments", previous=True)
        current = await core.read_namespaced_pod_log(POD, "payments")
        assert previous != current
        assert len(previous.splitlines()) > 200

    async def test_waiting_container_has_no_log(self, client: ApiClient) -> None:
        core = CoreV1Api(client)
        with pytest.raises(ApiException) as caught:
            await core.read_namespaced_pod_log("orders-api-6b7f9c4d8-kq2mz", "shop")
        assert caught.value.status == 400
        assert "is waiting to start: trying and failing to pull image" in str(caught.value.body)


class TestRawWire:
    """Unknown paths, auth and fault injection answer with `Status` objects."""

    async def test_unknown_path_is_a_404_status(self, k8s_sandbox: KubernetesEmulator) -> None:
        headers = {"Authorization": f"Bearer {_token(k8s_sandbox)}"}
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{k8s_sandbox.url}/api/v1/namespaces/x/secrets", headers=headers) as r,
        ):
            body = await r.json()
        assert r.status == 404
        assert body["kind"] == "Status"
        assert body["reason"] == "NotFound"

    async def test_metrics_404_for_scenarios_without_metrics_server(
        self, k8s_sandbox: KubernetesEmulator
    ) -> None:
        headers = {"Authorization": f"Bearer {_token(k8s_sandbox)}"}
        path = "/apis/metrics.k8s.io/v1beta1/namespaces/{}/pods"
        async with aiohttp.ClientSession() as session:
            async with session.get(k8s_sandbox.url + path.format("finance"), headers=headers) as r:
                assert r.status == 404
            async with session.get(k8s_sandbox.url + path.format("payments"), headers=headers) as r:
                assert r.status == 200
                assert (await r.json())["kind"] == "PodMetricsList"

    @pytest.mark.parametrize(
        ("rule", "code", "reason"),
        [
            ({"error_rate": 1.0}, 500, "InternalError"),
            ({"throttle_rate": 1.0}, 429, "TooManyRequests"),
            ({"down": True}, 503, "ServiceUnavailable"),
        ],
    )
    async def test_faults_answer_in_the_platform_format(
        self,
        k8s_sandbox: KubernetesEmulator,
        k8s_faults: Faults,
        rule: dict[str, float | bool],
        code: int,
        reason: str,
    ) -> None:
        k8s_faults.set("kubernetes", "read_node", **rule)
        headers = {"Authorization": f"Bearer {_token(k8s_sandbox)}"}
        url = f"{k8s_sandbox.url}/api/v1/nodes/x"
        async with aiohttp.ClientSession() as session, session.get(url, headers=headers) as r:
            body = await r.json()
            retry_after = r.headers.get("Retry-After")
        assert (r.status, body["reason"], body["code"]) == (code, reason, code)
        assert (retry_after is not None) == (code == 429)
        assert k8s_faults.calls["kubernetes:read_node"] == 1
        assert k8s_faults.bytes_sent["kubernetes"] > 0

    async def test_a_request_without_the_token_is_unauthorized(
        self, k8s_sandbox: KubernetesEmulator
    ) -> None:
        url = f"{k8s_sandbox.url}/api/v1/nodes/x"
        async with aiohttp.ClientSession() as session, session.get(url) as r:
            assert r.status == 401


def _token(sandbox: KubernetesEmulator) -> str:
    document = yaml.safe_load(sandbox.kubeconfig.read_text())
    token: str = document["users"][0]["user"]["token"]
    return token


class TestSandboxRuntime:
    """`Sandbox.start(["kubernetes"])` gives settings the provider registry can use as they are."""

    async def test_registry_provider_diagnoses_through_the_runtime(self) -> None:
        async with await Sandbox.start(["kubernetes"]) as sandbox:
            settings = sandbox.provider_settings(request_timeout_s=5.0)
            assert settings.kube_context == CONTEXT
            provider = create_provider("kubernetes", settings)
            try:
                got = await run_component(provider, "orders-api", "pods")  # type: ignore[arg-type]
            finally:
                await provider.close()
            assert sandbox.faults.total_calls("kubernetes") == 3
        assert any("ImagePullBackOff" in text for text in got.texts())
