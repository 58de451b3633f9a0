"""End to end over gRPC: each Cloud Run scenario's top finding is its contracted root cause."""

from __future__ import annotations

import pytest

from analysis.engine import Engine
from analysis.model import DiagnosticRequest
from analysis.pipeline import run_diagnosis
from providers.gateway import DirectGateway
from providers.gcp import CloudRunProvider
from providers.model import Depth
from providers.sandbox.expected import EXPECTED_ROOT_CAUSE
from tests.providers.gcp.harness import target

CLOUD_RUN = ("search-frontend", "profile-svc", "media-resizer", "accounts-api")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load()


@pytest.mark.parametrize("depth", ["basic", "comprehensive"])
@pytest.mark.parametrize("service", CLOUD_RUN)
async def test_top_finding_is_the_scenarios_root_cause(
    provider: CloudRunProvider, engine: Engine, service: str, depth: Depth
) -> None:
    request = DiagnosticRequest(target(service), depth)
    diagnosis = await run_diagnosis(request, provider, DirectGateway(), engine, budget_s=10.0)
    assert [c.component for c in diagnosis.components if c.status == "error"] == []
    assert diagnosis.top is not None
    assert diagnosis.top.category == EXPECTED_ROOT_CAUSE[service]
