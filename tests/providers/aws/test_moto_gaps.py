"""Canary: what moto_gaps sets on moto's backend objects shows on the wire.

When a moto upgrade moves those objects, these tests fail here, by name, rather than as
silently empty evidence in every ECS scenario.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import moto
import pytest
import pytest_asyncio
from aiobotocore.config import AioConfig

from providers.aws.clients import session_for
from tests.providers.aws.conftest import AwsSandbox

pytestmark = pytest.mark.asyncio(loop_scope="module")
MOTO = f"moto {moto.__version__}: update providers/sandbox/moto_gaps.py"


@pytest_asyncio.fixture(loop_scope="module")
async def ecs(aws: AwsSandbox) -> AsyncIterator[Any]:
    """A raw aioboto3 ECS client straight to moto (no proxy, no provider)."""
    async with _client("ecs", aws) as client:
        yield client


def _client(service: str, aws: AwsSandbox) -> Any:
    # the same isolated session the provider uses for loopback: no user profile or files
    return session_for(None, isolated=True).client(
        service,
        endpoint_url=aws.emulator.moto_url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=AioConfig(retries={"max_attempts": 1}),
    )


class TestEcsGaps:
    """Service events, deployments, stop codes and container exit codes."""

    async def test_service_events_and_failed_rollout(self, ecs: Any) -> None:
        answer = await ecs.describe_services(cluster="prod", services=["checkout-api"])
        service = answer["services"][0]
        assert service["events"], MOTO
        primary = next(d for d in service["deployments"] if d["status"] == "PRIMARY")
        assert primary["rolloutState"] == "FAILED", MOTO
        assert primary["failedTasks"] == 4, MOTO

    async def test_stopped_container_exit_code_reason_and_stop_code(self, ecs: Any) -> None:
        arns = (await ecs.list_tasks(cluster="prod", desiredStatus="STOPPED"))["taskArns"]
        tasks = (await ecs.describe_tasks(cluster="prod", tasks=arns))["tasks"]
        checkout = [t for t in tasks if t["group"] == "service:checkout-api"]
        assert checkout
        for task in checkout:
            assert task["stopCode"] == "EssentialContainerExited", MOTO
            assert "stoppedAt" in task, MOTO
            container = task["containers"][0]
            assert container["exitCode"] == 137, MOTO
            assert container["reason"].startswith("OutOfMemoryError"), MOTO

    async def test_running_tasks_stay_running_however_often_they_are_read(self, ecs: Any) -> None:
        arns = (await ecs.list_tasks(cluster="prod", desiredStatus="RUNNING"))["taskArns"]
        assert arns
        for _ in range(6):
            tasks = (await ecs.describe_tasks(cluster="prod", tasks=arns))["tasks"]
        assert {t["lastStatus"] for t in tasks} == {"RUNNING"}, MOTO


class TestElbGaps:
    """IP targets report the health the scenario gave them."""

    async def test_unhealthy_ip_targets(self, aws: AwsSandbox) -> None:
        async with _client("elbv2", aws) as elb:
            groups = (await elb.describe_target_groups(Names=["billing-api-tg"]))["TargetGroups"]
            health = await elb.describe_target_health(TargetGroupArn=groups[0]["TargetGroupArn"])
        states = [d["TargetHealth"] for d in health["TargetHealthDescriptions"]]
        assert states, MOTO
        assert {s["State"] for s in states} == {"unhealthy"}, MOTO
        assert {s["Reason"] for s in states} == {"Target.FailedHealthChecks"}, MOTO

    async def test_other_target_groups_keep_motos_default(self, aws: AwsSandbox) -> None:
        async with _client("elbv2", aws) as elb:
            groups = (await elb.describe_target_groups(Names=["checkout-api-tg"]))["TargetGroups"]
            health = await elb.describe_target_health(TargetGroupArn=groups[0]["TargetGroupArn"])
        assert {d["TargetHealth"]["State"] for d in health["TargetHealthDescriptions"]} == {
            "healthy"
        }
