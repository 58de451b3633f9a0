"""Throttling, 5xx, outages and slowness injected by the proxy become labelled partial results."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import timedelta

import pytest

from analysis.model import Analysis, DiagnosticRequest
from analysis.pipeline import run_diagnosis
from providers.aws import create
from providers.errors import (
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
)
from providers.gateway import DirectGateway
from providers.model import Evidence
from providers.registry import ProviderSettings
from providers.sandbox.runtime import settings_for
from tests.providers.aws.conftest import AwsSandbox, Collect, context

pytestmark = pytest.mark.asyncio(loop_scope="module")


class NoAnalysis:
    """Collection is under test here, not the pattern engine."""

    def analyze(self, evidence: Sequence[Evidence], **_: object) -> Analysis:
        return Analysis()


class TestOneApiFailing:
    """A failing API costs only the components that need it."""

    async def test_throttled_metrics_are_a_labelled_error_and_the_rest_arrives(
        self, aws: AwsSandbox
    ) -> None:
        aws.faults.set("aws", "cloudwatch:GetMetricData", throttle_rate=1.0)
        try:
            request = DiagnosticRequest(aws.target("checkout-api"), "comprehensive")
            diagnosis = await run_diagnosis(
                request, aws.provider, DirectGateway(), NoAnalysis(), budget_s=20
            )
        finally:
            aws.faults.clear()
        status = {r.component: r.status for r in diagnosis.components}
        assert status.pop("metrics") == "error"
        assert set(status.values()) == {"ok"}
        metrics = next(r for r in diagnosis.components if r.component == "metrics")
        assert metrics.message is not None
        assert "throttled" in metrics.message
        assert all(r.evidence for r in diagnosis.components if r.component != "metrics")

    async def test_a_500_from_get_log_events_fails_only_logs(
        self, aws: AwsSandbox, collect: Collect
    ) -> None:
        aws.faults.set("aws", "logs:GetLogEvents", error_rate=1.0)
        with pytest.raises(ProviderUnavailable) as raised:
            await collect("inventory-svc", "logs")
        assert raised.value.operation == "logs:GetLogEvents"
        assert raised.value.retryable
        evidence, _ = await collect("inventory-svc", "tasks")
        assert evidence

    async def test_ec2_request_limit_is_throttling(self, aws: AwsSandbox, collect: Collect) -> None:
        aws.faults.set("aws", "ec2:DescribeRouteTables", throttle_rate=1.0)
        with pytest.raises(ProviderThrottled):
            await collect("notifications-worker", "network")

    async def test_elbv2_outage_is_unavailable(self, aws: AwsSandbox, collect: Collect) -> None:
        aws.faults.set("aws", "elasticloadbalancing:DescribeTargetHealth", down=True)
        with pytest.raises(ProviderUnavailable):
            await collect("billing-api", "load_balancer")

    async def test_ecs_throttling_is_throttling(self, aws: AwsSandbox, collect: Collect) -> None:
        aws.faults.set("aws", "ecs:DescribeServices", throttle_rate=1.0)
        with pytest.raises(ProviderThrottled) as raised:
            await collect("checkout-api", "service")
        assert raised.value.operation == "ecs:DescribeServices"


class TestSlowAndUnreachable:
    """Latency beyond the request timeout, and a closed port."""

    async def test_a_call_slower_than_the_timeout_is_a_timeout(self, aws: AwsSandbox) -> None:
        settings = settings_for(aws.emulator, request_timeout_s=0.2)
        provider = create(settings)
        aws.faults.set("aws", "ecs:DescribeServices", latency_s=1.0)
        target = aws.target("checkout-api")
        try:
            with pytest.raises(ProviderTimeout):
                await provider.components(target)[0].collect(context(target))
        finally:
            aws.faults.clear()
            await provider.close()

    async def test_nothing_listening_is_unavailable(self, aws: AwsSandbox) -> None:
        server = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        server.close()
        await server.wait_closed()
        provider = create(ProviderSettings(aws_endpoint_url=f"http://127.0.0.1:{port}"))
        target = aws.target("checkout-api")
        try:
            with pytest.raises(ProviderUnavailable):
                await provider.components(target)[0].collect(context(target))
        finally:
            await provider.close()


class TestCallsAndBytes:
    """The proxy counts what reached the platform; the call memo shares calls between components."""

    async def test_one_comprehensive_diagnosis_makes_each_root_call_once(
        self, aws: AwsSandbox
    ) -> None:
        before = dict(aws.faults.calls)
        bytes_before = aws.faults.bytes_sent["aws"]
        request = DiagnosticRequest(aws.target("billing-api"), "comprehensive", timedelta(hours=1))
        await run_diagnosis(request, aws.provider, DirectGateway(), NoAnalysis(), budget_s=20)
        made = {
            k: n - before.get(k, 0) for k, n in aws.faults.calls.items() if n - before.get(k, 0)
        }
        assert made["aws:ecs:DescribeServices"] == 1
        assert made["aws:ecs:DescribeTaskDefinition"] == 1
        assert made["aws:ecs:DescribeTasks"] == 1
        assert made["aws:elasticloadbalancing:DescribeTargetGroups"] == 1
        assert aws.faults.bytes_sent["aws"] - bytes_before > 10_000
