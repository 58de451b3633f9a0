"""The parent message: "Diagnosing…" with live component ticks, then the one-line verdict."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from analysis.model import Diagnosis
from analysis.pipeline import Progress
from bot.render.blocks import STATUS_MARK, cut, escape
from providers.model import ComponentResult

_TEXT_MAX = 2900


@dataclass
class ProgressView:
    """What the parent message shows while a diagnosis runs."""

    service: str
    env: str | None
    requested_by: str | None = None
    depth: str = "basic"
    trigger: str = "slash"
    planned: tuple[str, ...] = ()
    running: set[str] = field(default_factory=set)
    finished: dict[str, ComponentResult] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    def apply(self, progress: Progress) -> None:
        """Fold one pipeline step into the view."""
        if progress.kind == "planned":
            self.planned = progress.components
        elif progress.kind == "started" and progress.component:
            self.running.add(progress.component)
        elif progress.kind == "finished" and progress.result is not None:
            self.running.discard(progress.result.component)
            self.finished[progress.result.component] = progress.result

    def headline(self) -> str:
        """ "Diagnosing checkout-api (prod) for @user…"."""
        where = f"{self.service} ({self.env})" if self.env else self.service
        depth = " (comprehensive)" if self.depth == "comprehensive" else ""
        who = f" for <@{self.requested_by}>" if self.requested_by else ""
        if self.trigger == "alert":
            who = " after this alert"
        return f":mag: Diagnosing{depth} {escape(where)}{who}…"

    def ticks(self) -> str:
        """✓ logs 0.8 s · ✓ events 0.2 s · … metrics."""
        parts = []
        for name in self.planned or tuple(self.finished):
            result = self.finished.get(name)
            if result is None:
                parts.append(f"… {name}")
            else:
                mark = STATUS_MARK.get(result.status, "?")
                extra = "" if result.status in ("ok", "cached") else f" {result.status}"
                parts.append(f"{mark} {name} {result.elapsed_s:.1f} s{extra}")
        return escape(" · ".join(parts))

    def render(self) -> dict[str, Any]:
        """`{"text", "blocks"}` for chat.postMessage / chat.update."""
        text = cut(self.headline() + ("\n" + self.ticks() if self.planned else ""), _TEXT_MAX)
        return {"text": text, "blocks": [_section(text)]}


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def render_verdict(diagnosis: Diagnosis, elapsed_s: float) -> dict[str, Any]:
    """The parent's final form: root cause, confidence, time taken; the report is threaded."""
    target = diagnosis.request.target
    where = escape(f"{target.name} ({target.env})" if target.env else target.name)
    top = diagnosis.top
    if top is None:
        verdict = f"⚪ *{where}*: no known failure pattern matched"
    else:
        pct = round(top.confidence * 100)
        verdict = f"🔴 *{where}*: {escape(cut(top.title, 300))} — {pct}% confidence"
    failed = sum(c.status in ("error", "timeout") for c in diagnosis.components)
    partial = f" · {failed} component(s) failed" if failed else ""
    text = cut(f"{verdict} · {elapsed_s:.1f} s{partial} · full report in the thread", _TEXT_MAX)
    return {"text": text, "blocks": [_section(text)]}


def render_failure(view: ProgressView, reason: str) -> dict[str, Any]:
    """The parent's final form when the diagnosis itself could not run."""
    where = f"{view.service} ({view.env})" if view.env else view.service
    text = cut(f":warning: Could not diagnose {escape(where)}: {escape(reason)}", _TEXT_MAX)
    return {"text": text, "blocks": [_section(text)]}
