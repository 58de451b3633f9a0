"""What moto cannot produce through the AWS API, set directly on its in-process backend objects.

moto 5.2 never fills service events, stopped containers' exit codes and reasons, stop codes,
deployment rollout failures, or unhealthy IP targets. Everything that reaches into moto's
internals lives here, so a moto upgrade breaks exactly one module (and its canary test).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ecs.models import ecs_backends
from moto.elbv2.models import FakeHealthStatus, FakeTargetGroup, elbv2_backends
from moto.moto_api import state_manager


class MotoLayoutChanged(RuntimeError):
    """moto moved an object this module writes to; update moto_gaps for the new version."""


def hold_task_states() -> None:
    """Keep tasks where the scenario put them (moto advances RUNNING -> STOPPED as it is read)."""
    state_manager.set_transition(
        model_name="ecs::task", transition={"progression": "manual", "times": 10**9}
    )


def _ecs(region: str) -> Any:
    return ecs_backends[DEFAULT_ACCOUNT_ID][region]


def _service(region: str, cluster: str, service: str) -> Any:
    services = _ecs(region).services
    key = f"{cluster}:{service}"
    if key not in services:
        raise MotoLayoutChanged(f"moto ECS backend has no services[{key!r}]")
    return services[key]


def set_service_events(
    region: str, cluster: str, service: str, events: list[tuple[datetime, str]]
) -> None:
    """Service events (ECS lists them newest first)."""
    ordered = sorted(events, key=lambda e: e[0], reverse=True)
    _service(region, cluster, service).events = [
        {"id": f"evt-{i:04d}", "createdAt": at, "message": message}
        for i, (at, message) in enumerate(ordered)
    ]


def set_deployments(
    region: str, cluster: str, service: str, deployments: list[dict[str, Any]]
) -> None:
    """Replace the deployments (rolloutState, failedTasks, createdAt…); counts follow PRIMARY."""
    target = _service(region, cluster, service)
    if not isinstance(getattr(target, "deployments", None), list):
        raise MotoLayoutChanged("moto ECS Service.deployments is no longer a list of dicts")
    target.deployments = deployments
    running = sum(int(d.get("runningCount", 0)) for d in deployments)
    target.running_count = running
    target.pending_count = max(0, int(target.desired_count) - running)


def set_stopped_task(
    region: str,
    cluster: str,
    task_arn: str,
    *,
    stop_code: str,
    stopped_at: datetime,
    exit_code: int | None,
    reason: str | None,
    health: str = "UNKNOWN",
) -> None:
    """Stop code, stop time and the (first) container's exit code, reason and health."""
    task = _ecs(region).tasks.get(cluster, {}).get(task_arn)
    if task is None or not getattr(task, "containers", None):
        raise MotoLayoutChanged(f"moto ECS backend has no tasks[{cluster!r}][task] with containers")
    task.stop_code = stop_code
    task.stopped_at = stopped_at
    container = task.containers[0]
    for attribute in ("exitCode", "health_status", "last_status"):
        if not hasattr(container, attribute):
            raise MotoLayoutChanged(f"moto ECS Container has no {attribute!r}")
    container.exitCode = exit_code
    container.reason = reason
    container.health_status = health
    container.last_status = "STOPPED"


def set_target_health(
    region: str, target_group_arn: str, state: str, reason: str, description: str
) -> None:
    """Every target of one target group reports `state` (moto's IP targets are always healthy)."""
    group = elbv2_backends[DEFAULT_ACCOUNT_ID][region].target_groups.get(target_group_arn)
    if not isinstance(group, FakeTargetGroup) or not callable(getattr(group, "health_for", None)):
        raise MotoLayoutChanged("moto ELBv2 target_groups[arn].health_for is gone")

    def health_for(target: dict[str, Any], ec2_backend: Any) -> FakeHealthStatus:
        port = target.get("Port", group.port)
        return FakeHealthStatus(
            target["Id"], port, group.health_check_port, state, reason, description
        )

    # An instance attribute shadows the method for this target group only.
    group.health_for = health_for  # type: ignore[method-assign]
