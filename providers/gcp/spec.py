"""Reading Cloud Run Admin v2 resources (as JSON dicts): conditions, container specs, rollouts."""

from __future__ import annotations

from typing import Any

from providers.gateway import Json
from providers.quantity import parse_quantity

_STATE_WORDS = {
    "CONDITION_SUCCEEDED": "True",
    "CONDITION_FAILED": "False",
    "CONDITION_PENDING": "Pending",
    "CONDITION_RECONCILING": "Reconciling",
}
_REASON_KEYS = ("reason", "revision_reason", "execution_reason")
_UNDEFINED = (
    "",
    "COMMON_REASON_UNDEFINED",
    "REVISION_REASON_UNDEFINED",
    "EXECUTION_REASON_UNDEFINED",
)


def short_name(path: str) -> str:
    """The last segment of a resource path."""
    return path.rsplit("/", 1)[-1]


def condition_type(condition: Json) -> str:
    """Condition type (proto-plus renames the `type` field to `type_`)."""
    return str(condition.get("type_") or condition.get("type") or "?")


def condition_reason(condition: Json) -> str:
    """The one reason a condition carries: common, revision or execution reason (a oneof)."""
    for key in _REASON_KEYS:
        value = condition.get(key)
        if value and value not in _UNDEFINED:
            return str(value)
    return ""


def is_failed(condition: Json) -> bool:
    """Whether a condition reports failure."""
    return bool(condition.get("state") == "CONDITION_FAILED")


def condition_line(owner: str, condition: Json) -> str:
    """`Revision x: Ready=False (HEALTH_CHECK_CONTAINER_ERROR): message`."""
    state = _STATE_WORDS.get(str(condition.get("state", "")), str(condition.get("state", "?")))
    reason = condition_reason(condition)
    line = f"{owner}: {condition_type(condition)}={state}"
    if reason:
        line += f" ({reason})"
    message = condition.get("message")
    return f"{line}: {message}" if message else line


def condition_attributes(condition: Json) -> dict[str, str | int | float | bool]:
    """Structured facts of a condition."""
    return {
        "condition": condition_type(condition),
        "state": str(condition.get("state", "")),
        "reason": condition_reason(condition),
    }


def seconds(duration: Any) -> float | None:
    """A JSON Duration ("300s", "0.5s") in seconds."""
    if isinstance(duration, str) and duration.endswith("s"):
        try:
            return float(duration[:-1])
        except ValueError:
            return None
    return None


def quantity_bytes(value: Any) -> int | None:
    """A Kubernetes-style quantity ("512Mi", "2G") in bytes."""
    parsed = parse_quantity(str(value)) if value is not None else None
    return None if parsed is None else int(parsed)


def failing_revision(service: Json) -> str:
    """The revision the latest rollout created (the one a diagnosis is about)."""
    return str(service.get("latest_created_revision") or service.get("latest_ready_revision") or "")


def revision_profile(revision: Json) -> dict[str, str]:
    """The deploy-relevant settings of a revision, flattened for comparison."""
    profile: dict[str, str] = {
        "service account": str(revision.get("service_account", "")),
        "request timeout": str(revision.get("timeout", "")),
        "max concurrency": str(revision.get("max_instance_request_concurrency", "")),
        "execution environment": str(revision.get("execution_environment", "")),
    }
    vpc = revision.get("vpc_access") or {}
    profile["vpc connector"] = str(vpc.get("connector", ""))
    profile["vpc egress"] = str(vpc.get("egress", ""))
    scaling = revision.get("scaling") or {}
    profile["min instances"] = str(scaling.get("min_instance_count", ""))
    profile["max instances"] = str(scaling.get("max_instance_count", ""))
    for container in revision.get("containers") or []:
        label = f"container {container.get('name') or 'main'}"
        limits = (container.get("resources") or {}).get("limits") or {}
        env_names, secret_names = env_and_secrets(container)
        profile[f"{label} image"] = str(container.get("image", ""))
        profile[f"{label} port"] = ",".join(
            str(p.get("container_port", "")) for p in container.get("ports") or []
        )
        profile[f"{label} memory limit"] = str(limits.get("memory", ""))
        profile[f"{label} cpu limit"] = str(limits.get("cpu", ""))
        profile[f"{label} env names"] = ",".join(env_names)
        profile[f"{label} secrets"] = ",".join(secret_names)
    return profile


def env_and_secrets(container: Json) -> tuple[list[str], list[str]]:
    """Plain env var NAMES and secret-backed ones as `NAME (secret S version V)` (never values).

    The wording avoids `password: x` shapes that redaction would (rightly) blank out.
    """
    plain: list[str] = []
    secrets: list[str] = []
    for env in container.get("env") or []:
        ref = (env.get("value_source") or {}).get("secret_key_ref")
        if ref:
            secret, version = ref.get("secret", "?"), ref.get("version", "latest")
            secrets.append(f"{env.get('name')} (secret {secret} version {version})")
        else:
            plain.append(str(env.get("name", "")))
    return sorted(plain), sorted(secrets)


def probe_text(probe: Json | None) -> str:
    """A startup/liveness probe in one phrase."""
    if not probe:
        return "default TCP startup probe"
    if "tcp_socket" in probe:
        kind = f"TCP port {probe['tcp_socket'].get('port', 'PORT')}"
    elif "http_get" in probe:
        http = probe["http_get"]
        kind = f"HTTP GET {http.get('path', '/')} port {http.get('port', 'PORT')}"
    elif "grpc" in probe:
        kind = f"gRPC port {probe['grpc'].get('port', 'PORT')}"
    else:
        kind = "probe"
    return (
        f"{kind} (initial delay {probe.get('initial_delay_seconds', 0)}s, "
        f"period {probe.get('period_seconds', 10)}s, timeout {probe.get('timeout_seconds', 1)}s, "
        f"failure threshold {probe.get('failure_threshold', 3)})"
    )
