"""Rich terminal output: live component lines while collecting, then the verdict."""

from __future__ import annotations

import time

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.spinner import Spinner
from rich.text import Text

from analysis.model import Diagnosis, Finding
from analysis.pipeline import Progress
from providers.model import ComponentResult

_MARK = {"ok": "✓", "cached": "✓", "skipped": "–", "timeout": "✗", "error": "✗"}
_STYLE = {"ok": "green", "cached": "cyan", "skipped": "yellow", "timeout": "red", "error": "red"}
MAX_EVIDENCE_LINES = 6


def component_line(result: ComponentResult) -> Text:
    """`✓ logs 0.8 s (412 items)` or `✗ metrics 0.1 s: throttled`."""
    line = Text()
    line.append(f"{_MARK[result.status]} ", style=_STYLE[result.status])
    line.append(f"{result.component:<16} {result.elapsed_s:5.2f} s")
    if result.status == "cached":
        line.append("  cached", style="cyan")
    line.append(f"  ({len(result.evidence)} items)", style="dim")
    if result.message:
        line.append(f"  {result.message}", style=_STYLE[result.status])
    return line


class LiveProgress:
    """A spinner per running component that turns into ✓/✗ with its time."""

    def __init__(self, console: Console, title: str) -> None:
        self._console = console
        self._title = title
        self._started: dict[str, float] = {}
        self._done: dict[str, ComponentResult] = {}
        self._order: list[str] = []
        self._live = Live(self._render(), console=console, refresh_per_second=12, transient=False)

    def __enter__(self) -> LiveProgress:
        self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._live.update(self._render())
        self._live.__exit__(None, None, None)
        if not self._console.is_terminal:  # a redirected Live ends without its newline
            self._console.print()

    async def __call__(self, progress: Progress) -> None:
        if progress.kind == "planned":
            self._order = list(progress.components)
        elif progress.kind == "started" and progress.component:
            self._started[progress.component] = time.perf_counter()
        elif progress.kind == "finished" and progress.result is not None:
            self._done[progress.result.component] = progress.result
        elif progress.kind == "queued":
            self._title = f"{self._title} — queued (position {progress.position})"
        self._live.update(self._render())

    def _render(self) -> RenderableType:
        rows: list[RenderableType] = [Text(self._title, style="bold")]
        for name in self._order:
            if name in self._done:
                rows.append(component_line(self._done[name]))
            else:
                elapsed = time.perf_counter() - self._started.get(name, time.perf_counter())
                rows.append(Spinner("dots", text=f"{name:<16} {elapsed:5.2f} s"))
        return Group(*rows)


def render_finding(console: Console, finding: Finding, *, rank: int) -> None:
    """One finding: title, confidence, decisive evidence, fixes."""
    style = "bold red" if rank == 1 else "bold yellow"
    console.print(
        f"[{style}]{rank}. {escape(finding.title)}[/]  "
        f"[dim]{finding.category} · {finding.pattern}[/]  "
        f"confidence [bold]{finding.confidence:.0%}[/]"
    )
    if finding.explanation:
        console.print(f"   {escape(finding.explanation)}")
    for line in finding.evidence[:MAX_EVIDENCE_LINES]:
        console.print(Text(f"   │ {line}", style="dim"), overflow="fold")
    hidden = len(finding.evidence) - MAX_EVIDENCE_LINES
    if hidden > 0:
        console.print(f"   │ … {hidden} more lines", style="dim")
    for fix in finding.fixes:
        console.print(Text(f"   → {fix}", style="green"), overflow="fold")
    if finding.docs_url:
        console.print(f"   [dim]docs: {escape(finding.docs_url)}[/]")


def render_diagnosis(console: Console, diagnosis: Diagnosis, *, top: int = 3) -> None:
    """The report a Slack user would get, as terminal text."""
    target = diagnosis.request.target
    env = f" ({target.env})" if target.env else ""
    console.rule(f"[bold]{target.name}{env} · {target.platform} · {diagnosis.request.depth}")
    if diagnosis.analysis.story:
        console.print(f"[italic]{escape(diagnosis.analysis.story)}[/]")
    if not diagnosis.findings:
        console.print("[bold yellow]No root cause reached the confidence threshold.[/]")
        if diagnosis.analysis.unmatched_templates:
            console.print("Most frequent new error lines since the rollout:")
            for template in diagnosis.analysis.unmatched_templates[:5]:
                console.print(Text(f"   │ {template}", style="dim"), overflow="fold")
    for rank, finding in enumerate(diagnosis.findings[:top], start=1):
        render_finding(console, finding, rank=rank)
    render_footer(console, diagnosis)


def render_footer(console: Console, diagnosis: Diagnosis) -> None:
    """Which components were collected, failed or cached, and the timings."""
    missing = diagnosis.missing
    if missing:
        parts = [
            f"{c.component}: {c.status}" + (f" ({c.message})" if c.message else "") for c in missing
        ]
        console.print(Text("partial result — " + "; ".join(parts), style="yellow"), overflow="fold")
    t = diagnosis.timings
    console.print(
        f"[dim]collection {t.get('collect_ms', 0):.0f} ms"
        f" · analysis {t.get('analyze_ms', 0):.1f} ms"
        f" · total {t.get('total_ms', 0):.0f} ms[/]"
    )
