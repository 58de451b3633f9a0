"""awsvpc network evidence: can the load balancer reach the container, can the task reach ECR."""

from __future__ import annotations

import asyncio

from providers.aws.api import EcsApi, Obj
from providers.aws.ecs import context
from providers.aws.elb import service_target_groups
from providers.base import CollectContext
from providers.model import AttributeValue, Evidence


async def collect_network(api: EcsApi, ctx: CollectContext) -> list[Evidence]:
    """Security-group reachability from the load balancer; each subnet's route to the registry."""
    service, rollout = await context(api, ctx)
    vpc_config = (service.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    subnet_ids = [str(s) for s in vpc_config.get("subnets", [])]
    group_ids = [str(g) for g in vpc_config.get("securityGroups", [])]
    if not subnet_ids:
        ctx.note("the service does not use awsvpc networking: no subnets to check")
        return []
    public_ip = vpc_config.get("assignPublicIp") == "ENABLED"
    subnets, groups, lb_groups = await asyncio.gather(
        api.subnets(ctx, subnet_ids, rollout),
        api.security_groups(ctx, group_ids, rollout) if group_ids else _nothing(),
        _load_balancer_groups(api, ctx, service, rollout),
    )
    vpc_ids = sorted({str(s.get("VpcId")) for s in subnets})
    routes_and_endpoints = await asyncio.gather(
        *(
            asyncio.gather(api.route_tables(ctx, v, rollout), api.vpc_endpoints(ctx, v, rollout))
            for v in vpc_ids
        )
    )
    per_vpc = dict(zip(vpc_ids, routes_and_endpoints, strict=True))
    evidence = [
        registry_route(s, *per_vpc[str(s.get("VpcId"))], region=api.region, public_ip=public_ip)
        for s in subnets
    ]
    ports = sorted({int(lb.get("containerPort", 0)) for lb in service.get("loadBalancers", [])})
    if lb_groups is not None:
        evidence += [lb_reachability(groups, lb_groups, port) for port in ports]
    return evidence


async def _nothing() -> list[Obj]:
    return []


async def _load_balancer_groups(
    api: EcsApi, ctx: CollectContext, service: Obj, rollout: str | None
) -> list[str] | None:
    """The security groups of the service's load balancers (None: no load balancer)."""
    target_groups = await service_target_groups(api, ctx, service, rollout)
    arns = sorted({str(a) for g in target_groups for a in g.get("LoadBalancerArns", [])})
    if not arns:
        return None
    balancers = await api.load_balancers(ctx, arns, rollout)
    return sorted({str(sg) for b in balancers for sg in b.get("SecurityGroups", [])})


def _route_table_for(subnet_id: str, tables: list[Obj]) -> Obj | None:
    main: Obj | None = None
    for table in tables:
        for assoc in table.get("Associations", []):
            if assoc.get("SubnetId") == subnet_id:
                return table
            if assoc.get("Main"):
                main = table
    return main


def registry_route(
    subnet: Obj, tables: list[Obj], endpoints: list[Obj], *, region: str, public_ip: bool
) -> Evidence:
    """Whether tasks in this subnet can reach ECR: NAT, IGW with a public IP, or VPC endpoints."""
    subnet_id = str(subnet.get("SubnetId", "?"))
    table = _route_table_for(subnet_id, tables) or {}
    default = [r for r in table.get("Routes", []) if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
    has_nat = any(str(r.get("NatGatewayId", "")).startswith("nat-") for r in default)
    has_igw = any(str(r.get("GatewayId", "")).startswith("igw-") for r in default)
    services = {
        str(e.get("ServiceName")) for e in endpoints if e.get("State", "available") == "available"
    }
    wanted = [f"com.amazonaws.{region}.{name}" for name in ("ecr.dkr", "ecr.api", "s3")]
    missing = [name for name in wanted if name not in services]
    reachable = has_nat or (has_igw and public_ip) or not missing
    if reachable:
        via = (
            "a NAT gateway"
            if has_nat
            else "an internet gateway and a public IP"
            if has_igw and public_ip
            else "ECR and S3 VPC endpoints"
        )
        text = f"subnet {subnet_id} reaches ECR through {via}"
    else:
        gaps = ["no NAT gateway"]
        if has_igw:
            gaps.append(
                "an internet gateway route but tasks get no public IP (assignPublicIp DISABLED)"
            )
        else:
            gaps.append("no internet gateway route")
        gaps += [f"no {name} VPC endpoint" for name in missing]
        text = f"subnet {subnet_id} has no route to ECR: {', '.join(gaps)}"
    attributes: dict[str, AttributeValue] = {
        "subnet": subnet_id,
        "vpc": str(subnet.get("VpcId", "")),
        "route_table": str(table.get("RouteTableId", "")),
        "has_nat": has_nat,
        "has_igw": has_igw,
        "public_ip": public_ip,
        "missing_endpoints": ",".join(missing),
        "registry_reachable": reachable,
    }
    return Evidence("network", f"ec2:subnet/{subnet_id}", text, attributes=attributes)


def _rule_allows(rule: Obj, port: int, sources: set[str]) -> bool:
    if rule.get("IpProtocol") not in ("-1", "tcp", "6"):
        return False
    if rule.get("IpProtocol") != "-1" and not int(rule.get("FromPort", 0)) <= port <= int(
        rule.get("ToPort", -1)
    ):
        return False
    from_group = any(p.get("GroupId") in sources for p in rule.get("UserIdGroupPairs", []))
    from_anywhere = any(r.get("CidrIp") == "0.0.0.0/0" for r in rule.get("IpRanges", []))
    return from_group or from_anywhere


def lb_reachability(groups: list[Obj], lb_groups: list[str], port: int) -> Evidence:
    """Whether any rule of the service's security groups admits the load balancer on `port`."""
    sources = set(lb_groups)
    allowing = [
        str(g.get("GroupId"))
        for g in groups
        if any(_rule_allows(rule, port, sources) for rule in g.get("IpPermissions", []))
    ]
    names = ", ".join(str(g.get("GroupId")) for g in groups) or "none"
    if allowing:
        text = (
            f"security group {allowing[0]} allows tcp {port} "
            f"from the load balancer ({', '.join(lb_groups)})"
        )
    else:
        text = (
            f"no inbound rule of security groups {names} lets the load balancer "
            f"({', '.join(lb_groups) or 'no security group'}) reach container port {port}"
        )
    attributes: dict[str, AttributeValue] = {
        "container_port": port,
        "security_groups": names,
        "lb_security_groups": ",".join(lb_groups),
        "lb_can_reach": bool(allowing),
    }
    return Evidence("network", "ec2:security-groups", text, attributes=attributes)
