"""AWS naming rules: every name that reaches an AWS query is checked here first."""

from __future__ import annotations

import re

from providers.errors import ConfigError
from providers.model import EcsLocation

_ECS_NAME = re.compile(r"[A-Za-z0-9_-]{1,255}")
_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:[A-Za-z0-9_./:+=@-]{1,1024}")
_REGION = re.compile(r"[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}")
_LOG_GROUP = re.compile(r"[A-Za-z0-9._/#-]{1,512}")
_TARGET_GROUP = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?")
_TASK_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def _check(kind: str, value: str, pattern: re.Pattern[str], *, arn_ok: bool = False) -> str:
    if pattern.fullmatch(value) or (arn_ok and _ARN.fullmatch(value)):
        return value
    raise ConfigError(f"invalid AWS {kind} {value!r}")


def cluster(value: str) -> str:
    """An ECS cluster name (letters, digits, - and _, up to 255) or its ARN."""
    return _check("ECS cluster name", value, _ECS_NAME, arn_ok=True)


def service(value: str) -> str:
    """An ECS service name (same rule as clusters) or its ARN."""
    return _check("ECS service name", value, _ECS_NAME, arn_ok=True)


def region(value: str) -> str:
    """A region code such as us-east-1 or us-gov-west-1."""
    return _check("region", value, _REGION)


def log_group(value: str) -> str:
    """A CloudWatch Logs group name."""
    return _check("log group name", value, _LOG_GROUP)


def log_stream(value: str) -> str:
    """A log stream name: anything but ':' and '*', up to 512 characters."""
    if 0 < len(value) <= 512 and ":" not in value and "*" not in value:
        return value
    raise ConfigError(f"invalid log stream name {value!r}")


def target_group(value: str) -> str:
    """A target group name (up to 32 letters, digits, hyphens) or its ARN."""
    return _check("target group", value, _TARGET_GROUP, arn_ok=True)


def task_id(value: str) -> str:
    """The id part of a task ARN."""
    return _check("task id", value, _TASK_ID)


def validate_location(location: EcsLocation) -> EcsLocation:
    """Check every identifier of an ECS catalog entry; raise ConfigError on the first bad one."""
    cluster(location.cluster)
    service(location.service)
    region(location.region)
    if location.log_group is not None:
        log_group(location.log_group)
    for name in location.target_groups:
        target_group(name)
    return location
