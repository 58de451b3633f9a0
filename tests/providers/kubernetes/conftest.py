"""Fixtures for the Kubernetes provider tests: the sandbox API server and a provider aimed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from providers.kubernetes import KubernetesProvider, create
from providers.sandbox.faults import Faults
from providers.sandbox.kubernetes import KubernetesEmulator, start
from providers.sandbox.runtime import settings_for
from tests.providers.kubernetes.k8s_support import Collect, Collected, run_component


@pytest.fixture
def k8s_faults() -> Faults:
    return Faults()


@pytest.fixture
async def k8s_sandbox(k8s_faults: Faults, tmp_path: Path) -> AsyncIterator[KubernetesEmulator]:
    emulator = await start(k8s_faults, tmp_path)
    yield emulator
    await emulator.close()


@pytest.fixture
async def k8s_provider(k8s_sandbox: KubernetesEmulator) -> AsyncIterator[KubernetesProvider]:
    settings = settings_for(k8s_sandbox, request_timeout_s=5.0)
    provider = create(settings)
    yield provider
    await provider.close()


@pytest.fixture
def collect(k8s_provider: KubernetesProvider) -> Collect:
    """`await collect("payments-worker", "pods")` -> Collected."""

    async def run(service: str, component: str, **kwargs: object) -> Collected:
        return await run_component(k8s_provider, service, component, **kwargs)  # type: ignore[arg-type]

    return run
