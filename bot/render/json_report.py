"""The JSON shapes of DESIGN.md's CLI contracts (`analyze`, `diagnose --format json`)."""

from __future__ import annotations

from typing import Any

from analysis.model import Analysis, Diagnosis
from providers.model import ComponentResult


def analysis_json(analysis: Analysis) -> dict[str, Any]:
    """`deploy-feedback analyze --format json`: findings, unmatched templates, elapsed_ms."""
    return {
        "findings": [f.to_json() for f in analysis.findings],
        "unmatched_templates": list(analysis.unmatched_templates),
        "elapsed_ms": round(analysis.elapsed_ms, 3),
    }


def component_json(result: ComponentResult) -> dict[str, Any]:
    """One component's outcome, as the report's context line shows it."""
    return {
        "name": result.component,
        "status": result.status,
        "elapsed_ms": round(result.elapsed_s * 1000, 1),
        "evidence": len(result.evidence),
        "message": result.message,
    }


def diagnosis_json(diagnosis: Diagnosis) -> dict[str, Any]:
    """`deploy-feedback diagnose --format json`: the analysis plus components and timings."""
    request = diagnosis.request
    body = analysis_json(diagnosis.analysis)
    return {
        "service": request.target.name,
        "env": request.target.env,
        "platform": request.target.platform,
        "depth": request.depth,
        **body,
        "story": diagnosis.analysis.story,
        "timeline": [{"at": e.at.isoformat(), "what": e.what} for e in diagnosis.analysis.timeline],
        "components": [component_json(c) for c in diagnosis.components],
        "timings": dict(diagnosis.timings),
    }
