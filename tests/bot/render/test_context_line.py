"""The report's context line says when rate limits deferred components or a breaker was open."""

from __future__ import annotations

from analysis.model import Analysis, Diagnosis, DiagnosticRequest
from bot.render.blocks import render_blocks
from bot.signing import ButtonSigner
from providers.model import ComponentResult, KubernetesLocation, ServiceTarget

SIGNER = ButtonSigner("context-secret", clock=lambda: 1_800_000_000.0).bind(c="C1", r="r1")
TARGET = ServiceTarget("api", "kubernetes", KubernetesLocation("shop", "api"), "prod")


def context_text(components: list[ComponentResult]) -> str:
    diagnosis = Diagnosis(DiagnosticRequest(TARGET), components, Analysis(), {"total_ms": 900.0})
    blocks = render_blocks(diagnosis, signer=SIGNER)["blocks"]
    context = next(b for b in blocks if b["type"] == "context")
    return " ".join(e["text"] for e in context["elements"])


class TestContextLine:
    """Degraded collection is visible to the person reading the report."""

    def test_throttled_and_circuit_open_components_are_counted(self) -> None:
        text = context_text(
            [
                ComponentResult("status", "ok", 0.1),
                ComponentResult("logs", "error", 0.0, message="throttled: deferred"),
                ComponentResult("events", "error", 0.0, message="throttled: deferred"),
                ComponentResult(
                    "metrics",
                    "error",
                    0.0,
                    message="circuit open for kubernetes:pod_metrics (probing again in 4.0 s)",
                ),
            ]
        )
        assert "throttled: 2 components deferred" in text
        assert "circuit open: 1" in text

    def test_healthy_collection_mentions_neither(self) -> None:
        text = context_text([ComponentResult("status", "ok", 0.1)])
        assert "throttled" not in text
        assert "circuit open" not in text
