"""The "Show full evidence" file: every component's evidence as plain text, redacted."""

from __future__ import annotations

from analysis.model import Diagnosis
from analysis.redact import redact

MAX_BYTES = 5 * 1024 * 1024  # a file a browser still opens; the tail is noted, not sent


def render_evidence_file(diagnosis: Diagnosis) -> str:
    """Findings first, then each component's status and evidence lines, within MAX_BYTES."""
    target = diagnosis.request.target
    out = [f"deploy-feedback evidence for {target.name} ({target.env or '-'}) on {target.platform}"]
    for finding in diagnosis.findings:
        out.append(f"\n== finding {finding.pattern}: {finding.title} ({finding.confidence:.0%})")
        out += [f"  {line}" for line in finding.evidence]
    for result in diagnosis.components:
        out.append(
            f"\n== {result.component}: {result.status} in {result.elapsed_s:.2f} s"
            + (f" ({result.message})" if result.message else "")
        )
        for item in result.evidence:
            when = item.timestamp.isoformat() if item.timestamp else "-"
            out.append(f"{when} [{item.kind} {item.source}] {item.text}")
    text = redact("\n".join(out)) + "\n"
    data = text.encode()
    if len(data) <= MAX_BYTES:
        return text
    kept = data[: MAX_BYTES - 200].decode(errors="ignore")
    dropped = len(data) - len(kept.encode())
    return kept + f"\n… {dropped} more bytes not included\n"
