"""ECS components: the service and its deployments, its stopped tasks, its task definition."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from providers.aws.api import EcsApi, Obj
from providers.base import CollectContext
from providers.model import AttributeValue, Evidence
from providers.timestamps import parse_time

_MAX_EVENTS = 50
_MAX_STOPPED_TASKS = 10
_EVENT_SLACK = timedelta(minutes=1)  # events stamped just before createdAt belong to the rollout


def primary_deployment(service: Obj) -> Obj:
    """The deployment being rolled out (PRIMARY), or an empty dict."""
    for deployment in service.get("deployments", []):
        if deployment.get("status") == "PRIMARY":
            return dict(deployment)
    return {}


def rollout_key(service: Obj) -> str | None:
    """Task-definition revision + deployment id: a new rollout never reads a stale cache."""
    primary = primary_deployment(service)
    if not primary:
        return None
    return f"{task_def_label(str(primary.get('taskDefinition', '')))}@{primary.get('id', '')}"


def task_def_label(arn: str) -> str:
    """'family:revision' from a task definition ARN."""
    return arn.rsplit("/", 1)[-1]


def revision_of(arn: str) -> int:
    """The revision number from a task definition ARN (0 when absent)."""
    tail = task_def_label(arn).rpartition(":")[2]
    return int(tail) if tail.isdigit() else 0


def task_id(task_arn: str) -> str:
    """The id at the end of a task ARN."""
    return task_arn.rsplit("/", 1)[-1]


async def context(api: EcsApi, ctx: CollectContext) -> tuple[Obj, str | None]:
    """The service and its rollout key (shared by every component through the call memo)."""
    service = await api.service(ctx)
    return service, rollout_key(service)


async def collect_service(api: EcsApi, ctx: CollectContext) -> list[Evidence]:
    """Counts, deployments with their rollout state, and the service events since the rollout."""
    service, _ = await context(api, ctx)
    name = str(service.get("serviceName", api.location.service))
    primary = primary_deployment(service)
    summary: dict[str, AttributeValue] = {
        "desired": int(service.get("desiredCount", 0)),
        "running": int(service.get("runningCount", 0)),
        "pending": int(service.get("pendingCount", 0)),
        "revision": revision_of(str(primary.get("taskDefinition", ""))),
    }
    if primary.get("createdAt"):
        summary["rollout_started"] = str(primary["createdAt"])
    evidence = [
        Evidence(
            "status",
            f"ecs:service/{name}",
            f"service {name}: desiredCount {summary['desired']}, runningCount "
            f"{summary['running']}, pendingCount {summary['pending']}, "
            f"status {service.get('status', '?')}, healthCheckGracePeriodSeconds "
            f"{int(service.get('healthCheckGracePeriodSeconds') or 0)}",
            attributes=summary,
        )
    ]
    evidence += [_deployment_evidence(name, d) for d in service.get("deployments", [])]
    started = parse_time(primary.get("createdAt")) or ctx.since
    events = [
        e
        for e in service.get("events", [])
        if (parse_time(e.get("createdAt")) or started) >= started - _EVENT_SLACK
    ]
    for event in events[:_MAX_EVENTS]:  # ECS lists events newest first
        evidence.append(
            Evidence(
                "event",
                f"ecs:service/{name}/events",
                str(event.get("message", "")),
                parse_time(event.get("createdAt")),
                {"event_id": str(event.get("id", ""))},
            )
        )
    if not events:
        ctx.note("no ECS service events since the rollout")
    return evidence


def _deployment_evidence(service_name: str, deployment: Obj) -> Evidence:
    arn = str(deployment.get("taskDefinition", ""))
    state = str(deployment.get("rolloutState", "") or "")
    reason = str(deployment.get("rolloutStateReason", "") or "")
    failed = int(deployment.get("failedTasks", 0) or 0)
    text = (
        f"service {service_name} deployment {deployment.get('id', '?')} "
        f"({deployment.get('status', '?')}, task definition {task_def_label(arn)}): "
        f"rolloutState {state or 'unknown'}"
        + (f": {reason}" if reason else "")
        + f"; {deployment.get('runningCount', 0)}/{deployment.get('desiredCount', 0)} running, "
        f"{failed} failed tasks"
    )
    attributes: dict[str, AttributeValue] = {
        "deployment_id": str(deployment.get("id", "")),
        "deployment_status": str(deployment.get("status", "")),
        "rollout_state": state,
        "rollout_reason": reason,
        "failed_tasks": failed,
        "revision": revision_of(arn),
        "task_definition": task_def_label(arn),
    }
    if deployment.get("createdAt"):
        attributes["rollout_started"] = str(deployment["createdAt"])
    return Evidence(
        "status",
        f"ecs:service/{service_name}/deployments",
        text,
        parse_time(deployment.get("updatedAt") or deployment.get("createdAt")),
        attributes,
    )


async def collect_tasks(api: EcsApi, ctx: CollectContext) -> list[Evidence]:
    """Stopped tasks (stop code, reason, containers' exit codes and reasons); unhealthy ones."""
    _, rollout = await context(api, ctx)
    tasks = await api.service_tasks(ctx, rollout)
    stopped = [
        t for t in tasks if t.get("lastStatus") == "STOPPED" or t.get("desiredStatus") == "STOPPED"
    ]
    stopped.sort(key=lambda t: str(t.get("stoppedAt") or ""), reverse=True)
    evidence: list[Evidence] = []
    for task in stopped[:_MAX_STOPPED_TASKS]:
        evidence += _stopped_task_evidence(task)
    for task in tasks:
        if task in stopped or task.get("healthStatus") != "UNHEALTHY":
            continue
        tid = task_id(str(task.get("taskArn", "")))
        evidence.append(
            Evidence(
                "status",
                f"ecs:task/{tid}",
                f"task {tid} is {task.get('lastStatus', '?')} with health status UNHEALTHY",
                attributes={"task_id": tid, "health": "UNHEALTHY"},
            )
        )
    if not stopped:
        ctx.note("no stopped tasks for this service")
    return evidence


def _stopped_task_evidence(task: Obj) -> list[Evidence]:
    tid = task_id(str(task.get("taskArn", "")))
    when = parse_time(task.get("stoppedAt"))
    revision = revision_of(str(task.get("taskDefinitionArn", "")))
    stop_code = str(task.get("stopCode", "") or "")
    reason = str(task.get("stoppedReason", "") or "")
    out = [
        Evidence(
            "status",
            f"ecs:task/{tid}",
            f"task {tid} stopped"
            + (f" ({stop_code})" if stop_code else "")
            + f": {reason or 'no stopped reason'}",
            when,
            {"task_id": tid, "stop_code": stop_code, "reason": reason, "revision": revision},
        )
    ]
    for container in task.get("containers", []):
        exit_code = container.get("exitCode")
        why = str(container.get("reason", "") or "")
        if exit_code is None and not why:
            continue
        name = str(container.get("name", "?"))
        attributes: dict[str, AttributeValue] = {
            "task_id": tid,
            "container": name,
            "reason": why,
            "health": str(container.get("healthStatus", "UNKNOWN")),
            "revision": revision,
        }
        text = f"container {name} in task {tid}"
        if exit_code is not None:
            attributes["exit_code"] = int(exit_code)
            text += f" exited with code {exit_code}"
        out.append(
            Evidence(
                "status",
                f"ecs:task/{tid}/{name}",
                text + (f": {why}" if why else ""),
                when,
                attributes,
            )
        )
    return out


async def collect_task_definition(api: EcsApi, ctx: CollectContext) -> list[Evidence]:
    """Memory/cpu, ports, health check, env and secret names (never values), log configuration."""
    service, rollout = await context(api, ctx)
    arn = str(
        primary_deployment(service).get("taskDefinition") or service.get("taskDefinition", "")
    )
    definition = await api.task_definition(ctx, arn, rollout)
    label = task_def_label(str(definition.get("taskDefinitionArn", arn)))
    revision = int(definition.get("revision", revision_of(arn)))
    out = [
        Evidence(
            "status",
            f"ecs:task-definition/{label}",
            f"task definition {label}: cpu {definition.get('cpu', '-')}, memory "
            f"{definition.get('memory', '-')} MiB, "
            f"networkMode {definition.get('networkMode', 'bridge')}",
            attributes={
                "revision": revision,
                "task_memory_mib": _int(definition.get("memory")),
                "task_cpu_units": _int(definition.get("cpu")),
            },
        )
    ]
    for container in definition.get("containerDefinitions", []):
        out.append(_container_definition_evidence(label, revision, container))
    return out


def _container_definition_evidence(label: str, revision: int, container: Obj) -> Evidence:
    name = str(container.get("name", "?"))
    ports = [
        f"{p.get('containerPort')}/{p.get('protocol', 'tcp')}"
        for p in container.get("portMappings", [])
    ]
    env_names = sorted(str(e.get("name")) for e in container.get("environment", []))
    secret_names = sorted(str(s.get("name")) for s in container.get("secrets", []))
    check = container.get("healthCheck") or {}
    logs = container.get("logConfiguration") or {}
    options = logs.get("options") or {}
    parts = [
        f"container {name} ({label}): image {container.get('image', '?')}",
        f"memory {container.get('memory', '-')} MiB"
        + (
            f" (reservation {container['memoryReservation']} MiB)"
            if container.get("memoryReservation")
            else ""
        ),
        f"cpu {container.get('cpu', 0)}",
        f"portMappings {', '.join(ports) or 'none'}",
        f"healthCheck {' '.join(map(str, check.get('command', []))) or 'none'}",
        f"environment {', '.join(env_names) or 'none'}",
        f"secrets {', '.join(secret_names) or 'none'}",
        f"logConfiguration {logs.get('logDriver', 'none')}"
        + (f" {options.get('awslogs-group')}" if options.get("awslogs-group") else ""),
    ]
    attributes: dict[str, AttributeValue] = {
        "container": name,
        "revision": revision,
        "memory_mib": _int(container.get("memory")),
        "essential": bool(container.get("essential", True)),
        "env_names": ",".join(env_names),
        "secret_names": ",".join(secret_names),
    }
    if container.get("portMappings"):
        attributes["container_port"] = int(container["portMappings"][0].get("containerPort", 0))
    if options.get("awslogs-group"):
        attributes["log_group"] = str(options["awslogs-group"])
    return Evidence(
        "status", f"ecs:task-definition/{label}/{name}", "; ".join(parts), attributes=attributes
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


async def gather_definition_and_tasks(
    api: EcsApi, ctx: CollectContext
) -> tuple[Obj, Obj, list[Obj], str | None]:
    """Service, task definition and tasks: the two dependent branches run concurrently."""
    service, rollout = await context(api, ctx)
    arn = str(
        primary_deployment(service).get("taskDefinition") or service.get("taskDefinition", "")
    )
    definition, tasks = await asyncio.gather(
        api.task_definition(ctx, arn, rollout), api.service_tasks(ctx, rollout)
    )
    return service, definition, tasks, rollout
