"""The threaded Slack report: a `Diagnosis` as Block Kit, within every Slack limit."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from analysis.model import Diagnosis, Finding
from analysis.redact import redact
from providers.model import ComponentResult

# Slack's limits (SLACK.md); the total is below the ~13k where msg_blocks_too_long was seen.
MAX_BLOCKS = 50
SECTION_MAX = 3000
HEADER_MAX = 150
CONTEXT_TEXT_MAX = 2000
FALLBACK_MAX = 3900
TOTAL_MAX = 11_500
# What a reader can take in at a glance; the rest is one "Show full evidence" click away.
TOP_FINDINGS = 3
EVIDENCE_LINES = 8
EVIDENCE_LINE_MAX = 300
TIMELINE_ENTRIES = 8
STATUS_MARK = {"ok": "✓", "cached": "✓", "timeout": "⏱", "error": "✗", "skipped": "–"}


class Signer(Protocol):
    """Signs a button's claims into its value (bot.signing.ButtonSigner)."""

    def sign(self, claims: Mapping[str, str]) -> str:
        """The value to put on a button."""
        ...


def units(text: str) -> int:
    """Length as Slack may count it: UTF-16 code units (an emoji can count twice)."""
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, limit: int, marker: str = "…") -> str:
    """`text` shortened to at most `limit` units, ending in `marker` when shortened."""
    if units(text) <= limit:
        return text
    keep = max(limit - units(marker), 0)
    short = text[:keep]
    while short and units(short) > keep:
        short = short[:-1]
    return short + marker


def escape(text: str) -> str:
    """Escape the three characters mrkdwn reserves."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def code_block(lines: Sequence[str], limit: int) -> str:
    """Redacted lines in a code block within `limit` units, ending "… N more lines" if cut."""
    shown: list[str] = []
    used = 8  # the fences and newlines
    for i, raw in enumerate(lines):
        line = escape(cut(redact(raw).replace("```", "ˋˋˋ"), EVIDENCE_LINE_MAX))
        more = f"… {len(lines) - i} more lines"
        if i == EVIDENCE_LINES or used + units(line) + 1 + units(more) + 1 > limit:
            shown.append(more)
            break
        shown.append(line)
        used += units(line) + 1
    return "```\n" + "\n".join(shown) + "\n```" if shown else ""


def _where(diagnosis: Diagnosis) -> str:
    target = diagnosis.request.target
    return f"{target.name} ({target.env})" if target.env else target.name


def _pct(finding: Finding) -> str:
    return f"{round(finding.confidence * 100)}%"


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_MAX)}}


def _header(diagnosis: Diagnosis) -> dict[str, Any]:
    top = diagnosis.top
    verdict = top.title if top else "no known failure pattern"
    icon = "🔴" if top else "⚪"
    text = cut(f"{icon} {_where(diagnosis)}: {verdict}", HEADER_MAX)
    return {"type": "header", "text": {"type": "plain_text", "text": text, "emoji": True}}


def _verdict(diagnosis: Diagnosis) -> dict[str, Any]:
    top = diagnosis.top
    if top is None:
        templates = diagnosis.analysis.unmatched_templates
        text = "*No known failure pattern matched.*"
        if templates:
            text += " The most frequent new errors since the rollout:\n"
            text += code_block(templates, SECTION_MAX - units(text) - 10)
        return _section(text)
    text = f"*Root cause:* {escape(top.title)} — *{_pct(top)} confidence* (`{top.category}`)" + (
        f"\n{escape(cut(top.explanation, 1200))}" if top.explanation else ""
    )
    return _section(text)


def _story(diagnosis: Diagnosis) -> dict[str, Any] | None:
    analysis = diagnosis.analysis
    lines = [escape(cut(analysis.story, 1500))] if analysis.story else []
    for entry in analysis.timeline[:TIMELINE_ENTRIES]:
        lines.append(f"`{entry.at:%H:%M:%S}` {escape(cut(entry.what, 200))}")
    if len(analysis.timeline) > TIMELINE_ENTRIES:
        lines.append(f"… {len(analysis.timeline) - TIMELINE_ENTRIES} more events")
    return _section("*What happened*\n" + "\n".join(lines)) if lines else None


_CLIS = r"(?:kubectl|aws|gcloud|helm|docker|az|terraform|eksctl|copilot)"
_COMMAND = re.compile(rf"^(?:(?P<say>.*?):\s+)?(?P<cmd>{_CLIS}\s.+)$", re.DOTALL)


def _fix_line(fix: str) -> str:
    """A fix as prose, with its command (if any) in a code block a person can copy."""
    m = _COMMAND.match(fix)
    if m is None:
        return "• " + escape(fix)
    say = "• " + escape(m.group("say")) + "\n" if m.group("say") else ""
    return say + "```\n" + escape(m.group("cmd").replace("```", "ˋˋˋ")) + "\n```"


def _fix_text(finding: Finding) -> str | None:
    if not finding.fixes:
        return None
    parts = ["*Fix:*"]
    parts += [_fix_line(cut(redact(raw.strip()), 900)) for raw in finding.fixes[:3]]
    if finding.docs_url and re.fullmatch(r"https?://[^\s|<>]{1,500}", finding.docs_url):
        parts.append(f"<{escape(finding.docs_url)}|Documentation>")
    return "\n".join(parts)


def _finding_blocks(finding: Finding, rank: int, budget: int) -> list[dict[str, Any]]:
    """Title, evidence and fix of one finding, in at most `budget` units of text."""
    title = f"*{rank}. {escape(cut(finding.title, 200))}* — {_pct(finding)} (`{finding.category}`)"
    fix = _fix_text(finding)
    fix_units = units(fix) if fix else 0
    blocks = [_section(title)]
    room = min(budget - units(title) - fix_units, SECTION_MAX)
    if finding.evidence and room > 80:
        blocks.append(_section(code_block(finding.evidence, room)))
    if fix and budget - units(title) > fix_units:
        blocks.append(_section(fix))
    return blocks


def _component(result: ComponentResult) -> str:
    mark = STATUS_MARK.get(result.status, "?")
    text = f"{mark} {result.component} {result.elapsed_s:.1f} s"
    if result.status == "cached":
        text += " (cached)"
    elif result.status != "ok":
        text += f" ({result.status})"
    return text


def _context(diagnosis: Diagnosis) -> dict[str, Any]:
    components = diagnosis.components
    counts = {
        "collected": sum(c.status in ("ok", "cached") for c in components),
        "failed": sum(c.status in ("error", "timeout") for c in components),
        "cached": sum(c.status == "cached" for c in components),
    }
    summary = ", ".join(f"{n} {what}" for what, n in counts.items()) + _degraded(components)
    total = diagnosis.timings.get("total_ms")
    timing = f" · {total / 1000:.1f} s total" if total is not None else ""
    depth = diagnosis.request.depth
    elements = [
        f"{depth} diagnosis · {summary}{timing}",
        " · ".join(_component(c) for c in components[:40]) or "no components ran",
    ]
    missing = [c for c in diagnosis.missing if c.message]
    if missing:
        elements.append("; ".join(f"{c.component}: {redact(c.message or '')}" for c in missing))
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": cut(escape(e), CONTEXT_TEXT_MAX)} for e in elements
        ],
    }


def _degraded(components: list[ComponentResult]) -> str:
    """`· throttled: N components deferred · circuit open: M` when limits or breakers bit."""
    messages = [c.message or "" for c in components]
    throttled = sum(m.startswith("throttled") for m in messages)
    circuit = sum("circuit open" in m for m in messages)
    parts = [f"throttled: {throttled} components deferred"] if throttled else []
    parts += [f"circuit open: {circuit}"] if circuit else []
    return "".join(f" · {p}" for p in parts)


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text, "emoji": True},
        "action_id": action_id,
        "value": value,
    }
    if style:
        button["style"] = style
    return button


def _actions(diagnosis: Diagnosis, signer: Signer) -> dict[str, Any]:
    target = diagnosis.request.target
    buttons = []
    if diagnosis.request.depth == "basic":
        claims = {"a": "rerun_comprehensive", "s": target.name, "e": target.env or ""}
        buttons.append(
            _button("Run comprehensive diagnosis", claims["a"], signer.sign(claims), "primary")
        )
    buttons.append(
        _button(
            "Show full evidence",
            "show_evidence",
            signer.sign({"a": "show_evidence", "s": target.name}),
        )
    )
    top = diagnosis.top
    if top is not None:
        for vote, label in (("up", "👍"), ("down", "👎")):
            claims = {
                "a": f"feedback_{vote}",
                "s": target.name,
                "p": top.pattern[:200],
                "k": top.category,
            }
            buttons.append(_button(label, claims["a"], signer.sign(claims)))
    return {"type": "actions", "block_id": "report_actions", "elements": buttons}


def block_units(block: Mapping[str, Any]) -> int:
    """Units of text a block carries (what counts toward msg_blocks_too_long)."""
    total = 0
    for key, value in block.items():
        if key == "text" and isinstance(value, str):
            total += units(value)
        elif isinstance(value, Mapping):
            total += block_units(value)
        elif isinstance(value, list):
            total += sum(block_units(v) for v in value if isinstance(v, Mapping))
    return total


def fallback_text(diagnosis: Diagnosis) -> str:
    """The notification / accessibility text of the report."""
    top = diagnosis.top
    if top is None:
        return cut(f"{_where(diagnosis)}: no known failure pattern matched", FALLBACK_MAX)
    return cut(f"{_where(diagnosis)}: {top.title} ({_pct(top)} confidence)", FALLBACK_MAX)


def render_blocks(diagnosis: Diagnosis, *, signer: Signer) -> dict[str, Any]:
    """`{"text", "blocks"}` for chat.postMessage: fixed parts first, then what fits."""
    head = [_header(diagnosis), _verdict(diagnosis)]
    tail = [_context(diagnosis), _actions(diagnosis, signer)]
    budget = TOTAL_MAX - sum(block_units(b) for b in (*head, *tail))
    middle: list[dict[str, Any]] = []
    story = _story(diagnosis)
    if story is not None and block_units(story) < budget:
        middle.append(story)
        budget -= block_units(story)
    room_blocks = MAX_BLOCKS - len(head) - len(tail) - 1
    for rank, finding in enumerate(diagnosis.findings[:TOP_FINDINGS], start=1):
        if budget < 200 or len(middle) + 4 > room_blocks:
            break
        share = budget if rank == TOP_FINDINGS else max(budget * 2 // 3, 200)
        blocks = _finding_blocks(finding, rank, share)
        middle += [{"type": "divider"}, *blocks]
        budget -= sum(block_units(b) for b in blocks)
    hidden = len(diagnosis.findings) - sum(1 for b in middle if b["type"] == "divider")
    if hidden > 0 and budget > 100:
        middle.append(_section(f"_{hidden} more finding(s) in the full evidence._"))
    return {"text": fallback_text(diagnosis), "blocks": [*head, *middle, *tail]}
