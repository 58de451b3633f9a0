"""CloudWatch alarms and ECS deployment events via SNS (notify-slack layout or raw JSON)."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from analysis.model import DeployAlert
from bot.alerts.message import AlertMessage, unlink
from bot.alerts.names import env_in, env_of, service_and_env

_ECS_FAILED = {
    "SERVICE_DEPLOYMENT_FAILED",
    "SERVICE_TASK_START_IMPAIRED",
    "SERVICE_TASK_PLACEMENT_FAILURE",
    "SERVICE_TASK_CONFIGURATION_FAILURE",
    "SERVICE_HEALTH_UNKNOWN",
    "SERVICE_DEPLOYMENT_ROLLBACK_FAILED",
}
_ECS_ARN = re.compile(r"arn:aws[\w-]*:ecs:[\w-]+:\d*:service/(?:([\w-]+)/)?([\w-]+)")
_DESCRIBED = re.compile(
    r"\b(?:ECS )?service[: ]+`?([A-Za-z0-9][\w-]*)`?(?:\s*\(cluster\s+([\w-]+))?", re.I
)


def parse_alarm(msg: AlertMessage) -> DeployAlert | None:
    """notify_slack.py's alarm layout: Alarm Name, Description, reason, Old/Current State."""
    name = msg.field("Alarm Name", "AlarmName")
    state = msg.field("Current State", "NewStateValue", "New State")
    if not name or not state:
        return None
    failure = state.upper() == "ALARM"
    description = msg.field("Alarm Description", "AlarmDescription")
    dims = _dimensions(msg.field("Dimensions", "Trigger"))
    service: str | None = dims.get("ServiceName")
    cluster = dims.get("ClusterName")
    described = _DESCRIBED.search(description)
    if service is None and described:
        service, cluster = described.group(1), cluster or described.group(2)
    alarm_service, alarm_env = service_and_env(name)
    env = alarm_env or env_of(cluster or "") or env_in(description)
    link = msg.field("Link to Alarm") or None
    return DeployAlert("cloudwatch", failure, False, service or alarm_service, env, None, link)


def parse_ecs_event(msg: AlertMessage) -> DeployAlert | None:
    """An ECS Deployment State Change / Service Action event, as fields or as raw JSON text."""
    event = _event_from_fields(msg) or _event_from_text(msg)
    if event is None:
        return None
    detail = event.get("detail")
    detail = detail if isinstance(detail, Mapping) else {}
    name = str(detail.get("eventName", ""))
    failure = name in _ECS_FAILED or str(detail.get("eventType", "")).upper() == "ERROR"
    resources = event.get("resources")
    arns = " ".join(str(r) for r in resources) if isinstance(resources, list) else ""
    arn = _ECS_ARN.search(arns)
    service = cluster = None
    if arn:
        cluster, service = arn.group(1), arn.group(2)
    service_name, env = service_and_env(service or "")
    env = env or env_of(cluster or "")
    # deploymentId names the ECS deployment, not the code revision, so it is not reported
    return DeployAlert("ecs", failure, False, service_name, env, None, None)


def _event_from_fields(msg: AlertMessage) -> dict[str, Any] | None:
    kind = msg.field("detail-type")
    if not kind.startswith("ECS ") or msg.field("source") != "aws.ecs":
        return None
    event: dict[str, Any] = {"detail-type": kind}
    for key in ("resources", "detail"):
        try:
            event[key] = json.loads(msg.field(key) or "null")
        except ValueError:
            event[key] = None
    return event


def _event_from_text(msg: AlertMessage) -> dict[str, Any] | None:
    for raw in msg.texts():
        text = unlink(raw).strip().strip("`")
        if '"aws.ecs"' not in text or not text.startswith("{"):
            continue
        try:
            loaded = json.loads(text)
        except ValueError:
            continue
        if isinstance(loaded, dict) and str(loaded.get("detail-type", "")).startswith("ECS "):
            return loaded
    return None


def _dimensions(raw: str) -> dict[str, str]:
    """`ServiceName=x, ClusterName=y` or a JSON list of {name, value} -> a dict."""
    return dict(re.findall(r"\b(ServiceName|ClusterName)\W+([\w-]+)", raw))
