"""The Block Kit report: golden files, and every Slack limit whatever the diagnosis holds."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from slack_sdk.models.blocks import Block

from analysis.model import (
    CATEGORIES,
    Analysis,
    Diagnosis,
    DiagnosticRequest,
    Finding,
    TimelineEntry,
)
from bot.render.blocks import block_units, render_blocks, units
from bot.render.evidence_file import render_evidence_file
from bot.render.progress import ProgressView, render_verdict
from bot.signing import ButtonSigner
from providers.model import ComponentResult, Evidence, KubernetesLocation, ServiceTarget

GOLDEN = Path(__file__).parent.parent / "golden"
SIGNER = ButtonSigner("golden-secret", clock=lambda: 1_800_000_000.0).bind(c="C0DEPLOYS", r="r1")
TARGET = ServiceTarget(
    "payments-worker", "kubernetes", KubernetesLocation("payments", "payments-worker"), "prod"
)
AT = datetime(2026, 11, 27, 15, 41, 20, tzinfo=UTC)


def _oom() -> Diagnosis:
    finding = Finding(
        category="oom_killed",
        pattern="k8s-oomkilled-exit-137",
        title="Container killed for exceeding its memory limit",
        confidence=0.94,
        evidence=(
            "Last State: Terminated  Reason: OOMKilled  Exit Code: 137",
            "postgres://app:hunter2@db:5432/app connection pool warmed <3 workers> & ready",
            *(f"java.lang.OutOfMemoryError: Java heap space (attempt {i})" for i in range(12)),
        ),
        explanation="The kernel killed the container when it reached its 512Mi limit.",
        fixes=(
            "Raise the memory limit: kubectl set resources deployment/payments-worker -n payments "
            "--limits=memory=1Gi",
            "Check the peak first",
        ),
        docs_url="https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/",
    )
    symptom = Finding(
        "health_check_failed",
        "k8s-liveness-failed",
        "Liveness probe failing",
        0.41,
        ("Liveness probe failed: connection refused",),
    )
    analysis = Analysis(
        findings=[finding, symptom],
        timeline=[
            TimelineEntry(AT, "rollout of 7 started"),
            TimelineEntry(AT + timedelta(minutes=23), "first error"),
        ],
        story="Rollout of 7 started at 15:41Z; first error 23 min after it; 6 restarts.",
    )
    components = [
        ComponentResult("status", "ok", 0.012),
        ComponentResult("logs", "ok", 0.81, [Evidence("log", "pod/a", "OOMKilled", AT)]),
        ComponentResult("events", "cached", 0.0),
        ComponentResult("metrics", "timeout", 10.0, message="no answer within 10 s"),
    ]
    timings = {"collect_ms": 812.0, "analyze_ms": 4.2, "total_ms": 816.2}
    return Diagnosis(DiagnosticRequest(TARGET, trigger="slash"), components, analysis, timings)


def _nothing_matched() -> Diagnosis:
    analysis = Analysis(unmatched_templates=["worker <*> exited with status <*>", "retrying <*>"])
    request = DiagnosticRequest(TARGET, depth="comprehensive", trigger="button")
    return Diagnosis(
        request,
        [ComponentResult("logs", "error", 0.2, message="403 Forbidden")],
        analysis,
        {"total_ms": 200.0},
    )


@pytest.mark.parametrize(("name", "build"), [("oom", _oom), ("nothing_matched", _nothing_matched)])
def test_golden(name: str, build: Any) -> None:
    rendered = render_blocks(build(), signer=SIGNER)
    path = GOLDEN / f"blocks_{name}.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(rendered, indent=2, ensure_ascii=False) + "\n")
    assert rendered == json.loads(path.read_text())


def test_evidence_is_redacted_escaped_and_cut_with_a_count() -> None:
    blocks = render_blocks(_oom(), signer=SIGNER)["blocks"]
    text = json.dumps(blocks, ensure_ascii=False)
    assert "hunter2" not in text
    assert "&lt;3 workers&gt; &amp; ready" in text
    assert "… 6 more lines" in text
    assert "kubectl set resources deployment/payments-worker" in text


def test_progress_and_verdict_lines() -> None:
    view = ProgressView("payments-worker", "prod", requested_by="U1")
    assert view.render()["text"] == ":mag: Diagnosing payments-worker (prod) for <@U1>…"
    verdict = render_verdict(_oom(), 2.04)["text"]
    assert verdict.startswith("🔴 *payments-worker (prod)*: Container killed for exceeding")
    assert "94% confidence · 2.0 s · 1 component(s) failed" in verdict


def test_evidence_file_holds_everything_redacted() -> None:
    text = render_evidence_file(_oom())
    assert "java.lang.OutOfMemoryError: Java heap space (attempt 11)" in text
    assert "hunter2" not in text
    assert "== metrics: timeout" in text


# ---- every limit, whatever the diagnosis holds -------------------------------------------

LIMITS = {
    "blocks": 50,
    "section": 3000,
    "header": 150,
    "context": 10,
    "actions": 25,
    "button_text": 75,
    "action_id": 255,
    "value": 2000,
    "block_id": 255,
    "total": 12_000,
    "fallback": 4000,
}

lines = st.text(max_size=300) | st.text(min_size=2900, max_size=3100, alphabet="ab😀<&>`\n ")
findings = st.builds(
    Finding,
    category=st.sampled_from(CATEGORIES),
    pattern=st.text(min_size=1, max_size=300),
    title=st.text(max_size=400),
    confidence=st.floats(0, 1),
    evidence=st.lists(lines, max_size=40).map(tuple),
    explanation=st.text(max_size=3000),
    fixes=st.lists(st.text(max_size=2500), max_size=5).map(tuple),
    docs_url=st.none() | st.text(max_size=200),
)
components = st.builds(
    ComponentResult,
    component=st.text(min_size=1, max_size=80),
    status=st.sampled_from(["ok", "timeout", "error", "skipped", "cached"]),
    elapsed_s=st.floats(0, 100),
    message=st.none() | st.text(max_size=3000),
)
diagnoses = st.builds(
    lambda fs, cs, story, tl, templates, depth: Diagnosis(
        DiagnosticRequest(TARGET, depth=depth),
        cs,
        Analysis(
            findings=fs,
            unmatched_templates=templates,
            story=story,
            timeline=[TimelineEntry(AT, what) for what in tl],
        ),
        {"total_ms": 1234.5},
    ),
    st.lists(findings, max_size=50),
    st.lists(components, max_size=30),
    st.none() | st.text(max_size=6000),
    st.lists(st.text(max_size=500), max_size=30),
    st.lists(lines, max_size=30),
    st.sampled_from(["basic", "comprehensive"]),
)


def _huge() -> Diagnosis:
    line = "x" * 2999 + "😀"
    big = [
        Finding(
            "app_crash", f"p{i}", "t" * 500, 0.5, tuple([line] * 500), "e" * 3000, ("f" * 3000,) * 5
        )
        for i in range(50)
    ]
    comps = [ComponentResult(f"c{i}", "error", 1.0, message="m" * 3000) for i in range(30)]
    return Diagnosis(
        DiagnosticRequest(TARGET),
        comps,
        Analysis(findings=big, story="s" * 10_000, timeline=[TimelineEntry(AT, "w" * 1000)] * 100),
        {},
    )


@given(diagnoses)
@example(_huge())
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_any_diagnosis_renders_within_every_limit(diagnosis: Diagnosis) -> None:
    rendered = render_blocks(diagnosis, signer=SIGNER)
    blocks = rendered["blocks"]
    assert len(blocks) <= LIMITS["blocks"]
    assert units(rendered["text"]) <= LIMITS["fallback"]
    assert sum(block_units(b) for b in blocks) <= LIMITS["total"]
    for block in blocks:
        _check(block)
        Block.parse(block).to_dict()  # slack_sdk's own validators raise on any breach


def _check(block: dict[str, Any]) -> None:
    kind = block["type"]
    if kind == "section":
        assert units(block["text"]["text"]) <= LIMITS["section"]
    elif kind == "header":
        assert units(block["text"]["text"]) <= LIMITS["header"]
    elif kind == "context":
        assert len(block["elements"]) <= LIMITS["context"]
        assert all(units(e["text"]) <= 3000 for e in block["elements"])
    elif kind == "actions":
        assert len(block["elements"]) <= LIMITS["actions"]
        assert len(block["block_id"]) <= LIMITS["block_id"]
        for button in block["elements"]:
            assert units(button["text"]["text"]) <= LIMITS["button_text"]
            assert len(button["action_id"]) <= LIMITS["action_id"]
            assert len(button["value"]) <= LIMITS["value"]
