"""Failures: API errors become the error tree, one failing endpoint sinks only its component."""

from __future__ import annotations

import asyncio
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from providers.base import CollectContext
from providers.errors import (
    ConfigError,
    ProviderError,
    ProviderNotFound,
    ProviderPermissionDenied,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
)
from providers.gateway import DirectGateway
from providers.kubernetes import KubernetesProvider, create
from providers.kubernetes.api import env_proxy
from providers.model import Evidence
from providers.registry import ProviderSettings
from providers.sandbox.faults import Faults
from providers.sandbox.kubernetes import KubernetesEmulator, kubeconfig_document
from providers.sandbox.runtime import settings_for
from tests.providers.kubernetes.k8s_support import k8s_target, run_component


async def _all_components(
    provider: KubernetesProvider, service: str
) -> dict[str, list[Evidence] | BaseException]:
    target = k8s_target(service)
    now = datetime.now(UTC)
    ctx = CollectContext(target, "basic", now - timedelta(hours=1), now, DirectGateway())
    components = provider.components(target)
    results = await asyncio.gather(
        *(c.collect(ctx.for_component()) for c in components), return_exceptions=True
    )
    return {c.name: r for c, r in zip(components, results, strict=True)}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _kubeconfig(tmp_path: Path, server: str, token: str = "nope") -> Path:
    path = tmp_path / "other-kubeconfig"
    path.write_text(yaml.safe_dump(kubeconfig_document(server, token, context="elsewhere")))
    return path


class TestOneFailingEndpoint:
    """A 5xx from one endpoint fails the components that need it; the rest still answer."""

    async def test_events_500_fails_only_events(
        self, k8s_provider: KubernetesProvider, k8s_faults: Faults
    ) -> None:
        k8s_faults.set("kubernetes", "list_events", error_rate=1.0)
        results = await _all_components(k8s_provider, "payments-worker")
        failed = results.pop("events")
        assert isinstance(failed, ProviderUnavailable)
        assert "list_events" in str(failed)
        assert "HTTP 500" in str(failed)
        assert failed.retryable
        assert all(isinstance(r, list) and r for r in results.values()), results

    async def test_log_500_fails_logs_and_keeps_pods(
        self, k8s_provider: KubernetesProvider, k8s_faults: Faults
    ) -> None:
        k8s_faults.set("kubernetes", "read_pod_log", error_rate=1.0)
        results = await _all_components(k8s_provider, "payments-worker")
        assert isinstance(results["logs"], ProviderUnavailable)
        assert isinstance(results["pods"], list)
        assert any("OOMKilled" in e.text for e in results["pods"])

    async def test_throttling_is_provider_throttled_with_retry_after(
        self, k8s_provider: KubernetesProvider, k8s_faults: Faults
    ) -> None:
        k8s_faults.set("kubernetes", "read_deployment", throttle_rate=1.0)
        with pytest.raises(ProviderThrottled) as caught:
            await run_component(k8s_provider, "ledger", "status")
        assert caught.value.retry_after_s == 1.0
        assert caught.value.operation == "read_deployment"

    async def test_slow_api_is_a_timeout_not_a_hang(
        self, k8s_sandbox: KubernetesEmulator, k8s_faults: Faults
    ) -> None:
        k8s_faults.set("kubernetes", "read_deployment", latency_s=2.0)
        settings = settings_for(k8s_sandbox, request_timeout_s=0.2)
        provider = create(settings)
        try:
            async with asyncio.timeout(3):
                with pytest.raises(ProviderTimeout, match=r"timed out after 0\.2s"):
                    await run_component(provider, "ledger", "status")
        finally:
            await provider.close()

    async def test_unknown_deployment_is_not_found(self, k8s_provider: KubernetesProvider) -> None:
        with pytest.raises(ProviderNotFound, match=r'deployments\.apps "ledger" not found'):
            await run_component(k8s_provider, "ledger", "status", namespace="payments")


class TestConnection:
    """Where the API server is and who we are: config, reachability, credentials."""

    async def test_unreachable_api_server_is_unavailable_quickly(self, tmp_path: Path) -> None:
        kubeconfig = _kubeconfig(tmp_path, f"http://127.0.0.1:{_closed_port()}")
        provider = create(ProviderSettings(kubeconfig=kubeconfig, request_timeout_s=5.0))
        try:
            async with asyncio.timeout(3):
                with pytest.raises(ProviderUnavailable, match="unreachable"):
                    await run_component(provider, "ledger", "status")
        finally:
            await provider.close()

    async def test_wrong_token_is_permission_denied(
        self, k8s_sandbox: KubernetesEmulator, tmp_path: Path
    ) -> None:
        kubeconfig = _kubeconfig(tmp_path, k8s_sandbox.url, token="not-the-token")
        provider = create(ProviderSettings(kubeconfig=kubeconfig))
        try:
            with pytest.raises(ProviderPermissionDenied, match="HTTP 401"):
                await run_component(provider, "ledger", "status")
        finally:
            await provider.close()

    async def test_missing_kubeconfig_is_a_config_error(self, tmp_path: Path) -> None:
        provider = create(ProviderSettings(kubeconfig=tmp_path / "absent"))
        with pytest.raises(ConfigError, match="No kubeconfig found"):
            await run_component(provider, "ledger", "status")
        await provider.close()

    async def test_unknown_context_is_a_config_error(self, k8s_sandbox: KubernetesEmulator) -> None:
        provider = create(ProviderSettings(kubeconfig=k8s_sandbox.kubeconfig, kube_context="prod"))
        with pytest.raises(ConfigError, match="prod"):
            await run_component(provider, "ledger", "status")
        await provider.close()

    async def test_kubeconfig_env_is_the_default_location(
        self, k8s_sandbox: KubernetesEmulator, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
        monkeypatch.setenv("KUBECONFIG", str(k8s_sandbox.kubeconfig))
        provider = create(ProviderSettings())
        try:
            got = await run_component(provider, "ledger", "status")
        finally:
            await provider.close()
        assert got.evidence[0].attributes["revision"] == "5"

    async def test_in_cluster_without_a_service_account_is_a_config_error(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        monkeypatch.setenv("KUBERNETES_SERVICE_PORT", "1")
        provider = create(ProviderSettings())
        with pytest.raises(ConfigError, match="In-cluster"):
            await run_component(provider, "ledger", "status")
        await provider.close()


class TestNameValidation:
    """Names outside DNS-1123 are refused before anything reaches the API server."""

    @pytest.mark.parametrize(
        ("namespace", "deployment", "container"),
        [
            ("Payments", "payments-worker", None),
            ("payments", "../../api/v1/secrets", None),
            ("payments", "worker?labelSelector=x", None),
            ("pay_ments", "payments-worker", None),
            ("payments", "-leading-dash", None),
            ("payments", "payments-worker", "app;rm"),
            ("a" * 64, "payments-worker", None),
        ],
    )
    async def test_invalid_names_make_no_request(
        self,
        k8s_provider: KubernetesProvider,
        k8s_faults: Faults,
        namespace: str,
        deployment: str,
        container: str | None,
    ) -> None:
        extra = {"container": container} if container else {}
        target = k8s_target(deployment, namespace, **extra)
        with pytest.raises(ConfigError, match="Invalid Kubernetes"):
            k8s_provider.components(target)
        assert k8s_faults.total_calls() == 0

    async def test_dotted_deployment_names_are_valid(
        self, k8s_provider: KubernetesProvider
    ) -> None:
        target = k8s_target("api.v2", "payments")
        assert [c.name for c in k8s_provider.components(target)] == [
            "status", "pods", "logs", "events", "nodes", "metrics",
        ]  # fmt: skip


class TestCallChain:
    """Dependent calls are few and concurrent: the chain is three calls deep."""

    async def test_all_components_take_about_three_round_trips(
        self, k8s_provider: KubernetesProvider, k8s_faults: Faults
    ) -> None:
        k8s_faults.set("kubernetes", latency_s=0.5)
        loop = asyncio.get_running_loop()
        started = loop.time()
        results = await _all_components(k8s_provider, "payments-worker")
        elapsed = loop.time() - started
        assert not [r for r in results.values() if isinstance(r, ProviderError)]
        # 11 calls, but deployment -> lists -> logs/nodes is 3 deep: 1.5 s plus overhead
        # (a fourth step would make it 2 s; one call after another, 5.5 s).
        assert 1.5 <= elapsed < 2.0
        assert k8s_faults.total_calls("kubernetes") == 11


class TestTheEnvironment:
    """What the environment says about the API server is read once, not on every request."""

    async def test_a_netrc_entry_for_the_api_server_does_not_break_token_auth(
        self, k8s_sandbox: KubernetesEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # With aiohttp's trust_env, a ~/.netrc entry for the host became Basic auth next to
        # the bearer token, and every request failed ("Cannot combine AUTHORIZATION ...").
        netrc = tmp_path / "netrc"
        netrc.write_text("machine 127.0.0.1 login someone password secret\n")
        netrc.chmod(0o600)
        monkeypatch.setenv("NETRC", str(netrc))
        provider = create(ProviderSettings(kubeconfig=k8s_sandbox.kubeconfig))
        try:
            got = await run_component(provider, "ledger", "status")
        finally:
            await provider.close()
        assert got.evidence[0].attributes["revision"] == "5"

    def test_the_proxy_comes_from_https_proxy_unless_no_proxy_names_the_host(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,.internal")
        assert env_proxy("https://10.0.0.1:6443") == "http://proxy.corp:3128"
        assert env_proxy("https://127.0.0.1:6443") is None
        assert env_proxy("https://api.cluster.internal") is None
        assert env_proxy("http://10.0.0.1:8080") is None  # no HTTP_PROXY set
