"""The Kubernetes sandbox: a fake API server on loopback, reached through a real kubeconfig file."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from pathlib import Path

import yaml
from aiohttp import web

from providers.sandbox.faults import Faults
from providers.sandbox.kubernetes.scenario import SCENARIO_DIR, ClusterState, load
from providers.sandbox.kubernetes.server import build_app

CONTEXT = "sandbox"


class KubernetesEmulator:
    """A running fake API server, its cluster state and the kubeconfig that points at it."""

    def __init__(
        self,
        runner: web.AppRunner,
        state: ClusterState,
        url: str,
        kubeconfig: Path,
        unsubscribe: Callable[[], None] = lambda: None,
    ):
        self._runner = runner
        self._unsubscribe = unsubscribe
        self.state = state
        self.url = url
        self.kubeconfig = kubeconfig

    def settings(self) -> dict[str, object]:
        """ProviderSettings fields for this emulator."""
        return {"kubeconfig": self.kubeconfig, "kube_context": CONTEXT}

    def put_log(
        self, namespace: str, pod: str, container: str, data: bytes, *, previous: bool = False
    ) -> None:
        """Serve `data` verbatim as that container's log (tests: empty logs, binary junk)."""
        self.state.logs[(namespace, pod, container, previous)] = data

    async def close(self) -> None:
        """Stop serving."""
        self._unsubscribe()
        await self._runner.cleanup()


async def start(
    faults: Faults, workdir: Path, *, scenarios: Path = SCENARIO_DIR
) -> KubernetesEmulator:
    """Serve the scenarios on 127.0.0.1 (ephemeral port); write `workdir/kubeconfig`."""
    state = load(scenarios)
    token = secrets.token_urlsafe(24)
    # Short grace: an injected slow answer must not hold up shutdown.
    runner = web.AppRunner(build_app(state, faults, token), access_log=None, shutdown_timeout=0.2)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    url = f"http://127.0.0.1:{port}"
    kubeconfig = workdir / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump(kubeconfig_document(url, token)))
    kubeconfig.chmod(0o600)
    # A fault rule change wakes the open watches, so a `down` one drops them at once (the
    # rules may change on another thread: the watches live on this loop).
    loop = asyncio.get_running_loop()

    def wake() -> None:
        loop.call_soon_threadsafe(state.wake_watches)

    unsubscribe = faults.subscribe(wake)
    return KubernetesEmulator(runner, state, url, kubeconfig, unsubscribe)


def kubeconfig_document(server: str, token: str, context: str = CONTEXT) -> dict[str, object]:
    """A minimal kubeconfig: one cluster, one token user, one context."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": {"server": server}}],
        "users": [{"name": f"{context}-user", "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": context, "user": f"{context}-user"}}],
        "current-context": context,
    }
