"""The AWS calls the ECS components make, each described as a `Call` and run via the gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from providers.aws import names
from providers.aws.clients import AwsClients, call_api
from providers.base import CollectContext
from providers.errors import ProviderNotFound
from providers.gateway import Call, Json
from providers.model import EcsLocation

Obj = dict[str, Any]

# botocore client name -> IAM action prefix, so operations read like IAM actions
_PREFIX = {
    "ecs": "ecs",
    "logs": "logs",
    "cloudwatch": "cloudwatch",
    "elbv2": "elasticloadbalancing",
    "ec2": "ec2",
}
_MAX_DESCRIBE_TASKS = 100  # DescribeTasks takes at most 100 ARNs
_LOG_STEP_S = 15  # the logs' cache TTL: a repeat within it asks the same question
_METRIC_STEP_S = 60  # one metric period


class EcsApi:
    """The calls for one ECS service: same client pool, same cache scope, same rollout key."""

    def __init__(self, clients: AwsClients, location: EcsLocation) -> None:
        self.clients = clients
        self.location = names.validate_location(location)
        self.region = location.region

    async def _call(
        self,
        ctx: CollectContext,
        service: str,
        operation: str,
        params: Obj,
        *,
        ttl_s: float,
        rollout: str | None,
        shape: Callable[[Json], Json] | None = None,
        region: str | None = None,
    ) -> Json:
        """One call through the gateway; `shape` trims the answer before it is cached."""
        action = f"{_PREFIX[service]}:{operation}"
        region = names.region(region) if region else self.region
        call = Call(
            provider="aws",
            scope=f"{self.clients.scope_label}:{region}",
            operation=action,
            params=tuple(sorted((k, repr(v)) for k, v in params.items())),
            ttl_s=ttl_s,
            rollout=rollout,
        )
        method = "".join("_" + c.lower() if c.isupper() else c for c in operation).lstrip("_")

        async def run() -> Json:
            client = await self.clients.client(service, region)
            answer = await call_api(
                action,
                lambda: getattr(client, method)(**params),
                timeout_s=self.clients.settings.request_timeout_s,
            )
            return shape(answer) if shape is not None else answer

        return await ctx.fetch(call, run)

    async def service(self, ctx: CollectContext) -> Obj:
        """The ECS service (DescribeServices); the root of every other call."""
        params = {"cluster": self.location.cluster, "services": [self.location.service]}
        # No rollout is known yet, so the answer is only trusted for a short time.
        answer = await self._call(ctx, "ecs", "DescribeServices", params, ttl_s=10, rollout=None)
        for found in answer.get("services", []):
            if found.get("serviceName") == self.location.service or found.get("serviceArn") == (
                self.location.service
            ):
                return dict(found)
        raise ProviderNotFound(
            f"ECS service {self.location.service!r} not found in cluster "
            f"{self.location.cluster!r} ({self.region})",
            provider="aws",
            operation="ecs:DescribeServices",
        )

    async def task_definition(self, ctx: CollectContext, arn: str, rollout: str | None) -> Obj:
        """A task definition (immutable per revision, so cached for long)."""
        answer = await self._call(
            ctx,
            "ecs",
            "DescribeTaskDefinition",
            {"taskDefinition": arn},
            ttl_s=3600,
            rollout=rollout,
            shape=without_values,
        )
        return dict(answer["taskDefinition"])

    async def service_tasks(self, ctx: CollectContext, rollout: str | None) -> list[Obj]:
        """Stopped and running tasks (ListTasks x2 concurrently, then DescribeTasks)."""
        stopped, running = await asyncio.gather(
            self._task_arns(ctx, "STOPPED", rollout), self._task_arns(ctx, "RUNNING", rollout)
        )
        arns = sorted(set(stopped) | set(running))[:_MAX_DESCRIBE_TASKS]
        if not arns:
            return []
        params = {"cluster": self.location.cluster, "tasks": arns}
        answer = await self._call(
            ctx, "ecs", "DescribeTasks", params, ttl_s=10, rollout=rollout, shape=without_values
        )
        # Tasks a service starts carry group "service:<name>"; keep only this service's.
        group = f"service:{self.location.service}"
        return [t for t in answer.get("tasks", []) if t.get("group") == group]

    async def _task_arns(self, ctx: CollectContext, status: str, rollout: str | None) -> list[str]:
        params = {
            "cluster": self.location.cluster,
            "serviceName": self.location.service,
            "desiredStatus": status,
            "maxResults": 100,
        }
        answer = await self._call(ctx, "ecs", "ListTasks", params, ttl_s=10, rollout=rollout)
        return [str(a) for a in answer.get("taskArns", [])]

    async def log_events(
        self,
        ctx: CollectContext,
        group: str,
        stream: str,
        *,
        limit: int,
        rollout: str | None,
        from_head: bool = False,
        region: str | None = None,
    ) -> list[Obj]:
        """The newest (or, from the head, the first) `limit` events of one stream in the window."""
        window = round_window(ctx, _LOG_STEP_S)
        params = {
            "logGroupName": names.log_group(group),
            "logStreamName": names.log_stream(stream),
            "startTime": _ms(window[0]),
            "endTime": _ms(window[1]),
            "limit": limit,
            "startFromHead": from_head,
        }
        answer = await self._call(
            ctx, "logs", "GetLogEvents", params, ttl_s=15, rollout=rollout, region=region
        )
        return list(answer.get("events", []))

    async def metric_data(
        self, ctx: CollectContext, queries: Sequence[Obj], rollout: str | None
    ) -> list[Obj]:
        """GetMetricData over the diagnosis window (one page; 100 points per series)."""
        since, until = round_window(ctx, _METRIC_STEP_S)
        params = {
            "MetricDataQueries": list(queries),
            "StartTime": since,
            "EndTime": until,
            "ScanBy": "TimestampDescending",
        }
        answer = await self._call(
            ctx, "cloudwatch", "GetMetricData", params, ttl_s=30, rollout=rollout
        )
        return list(answer.get("MetricDataResults", []))

    async def target_groups(
        self, ctx: CollectContext, arns: Sequence[str], rollout: str | None
    ) -> list[Obj]:
        """Target groups by ARN (DescribeTargetGroups)."""
        params = {"TargetGroupArns": [names.target_group(a) for a in arns]}
        answer = await self._call(
            ctx, "elbv2", "DescribeTargetGroups", params, ttl_s=60, rollout=rollout
        )
        return list(answer.get("TargetGroups", []))

    async def target_groups_by_name(
        self, ctx: CollectContext, group_names: Sequence[str], rollout: str | None
    ) -> list[Obj]:
        """Target groups by name, for catalog entries that name them."""
        params = {"Names": [names.target_group(n) for n in group_names]}
        answer = await self._call(
            ctx, "elbv2", "DescribeTargetGroups", params, ttl_s=60, rollout=rollout
        )
        return list(answer.get("TargetGroups", []))

    async def target_health(self, ctx: CollectContext, arn: str, rollout: str | None) -> list[Obj]:
        """Every registered target's health in one target group."""
        params = {"TargetGroupArn": names.target_group(arn)}
        answer = await self._call(
            ctx, "elbv2", "DescribeTargetHealth", params, ttl_s=10, rollout=rollout
        )
        return list(answer.get("TargetHealthDescriptions", []))

    async def load_balancers(
        self, ctx: CollectContext, arns: Sequence[str], rollout: str | None
    ) -> list[Obj]:
        """Load balancers by ARN (for their security groups)."""
        params = {"LoadBalancerArns": list(arns)}
        answer = await self._call(
            ctx, "elbv2", "DescribeLoadBalancers", params, ttl_s=300, rollout=rollout
        )
        return list(answer.get("LoadBalancers", []))

    async def subnets(
        self, ctx: CollectContext, ids: Sequence[str], rollout: str | None
    ) -> list[Obj]:
        """Subnets by id."""
        params = {"SubnetIds": list(ids)}
        answer = await self._call(ctx, "ec2", "DescribeSubnets", params, ttl_s=300, rollout=rollout)
        return list(answer.get("Subnets", []))

    async def security_groups(
        self, ctx: CollectContext, ids: Sequence[str], rollout: str | None
    ) -> list[Obj]:
        """Security groups by id."""
        params = {"GroupIds": list(ids)}
        answer = await self._call(
            ctx, "ec2", "DescribeSecurityGroups", params, ttl_s=300, rollout=rollout
        )
        return list(answer.get("SecurityGroups", []))

    async def route_tables(
        self, ctx: CollectContext, vpc_id: str, rollout: str | None
    ) -> list[Obj]:
        """Every route table of a VPC (the main one applies to unassociated subnets)."""
        params = {"Filters": [{"Name": "vpc-id", "Values": [vpc_id]}]}
        answer = await self._call(
            ctx, "ec2", "DescribeRouteTables", params, ttl_s=300, rollout=rollout
        )
        return list(answer.get("RouteTables", []))

    async def vpc_endpoints(
        self, ctx: CollectContext, vpc_id: str, rollout: str | None
    ) -> list[Obj]:
        """VPC endpoints of a VPC (ECR/S3 endpoints replace a NAT for image pulls)."""
        params = {"Filters": [{"Name": "vpc-id", "Values": [vpc_id]}]}
        answer = await self._call(
            ctx, "ec2", "DescribeVpcEndpoints", params, ttl_s=300, rollout=rollout
        )
        return list(answer.get("VpcEndpoints", []))


def round_window(ctx: CollectContext, step_s: int) -> tuple[datetime, datetime]:
    """The window widened to whole steps, so repeated diagnoses make identical (cacheable) calls."""
    since = int(ctx.since.timestamp()) // step_s * step_s
    until = -(-int(ctx.until.timestamp() + 1) // step_s) * step_s
    return (
        datetime.fromtimestamp(since, tz=ctx.since.tzinfo or UTC),
        datetime.fromtimestamp(until, tz=ctx.until.tzinfo or UTC),
    )


def without_values(answer: Json) -> Json:
    """Environment and secret entries keep their names only, before anything is cached."""
    if isinstance(answer, dict):
        out: dict[str, Json] = {}
        for key, value in answer.items():
            if key in ("environment", "secrets") and isinstance(value, list):
                out[key] = [{"name": e.get("name")} for e in value if isinstance(e, dict)]
            elif key != "repositoryCredentials":
                out[key] = without_values(value)
        return out
    if isinstance(answer, list):
        return [without_values(v) for v in answer]
    return answer


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
