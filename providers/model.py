"""Platform-neutral data that providers produce: targets, evidence, component results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, TypeAlias

Platform: TypeAlias = Literal["kubernetes", "ecs", "cloudrun"]
Depth: TypeAlias = Literal["basic", "comprehensive"]
EvidenceKind: TypeAlias = Literal["log", "event", "status", "metric", "lb_health", "network"]
ComponentStatus: TypeAlias = Literal["ok", "timeout", "error", "skipped", "cached"]
AttributeValue: TypeAlias = str | int | float | bool

PLATFORMS: tuple[Platform, ...] = ("kubernetes", "ecs", "cloudrun")


@dataclass(frozen=True, slots=True)
class KubernetesLocation:
    """Where a Kubernetes workload lives."""

    namespace: str
    deployment: str
    context: str | None = None
    container: str | None = None


@dataclass(frozen=True, slots=True)
class EcsLocation:
    """Where an ECS service lives."""

    cluster: str
    service: str
    region: str
    log_group: str | None = None
    target_groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CloudRunLocation:
    """Where a Cloud Run service lives."""

    project: str
    region: str
    service: str


Location: TypeAlias = KubernetesLocation | EcsLocation | CloudRunLocation


@dataclass(frozen=True, slots=True)
class ServiceTarget:
    """One catalog entry resolved: a service name, its environment and where it runs."""

    name: str
    platform: Platform
    location: Location
    env: str | None = None

    def identifiers(self) -> dict[str, str]:
        """The location's fields as strings, for fix templates and cache keys."""
        out: dict[str, str] = {"service_name": self.name}
        for key in self.location.__slots__:
            value = getattr(self.location, key)
            if isinstance(value, str):
                out[key] = value
            elif isinstance(value, tuple):
                out[key] = ",".join(value)
        return out


@dataclass(frozen=True, slots=True)
class Evidence:
    """One piece of evidence: a log line, an event, a status reason, a metric sample…

    `text` is what a person would read (and what patterns scan); `attributes`
    carry the structured facts (exit_code, reason, restart_count, memory_pct…).
    """

    kind: EvidenceKind
    source: str
    text: str
    timestamp: datetime | None = None
    attributes: Mapping[str, AttributeValue] = field(default_factory=dict)


@dataclass(slots=True)
class ComponentResult:
    """What one collection unit produced, and how it went."""

    component: str
    status: ComponentStatus
    elapsed_s: float
    evidence: list[Evidence] = field(default_factory=list)
    message: str | None = None
