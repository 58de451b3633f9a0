"""Load balancer evidence: target health, the health check, container port vs target group port."""

from __future__ import annotations

import asyncio

from providers.aws import names
from providers.aws.api import EcsApi, Obj
from providers.aws.ecs import context, primary_deployment
from providers.base import CollectContext
from providers.model import AttributeValue, Evidence


def container_ports(definition: Obj) -> dict[str, list[int]]:
    """Each container's mapped container ports."""
    return {
        str(c.get("name")): [int(p.get("containerPort", 0)) for p in c.get("portMappings", [])]
        for c in definition.get("containerDefinitions", [])
    }


async def service_target_groups(
    api: EcsApi, ctx: CollectContext, service: Obj, rollout: str | None
) -> list[Obj]:
    """The service's target groups plus any the catalog names (by ARN or by name)."""
    arns = [
        str(lb["targetGroupArn"])
        for lb in service.get("loadBalancers", [])
        if lb.get("targetGroupArn")
    ]
    extra = [names.target_group(t) for t in api.location.target_groups]
    arns += [t for t in extra if t.startswith("arn:") and t not in arns]
    by_name = [t for t in extra if not t.startswith("arn:")]
    calls = []
    if arns:
        calls.append(api.target_groups(ctx, arns, rollout))
    if by_name:
        calls.append(api.target_groups_by_name(ctx, by_name, rollout))
    found = await asyncio.gather(*calls)
    return [group for answer in found for group in answer]


async def collect_load_balancer(api: EcsApi, ctx: CollectContext) -> list[Evidence]:
    """Target health per target group, the health check settings and the port comparison."""
    service, rollout = await context(api, ctx)
    arn = str(
        primary_deployment(service).get("taskDefinition") or service.get("taskDefinition", "")
    )
    groups, definition = await asyncio.gather(
        service_target_groups(api, ctx, service, rollout), api.task_definition(ctx, arn, rollout)
    )
    if not groups:
        ctx.note("the service has no load balancer target groups")
        return []
    healths = await asyncio.gather(
        *(api.target_health(ctx, str(g["TargetGroupArn"]), rollout) for g in groups)
    )
    ports = container_ports(definition)
    bindings = {str(lb.get("targetGroupArn")): lb for lb in service.get("loadBalancers", [])}
    evidence: list[Evidence] = []
    for group, health in zip(groups, healths, strict=True):
        evidence.append(_group_evidence(group, health))
        evidence += [_target_evidence(group, t) for t in health]
        binding = bindings.get(str(group.get("TargetGroupArn")))
        if binding is not None:
            evidence.append(_port_evidence(group, binding, ports))
    return evidence


def _group_evidence(group: Obj, health: list[Obj]) -> Evidence:
    name = str(group.get("TargetGroupName", "?"))
    healthy = sum(1 for t in health if t.get("TargetHealth", {}).get("State") == "healthy")
    matcher = (group.get("Matcher") or {}).get("HttpCode", "")
    path = group.get("HealthCheckPath", "")
    text = (
        f"target group {name}: {group.get('Protocol', '?')} port {group.get('Port', '?')}; "
        f"health check {group.get('HealthCheckProtocol', '?')} {path or ''} on port "
        f"{group.get('HealthCheckPort', 'traffic-port')}"
        + (f" expecting {matcher}" if matcher else "")
        + f"; {healthy}/{len(health)} targets healthy"
    )
    attributes: dict[str, AttributeValue] = {
        "target_group": name,
        "target_port": int(group.get("Port", 0) or 0),
        "health_check_path": str(path),
        "health_check_port": str(group.get("HealthCheckPort", "traffic-port")),
        "matcher": str(matcher),
        "healthy": healthy,
        "unhealthy": len(health) - healthy,
    }
    return Evidence("lb_health", f"elbv2:targetgroup/{name}", text, attributes=attributes)


def _target_evidence(group: Obj, target: Obj) -> Evidence:
    name = str(group.get("TargetGroupName", "?"))
    where = target.get("Target", {})
    state = target.get("TargetHealth", {})
    reason = str(state.get("Reason", "") or "")
    description = str(state.get("Description", "") or "")
    text = (
        f"target {where.get('Id', '?')}:{where.get('Port', '?')} in target group {name} "
        f"is {state.get('State', '?')}"
    )
    if reason:
        text += f" ({reason})"
    if description:
        text += f": {description}"
    attributes: dict[str, AttributeValue] = {
        "target_group": name,
        "target_id": str(where.get("Id", "")),
        "target_port": int(where.get("Port", 0) or 0),
        "target_state": str(state.get("State", "")),
        "target_reason": reason,
    }
    return Evidence("lb_health", f"elbv2:targetgroup/{name}", text, attributes=attributes)


def _port_evidence(group: Obj, binding: Obj, ports: dict[str, list[int]]) -> Evidence:
    name = str(group.get("TargetGroupName", "?"))
    container = str(binding.get("containerName", "?"))
    service_port = int(binding.get("containerPort", 0) or 0)
    mapped = ports.get(container, [])
    target_port = int(group.get("Port", 0) or 0)
    matches = service_port in mapped
    text = (
        f"load balancer sends target group {name} traffic to container {container} "
        f"port {service_port}; "
        f"the task definition maps {', '.join(map(str, mapped)) or 'no ports'}"
        + ("" if matches else f": container port {service_port} is not mapped")
        + f" (target group port {target_port})"
    )
    attributes: dict[str, AttributeValue] = {
        "target_group": name,
        "container": container,
        "container_port": service_port,
        "target_port": target_port,
        "ports_match": matches,
    }
    return Evidence("lb_health", f"elbv2:targetgroup/{name}", text, attributes=attributes)
