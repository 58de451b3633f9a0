"""Each ECS sandbox scenario, through the real pipeline and pattern engine, gets its root cause."""

from __future__ import annotations

import pytest

from analysis.engine import Engine
from analysis.model import DiagnosticRequest
from analysis.pipeline import run_diagnosis
from providers.gateway import DirectGateway
from providers.model import Depth
from providers.sandbox.expected import EXPECTED_ROOT_CAUSE
from tests.providers.aws.conftest import AwsSandbox

pytestmark = pytest.mark.asyncio(loop_scope="module")
ECS_SCENARIOS = ["checkout-api", "billing-api", "inventory-svc", "notifications-worker"]


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine.load()


@pytest.mark.parametrize("depth", ["basic", "comprehensive"])
@pytest.mark.parametrize("service", ECS_SCENARIOS)
async def test_top_finding_is_the_scenarios_root_cause(
    aws: AwsSandbox, engine: Engine, service: str, depth: Depth
) -> None:
    request = DiagnosticRequest(aws.target(service), depth)
    diagnosis = await run_diagnosis(request, aws.provider, DirectGateway(), engine, budget_s=20)
    assert {r.status for r in diagnosis.components} <= {"ok", "skipped"}
    findings = diagnosis.analysis.findings
    assert findings
    assert findings[0].category == EXPECTED_ROOT_CAUSE[service]


async def test_comprehensive_diagnosis_names_the_missing_route(
    aws: AwsSandbox, engine: Engine
) -> None:
    request = DiagnosticRequest(aws.target("notifications-worker"), "comprehensive")
    diagnosis = await run_diagnosis(request, aws.provider, DirectGateway(), engine, budget_s=20)
    network = next(r for r in diagnosis.components if r.component == "network")
    assert any("has no route to ECR" in e.text for e in network.evidence)
