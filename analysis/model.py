"""The diagnosis model: requests, findings and the finished diagnosis (platform-neutral)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal, TypeAlias, get_args

from providers.model import ComponentResult, Depth, ServiceTarget

Category: TypeAlias = Literal[
    "oom_killed",
    "port_binding",
    "health_check_failed",
    "db_connection",
    "image_pull",
    "missing_config",
    "permission_denied",
    "dns_network",
    "insufficient_resources",
    "disk_full",
    "exec_error",
    "dependency_missing",
    "tls_certificate",
    "timeout",
    "app_crash",
]
CATEGORIES: tuple[Category, ...] = get_args(Category)
Trigger: TypeAlias = Literal["cli", "slash", "alert", "button", "prewarm"]


@dataclass(frozen=True, slots=True)
class DeployAlert:
    """What a deploy tool's Slack message said (DESIGN.md's `alerts parse` contract)."""

    source: str
    is_failure: bool
    repeat: bool = False
    service: str | None = None
    env: str | None = None
    revision: str | None = None
    url: str | None = None


@dataclass(frozen=True, slots=True)
class DiagnosticRequest:
    """Diagnose `target` at `depth` over the last `window`."""

    target: ServiceTarget
    depth: Depth = "basic"
    window: timedelta = timedelta(hours=1)
    trigger: Trigger = "cli"
    requested_by: str | None = None
    alert: DeployAlert | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One root-cause candidate with its confidence, evidence and fixes."""

    category: Category
    pattern: str
    title: str
    confidence: float
    evidence: tuple[str, ...] = ()
    explanation: str = ""
    fixes: tuple[str, ...] = ()
    docs_url: str | None = None

    def to_json(self) -> dict[str, object]:
        """DESIGN.md's finding shape."""
        return {
            "category": self.category,
            "pattern": self.pattern,
            "title": self.title,
            "confidence": round(self.confidence, 3),
            "evidence": list(self.evidence),
            "fixes": list(self.fixes),
            "explanation": self.explanation,
            "docs_url": self.docs_url,
        }


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One moment in the story: rollout start, first error, restart, metric spike."""

    at: datetime
    what: str


@dataclass(slots=True)
class Analysis:
    """What the engine concluded from a batch of evidence."""

    findings: list[Finding] = field(default_factory=list)
    unmatched_templates: list[str] = field(default_factory=list)
    timeline: list[TimelineEntry] = field(default_factory=list)
    story: str | None = None
    elapsed_ms: float = 0.0


@dataclass(slots=True)
class Diagnosis:
    """A finished (possibly partial) diagnosis."""

    request: DiagnosticRequest
    components: list[ComponentResult]
    analysis: Analysis
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def findings(self) -> list[Finding]:
        return self.analysis.findings

    @property
    def top(self) -> Finding | None:
        return self.analysis.findings[0] if self.analysis.findings else None

    @property
    def missing(self) -> list[ComponentResult]:
        """Components whose evidence is missing or partial."""
        return [c for c in self.components if c.status in ("timeout", "error", "skipped")]
