"""Builds the ECS scenarios through the AWS API (botocore straight to moto), then fills the gaps."""

from __future__ import annotations

import itertools
import random
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from botocore.session import get_session

from providers.sandbox import moto_gaps
from providers.sandbox.aws.telemetry import Stream, write_logs, write_metrics

KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
PREVIOUS_DEPLOYMENT = "ecs-svc/6152046583301112301"
Spec = dict[str, Any]


def build_scenarios(moto_url: str, spec: Spec, now: datetime) -> None:
    """Create the VPC, load balancer, cluster and every service of the spec (blocking)."""
    region = spec["region"]
    moto_gaps.hold_task_states()
    session = get_session()
    clients = {
        name: session.create_client(name, endpoint_url=moto_url, region_name=region, **KEYS)
        for name in ("ec2", "ecs", "elbv2", "logs", "cloudwatch")
    }
    net = Network.build(clients, spec)
    clients["ecs"].create_cluster(clusterName=spec["cluster"])
    for index, (name, svc) in enumerate(spec["services"].items()):
        ServiceBuild(clients, net, spec, name, svc, now, listener_port=8001 + index).run()


@dataclass(frozen=True, slots=True)
class Network:
    """The shared VPC: subnets by role, the ALB and its security group."""

    vpc: str
    subnets: dict[str, str]
    alb: str
    alb_sg: str

    @classmethod
    def build(cls, clients: dict[str, Any], spec: Spec) -> Network:
        """VPC, IGW, NAT, one route table per subnet role, a two-AZ ALB."""
        ec2, region = clients["ec2"], spec["region"]
        vpc = ec2.create_vpc(CidrBlock=spec["vpc_cidr"])["Vpc"]["VpcId"]
        # moto answers HTML 500 to awsvpc run_task without DNS hostnames (TESTING.md)
        ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        subnets = {
            name: ec2.create_subnet(
                VpcId=vpc, CidrBlock=sub["cidr"], AvailabilityZone=f"{region}a"
            )["Subnet"]["SubnetId"]
            for name, sub in spec["subnets"].items()
        }
        # An ALB needs two availability zones.
        public_b = ec2.create_subnet(
            VpcId=vpc, CidrBlock=spec["second_az_cidr"], AvailabilityZone=f"{region}b"
        )["Subnet"]["SubnetId"]
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=subnets["public"], AllocationId=eip)["NatGateway"]
        for name, sub in spec["subnets"].items():
            table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
            ec2.associate_route_table(RouteTableId=table, SubnetId=subnets[name])
            default = {"RouteTableId": table, "DestinationCidrBlock": "0.0.0.0/0"}
            if sub["route"] == "igw":
                ec2.create_route(**default, GatewayId=igw)
                ec2.associate_route_table(RouteTableId=table, SubnetId=public_b)
            elif sub["route"] == "nat":
                ec2.create_route(**default, NatGatewayId=nat["NatGatewayId"])
        alb_sg = ec2.create_security_group(
            GroupName="prod-alb", Description="public ALB", VpcId=vpc
        )["GroupId"]
        ec2.authorize_security_group_ingress(
            GroupId=alb_sg,
            IpPermissions=[_ingress(80, 80, cidr="0.0.0.0/0")],
        )
        alb = clients["elbv2"].create_load_balancer(
            Name="prod-alb", Subnets=[subnets["public"], public_b], SecurityGroups=[alb_sg]
        )["LoadBalancers"][0]["LoadBalancerArn"]
        return cls(vpc, subnets, alb, alb_sg)


def _ingress(low: int, high: int, *, cidr: str = "", group: str = "") -> Spec:
    rule: Spec = {"IpProtocol": "tcp", "FromPort": low, "ToPort": high}
    if cidr:
        rule["IpRanges"] = [{"CidrIp": cidr}]
    if group:
        rule["UserIdGroupPairs"] = [{"GroupId": group}]
    return rule


@dataclass
class ServiceBuild:
    """One ECS service of the spec: task definition revisions, target group, service, tasks."""

    clients: dict[str, Any]
    net: Network
    spec: Spec
    name: str
    svc: Spec
    now: datetime
    listener_port: int
    fill: dict[str, str] = field(default_factory=dict)
    tasks: list[tuple[str, str, str]] = field(default_factory=list)  # (arn, ip, status)

    @property
    def region(self) -> str:
        return str(self.spec["region"])

    @property
    def cluster(self) -> str:
        return str(self.spec["cluster"])

    @property
    def rollout_at(self) -> datetime:
        return self.now - timedelta(minutes=20)

    def run(self) -> None:
        """Build everything for this service."""
        ec2, ecs = self.clients["ec2"], self.clients["ecs"]
        port = int(self.svc.get("port") or 0)
        sg = ec2.create_security_group(
            GroupName=self.name, Description=f"{self.name} tasks", VpcId=self.net.vpc
        )["GroupId"]
        if port:
            ec2.authorize_security_group_ingress(
                GroupId=sg, IpPermissions=[_ingress(port, port, group=self.net.alb_sg)]
            )
        for _ in range(int(self.svc["revision"])):  # moto counts revisions per family
            definition = ecs.register_task_definition(**self._task_definition())["taskDefinition"]
        tg_arn = self._target_group(port) if self.svc.get("load_balancer") else ""
        balancers = [{"targetGroupArn": tg_arn, "containerName": self.name, "containerPort": port}]
        vpc_config = {"subnets": [self.net.subnets[self.svc["subnet"]]], "securityGroups": [sg]}
        created = ecs.create_service(
            cluster=self.cluster,
            serviceName=self.name,
            taskDefinition=definition["taskDefinitionArn"],
            desiredCount=self.svc["desired"],
            launchType="FARGATE",
            networkConfiguration={
                "awsvpcConfiguration": {**vpc_config, "assignPublicIp": "DISABLED"}
            },
            loadBalancers=balancers if tg_arn else [],
        )["service"]
        self.fill = {"tg": tg_arn, "dep": created["deployments"][0]["id"]}
        self._run_tasks({"awsvpcConfiguration": vpc_config})
        if tg_arn:
            self._target_health(tg_arn, port)
        self._deployments_and_events(definition["taskDefinitionArn"])
        rng = random.Random(zlib.crc32(self.name.encode()))
        streams = [
            Stream(arn.rsplit("/", 1)[-1], self._stop_time(i) if status == "stopped" else None)
            for i, (arn, _, status) in enumerate(self.tasks)
        ]
        if self.svc.get("logs"):
            write_logs(
                self.clients["logs"],
                service=self.name,
                spec=self.svc["logs"],
                streams=streams,
                now=self.now,
                rng=rng,
                fill=self.fill,
            )
        write_metrics(
            self.clients["cloudwatch"],
            cluster=self.cluster,
            service=self.name,
            ramps=self.svc["metrics"],
            now=self.now,
            rng=rng,
        )

    def _task_definition(self) -> Spec:
        svc, name = self.svc, self.name
        container: Spec = {
            "name": name,
            "image": svc["image"],
            "memory": svc["container_memory"],
            "essential": True,
            "environment": [{"name": k, "value": str(v)} for k, v in svc["environment"].items()],
            "secrets": [
                {"name": s, "valueFrom": f"arn:aws:ssm:{self.region}:123456789012:parameter/{s}"}
                for s in svc["secrets"]
            ],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": f"/ecs/{name}",
                    "awslogs-region": self.region,
                    "awslogs-stream-prefix": "ecs",
                },
            },
        }
        if svc.get("port"):
            container["portMappings"] = [{"containerPort": svc["port"], "protocol": "tcp"}]
        if svc.get("health_check"):
            command = ["CMD-SHELL", svc["health_check"]]
            container["healthCheck"] = {"command": command, "interval": 30, "retries": 3}
        return {
            "family": name,
            "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"],
            "cpu": svc["task_cpu"],
            "memory": svc["task_memory"],
            "containerDefinitions": [container],
        }

    def _target_group(self, port: int) -> str:
        elb, health = self.clients["elbv2"], self.svc["load_balancer"]
        arn: str = elb.create_target_group(
            Name=f"{self.name}-tg",
            Protocol="HTTP",
            Port=port,
            VpcId=self.net.vpc,
            TargetType="ip",
            HealthCheckPath=health["health_check_path"],
            Matcher={"HttpCode": "200"},
        )["TargetGroups"][0]["TargetGroupArn"]
        # A listener ties the target group to the ALB (its LoadBalancerArns).
        elb.create_listener(
            LoadBalancerArn=self.net.alb,
            Protocol="HTTP",
            Port=self.listener_port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": arn}],
        )
        return arn

    def _stop_time(self, index: int) -> datetime:
        count = int(self.svc["stopped"]["count"])
        return self.now - timedelta(minutes=16) + timedelta(minutes=14 * index / max(1, count - 1))

    def _run_tasks(self, network: Spec) -> None:
        ecs, stopped = self.clients["ecs"], self.svc["stopped"]
        count = int(stopped["count"])
        reasons = stopped.get("reasons") or [stopped["reason"]]
        for i in range(count + int(self.svc["running"])):
            task = ecs.run_task(
                cluster=self.cluster,
                taskDefinition=self.name,
                launchType="FARGATE",
                group=f"service:{self.name}",
                startedBy=self.fill["dep"],
                networkConfiguration=network,
            )["tasks"][0]
            details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
            ip = str(details["privateIPv4Address"])
            if i >= count:
                self.tasks.append((task["taskArn"], ip, "running"))
                continue
            reason = reasons[i % len(reasons)].format_map(self.fill)
            ecs.stop_task(cluster=self.cluster, task=task["taskArn"], reason=reason)
            moto_gaps.set_stopped_task(
                self.region,
                self.cluster,
                task["taskArn"],
                stop_code=stopped["stop_code"],
                stopped_at=self._stop_time(i),
                exit_code=stopped.get("exit_code"),
                reason=stopped.get("container_reason"),
                health=stopped.get("health", "UNKNOWN"),
            )
            self.tasks.append((task["taskArn"], ip, "stopped"))

    def _target_health(self, tg_arn: str, port: int) -> None:
        health = self.svc["load_balancer"]
        targets = [{"Id": ip, "Port": port} for _, ip, status in self.tasks if status == "running"]
        if targets:
            self.clients["elbv2"].register_targets(TargetGroupArn=tg_arn, Targets=targets)
        if health["state"] != "healthy":
            moto_gaps.set_target_health(
                self.region, tg_arn, health["state"], health["reason"], health["description"]
            )

    def _deployments_and_events(self, definition_arn: str) -> None:
        rollout, svc = self.svc["rollout"], self.svc
        running = sum(1 for *_, status in self.tasks if status == "running")
        primary = {
            "id": self.fill["dep"],
            "status": "PRIMARY",
            "taskDefinition": definition_arn,
            "desiredCount": svc["desired"],
            "pendingCount": max(0, svc["desired"] - running),
            "runningCount": running,
            "failedTasks": rollout["failed"],
            "createdAt": self.rollout_at,
            "updatedAt": self.now - timedelta(minutes=1),
            "launchType": "FARGATE",
            "rolloutState": rollout["state"],
            "rolloutStateReason": rollout["reason"].format_map(self.fill),
        }
        previous = {
            **primary,
            "id": PREVIOUS_DEPLOYMENT,
            "status": "ACTIVE",
            "taskDefinition": f"{definition_arn.rsplit(':', 1)[0]}:{int(svc['revision']) - 1}",
            "runningCount": 0,
            "pendingCount": 0,
            "failedTasks": 0,
            "createdAt": self.rollout_at - timedelta(days=3),
            "rolloutState": "COMPLETED",
            "rolloutStateReason": f"ECS deployment {PREVIOUS_DEPLOYMENT} completed.",
        }
        moto_gaps.set_deployments(self.region, self.cluster, self.name, [primary, previous])
        ids = [arn.rsplit("/", 1)[-1] for arn, *_ in self.tasks] or ["-"]
        lines, fill = svc["events"], self.fill
        spacing = timedelta(minutes=19) / (len(lines) + 1)
        events = [
            (self.rollout_at + spacing * (i + 1), line.format_map({**fill, "task": task}))
            for i, (line, task) in enumerate(zip(lines, itertools.cycle(ids), strict=False))
        ]
        moto_gaps.set_service_events(self.region, self.cluster, self.name, events)
