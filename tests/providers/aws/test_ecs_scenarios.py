"""The ECS provider through aioboto3 and the fault proxy, against moto seeded with the scenarios."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest

from providers.base import CollectContext
from providers.errors import ProviderNotFound
from providers.gateway import Call, Fetched, Json
from providers.model import Evidence
from tests.providers.aws.conftest import AwsSandbox, Collect, context

pytestmark = pytest.mark.asyncio(loop_scope="module")


def texts(evidence: list[Evidence]) -> str:
    return "\n".join(e.text for e in evidence)


class TestServiceStatus:
    """describe_services gives counts, the rollout and the service events since it."""

    async def test_failed_rollout_is_reported_with_its_revision_and_start(
        self, collect: Collect
    ) -> None:
        evidence, _ = await collect("checkout-api", "service")
        primary = next(e for e in evidence if e.attributes.get("deployment_status") == "PRIMARY")
        assert primary.kind == "status"
        assert primary.attributes["rollout_state"] == "FAILED"
        assert primary.attributes["revision"] == 7
        assert primary.attributes["failed_tasks"] == 4
        assert str(primary.attributes["rollout_started"]).startswith("20")
        assert "circuit breaker" in primary.text
        summary = next(e for e in evidence if "desired" in e.attributes)
        assert summary.attributes["revision"] == 7
        assert summary.attributes["rollout_started"] == primary.attributes["rollout_started"]

    async def test_service_events_since_the_rollout_are_events(self, collect: Collect) -> None:
        evidence, _ = await collect("checkout-api", "service")
        events = [e for e in evidence if e.kind == "event"]
        assert any("deployment failed: tasks failed to start" in e.text for e in events)
        assert all(e.timestamp is not None for e in events)

    async def test_unknown_service_is_not_found(self, aws: AwsSandbox) -> None:
        target = aws.target("no-such-service")
        with pytest.raises(ProviderNotFound):
            await aws.component(target, "service").collect(context(target))


class TestStoppedTasks:
    """Stopped tasks carry stop codes, reasons and each container's exit code."""

    async def test_oom_killed_container_has_exit_137_and_the_ecs_reason(
        self, collect: Collect
    ) -> None:
        evidence, _ = await collect("checkout-api", "tasks")
        containers = [e for e in evidence if "exit_code" in e.attributes]
        assert len(containers) == 3
        assert {e.attributes["exit_code"] for e in containers} == {137}
        assert all(
            e.attributes["reason"] == "OutOfMemoryError: Container killed due to memory usage"
            for e in containers
        )
        stops = [e for e in evidence if e.attributes.get("stop_code")]
        assert {e.attributes["stop_code"] for e in stops} == {"EssentialContainerExited"}

    async def test_image_pull_failure_is_a_stopped_reason(self, collect: Collect) -> None:
        evidence, _ = await collect("notifications-worker", "tasks")
        assert {e.attributes["stop_code"] for e in evidence} == {"TaskFailedToStart"}
        assert "CannotPullContainerError" in texts(evidence)
        assert "ResourceInitializationError" in texts(evidence)

    async def test_only_this_services_tasks_are_reported(self, collect: Collect) -> None:
        # moto ignores ListTasks(serviceName=…); the provider keeps group "service:<name>" only
        evidence, _ = await collect("billing-api", "tasks")
        assert "OutOfMemoryError" not in texts(evidence)
        assert len([e for e in evidence if "exit_code" in e.attributes]) == 3


class TestTaskDefinition:
    """The task definition is summarised; environment and secret values never leave AWS."""

    async def test_ports_memory_and_names_only(self, collect: Collect) -> None:
        evidence, _ = await collect("checkout-api", "task_definition")
        container = next(e for e in evidence if e.attributes.get("container") == "checkout-api")
        assert container.attributes["container_port"] == 3000
        assert container.attributes["memory_mib"] == 512
        assert container.attributes["log_group"] == "/ecs/checkout-api"
        assert "NODE_ENV" in container.text
        assert "STRIPE_API_KEY" in container.text
        everything = texts(evidence) + repr([dict(e.attributes) for e in evidence])
        assert "production" not in everything  # NODE_ENV's value
        assert "parameter/" not in everything  # a secret's valueFrom


class TestLogs:
    """awslogs streams of stopped and running tasks: at most 1,000 lines, newest first."""

    async def test_memory_climb_is_among_hundreds_of_ordinary_lines(self, collect: Collect) -> None:
        evidence, _ = await collect("checkout-api", "logs")
        assert 300 < len(evidence) <= 1000
        assert all(e.kind == "log" for e in evidence)
        stamps = [e.timestamp for e in evidence]
        assert stamps == sorted(stamps, reverse=True)  # type: ignore[type-var]
        assert "memory usage: heap 498 MiB of 512 MiB" in texts(evidence)
        assert {e.attributes["task_status"] for e in evidence} == {"stopped", "running"}

    async def test_startup_port_of_the_failed_task_is_kept(self, collect: Collect) -> None:
        evidence, _ = await collect("billing-api", "logs")
        assert "billing-api listening on 0.0.0.0:8080" in texts(evidence)

    async def test_database_timeouts_are_in_the_logs(self, collect: Collect) -> None:
        evidence, _ = await collect("inventory-svc", "logs")
        assert "port 5432 failed: Connection timed out" in texts(evidence)

    async def test_tasks_that_never_started_have_no_logs_and_say_so(self, collect: Collect) -> None:
        evidence, ctx = await collect("notifications-worker", "logs")
        assert evidence == []
        assert any("no container logs" in note for note in ctx.notes)


class TestMetrics:
    """CPU and memory utilisation via GetMetricData."""

    async def test_memory_near_the_limit(self, collect: Collect) -> None:
        evidence, _ = await collect("checkout-api", "metrics")
        memory = next(e for e in evidence if "memory_pct" in e.attributes)
        cpu = next(e for e in evidence if "cpu_pct" in e.attributes)
        assert memory.kind == "metric"
        assert float(memory.attributes["memory_pct"]) >= 99.0
        assert float(cpu.attributes["cpu_pct"]) < 50.0
        assert memory.attributes["points"] == 30


class TestLoadBalancer:
    """Target health, health check settings and the container/target port comparison."""

    async def test_unhealthy_targets_with_their_reason(self, collect: Collect) -> None:
        evidence, _ = await collect("billing-api", "load_balancer")
        assert all(e.kind == "lb_health" for e in evidence)
        targets = [e for e in evidence if "target_state" in e.attributes]
        assert targets
        assert {e.attributes["target_state"] for e in targets} == {"unhealthy"}
        assert {e.attributes["target_reason"] for e in targets} == {"Target.FailedHealthChecks"}
        ports = next(e for e in evidence if "ports_match" in e.attributes)
        assert ports.attributes["container_port"] == 3000
        assert ports.attributes["target_port"] == 3000

    async def test_a_worker_without_load_balancer_says_so(self, collect: Collect) -> None:
        evidence, ctx = await collect("notifications-worker", "load_balancer")
        assert evidence == []
        assert ctx.notes


class TestNetwork:
    """awsvpc subnets: route to the registry; security groups: can the ALB reach the port."""

    async def test_private_subnet_without_nat_or_endpoints_names_the_missing_route(
        self, collect: Collect
    ) -> None:
        evidence, _ = await collect("notifications-worker", "network")
        subnet = next(e for e in evidence if "registry_reachable" in e.attributes)
        assert subnet.kind == "network"
        assert subnet.attributes["registry_reachable"] is False
        assert "has no route to ECR: no NAT gateway, no internet gateway route" in subnet.text
        assert "no com.amazonaws.us-east-1.ecr.dkr VPC endpoint" in subnet.text

    async def test_nat_subnet_reaches_ecr_and_alb_reaches_the_container(
        self, collect: Collect
    ) -> None:
        evidence, _ = await collect("checkout-api", "network")
        subnet = next(e for e in evidence if "registry_reachable" in e.attributes)
        assert subnet.attributes["registry_reachable"] is True
        assert subnet.attributes["has_nat"] is True
        reach = next(e for e in evidence if "lb_can_reach" in e.attributes)
        assert reach.attributes["lb_can_reach"] is True
        assert reach.attributes["container_port"] == 3000


class RecordingGateway:
    """A gateway that keeps every value it would cache (what Redis would hold)."""

    def __init__(self) -> None:
        self.values: list[object] = []
        self.calls: list[Call] = []

    async def fetch(
        self, call: Call, fn: Callable[[], Awaitable[Json]], *, deadline: float | None = None
    ) -> Fetched:
        value = await fn()
        self.calls.append(call)
        self.values.append(value)
        return Fetched(value)


class TestWhatIsCached:
    """Answers handed to the gateway are JSON and carry no environment or secret values."""

    async def test_no_env_values_reach_the_cache(self, aws: AwsSandbox) -> None:
        gateway = RecordingGateway()
        target = aws.target("checkout-api")
        now = datetime.now(UTC)
        ctx = CollectContext(target, "comprehensive", now - timedelta(hours=1), now, gateway)
        for component in aws.provider.components(target):
            await component.collect(ctx.for_component())
        json.dumps(gateway.values)  # raises if anything is not JSON-shaped
        definition = json.dumps(
            [
                v
                for c, v in zip(gateway.calls, gateway.values, strict=True)
                if c.operation == "ecs:DescribeTaskDefinition"
            ]
        )
        assert "NODE_ENV" in definition
        assert "production" not in definition  # NODE_ENV's value
        assert "parameter/STRIPE_API_KEY" not in definition  # the secret's valueFrom
        rollouts = {c.rollout for c in gateway.calls if c.operation != "ecs:DescribeServices"}
        assert len(rollouts) == 1
        assert next(iter(rollouts)).startswith("checkout-api:7@ecs-svc/")  # type: ignore[union-attr]
