"""What each CLI sub-command does (argument parsing lives in `bot.cli`)."""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.table import Table

from analysis.model import Diagnosis
from bot.catalog import Catalog
from bot.cli import EXIT_DIAGNOSED, EXIT_INCONCLUSIVE, EXIT_USAGE, print_json, read_input
from bot.diagnoser import Diagnoser
from bot.render.json_report import analysis_json, diagnosis_json
from bot.render.terminal import LiveProgress, render_diagnosis, render_finding
from bot.settings import Settings
from providers.errors import ConfigError
from providers.model import PLATFORMS, Depth, Platform
from providers.sandbox.expected import EXPECTED_ROOT_CAUSE
from providers.sandbox.runtime import CATALOG_PATH


def _stdout() -> Console:
    """stdout; when it is a pipe or file, wide enough that tables and evidence stay readable."""
    console = Console()
    return console if console.is_terminal else Console(width=120)


def _settings(*, sandbox: bool = False, catalog: Path | None = None) -> Settings:
    settings = Settings()
    update: dict[str, object] = {}
    if sandbox:
        update["sandbox"] = True
    if catalog is not None:
        update["catalog"] = catalog
    return settings.model_copy(update=update) if update else settings


async def diagnose(args: argparse.Namespace, err: Console) -> int:
    """`diagnose SERVICE [ENV]`: the whole pipeline for one catalog entry."""
    settings = _settings(sandbox=args.sandbox, catalog=args.catalog)
    catalog = Catalog.load(CATALOG_PATH if settings.sandbox else settings.catalog)
    target = catalog.resolve(args.service, args.env)  # fail fast, before starting anything
    depth: Depth = "comprehensive" if args.comprehensive else "basic"
    diagnoser = await Diagnoser.start(settings, platforms=[target.platform])
    try:
        request = diagnoser.request(args.service, args.env, depth=depth)
        if args.format == "text":
            title = f"Diagnosing {target.name} ({target.platform}, {depth})…"
            with LiveProgress(err, title) as live:
                diagnosis = await diagnoser.diagnose(request, on_progress=live)
        else:
            diagnosis = await diagnoser.diagnose(request)
    finally:
        await diagnoser.close()
    _emit(diagnosis, args.format, settings)
    return EXIT_DIAGNOSED if diagnosis.findings else EXIT_INCONCLUSIVE


def _emit(diagnosis: Diagnosis, fmt: str, settings: Settings) -> None:
    if fmt == "json":
        print_json(diagnosis_json(diagnosis))
    elif fmt == "blocks":
        from bot.render.blocks import render_blocks
        from bot.signing import ButtonSigner

        secret = settings.button_secret or settings.slack_signing_secret or "cli-preview"
        print_json(render_blocks(diagnosis, signer=ButtonSigner(secret)))
    else:
        render_diagnosis(_stdout(), diagnosis)


def analyze(args: argparse.Namespace) -> int:
    """`analyze [PATH|-]`: raw evidence text in, DESIGN.md's findings JSON out."""
    from analysis.engine import Engine
    from analysis.evidence_text import evidence_from_text

    settings = Settings()
    engine = Engine.load([settings.patterns_dir] if settings.patterns_dir else [])
    evidence = evidence_from_text(read_input(args.path))
    analysis = engine.analyze(evidence, platform=args.platform)
    if args.format == "json":
        print_json(analysis_json(analysis))
    else:
        console = _stdout()
        if not analysis.findings:
            console.print("[yellow]No root cause reached the confidence threshold.[/]")
            for template in analysis.unmatched_templates[:5]:
                console.print(f"  │ {template}", markup=False)
        for rank, finding in enumerate(analysis.findings[:3], start=1):
            render_finding(console, finding, rank=rank)
    return EXIT_DIAGNOSED if analysis.findings else EXIT_INCONCLUSIVE


def available_platforms() -> list[Platform]:
    """Platforms whose sandbox emulator is installed."""
    modules = {"kubernetes": "kubernetes", "ecs": "aws", "cloudrun": "gcp"}
    return [p for p in PLATFORMS if importlib.util.find_spec(f"providers.sandbox.{modules[p]}")]


async def demo(args: argparse.Namespace, err: Console) -> int:
    """`demo`: every sandbox scenario end to end, then a summary against the expected causes."""
    settings = _settings(sandbox=True)
    platforms = available_platforms()
    with err.status(f"Starting the sandbox ({', '.join(platforms)}) and diagnosing…"):
        diagnoser = await Diagnoser.start(settings, platforms=platforms)
        try:
            names = [n for n in diagnoser.catalog.names() if _platform(diagnoser, n) in platforms]
            diagnoses = await asyncio.gather(
                *(diagnoser.diagnose(diagnoser.request(n)) for n in names)
            )
        finally:
            await diagnoser.close()
    ok = all(_as_expected(d) for d in diagnoses)
    if args.format == "json":
        print_json([{**diagnosis_json(d), "expected": _expected(d)} for d in diagnoses])
    else:
        console = _stdout()
        for diagnosis in diagnoses:
            render_diagnosis(console, diagnosis, top=1)
        console.print(_summary(diagnoses))
    return EXIT_DIAGNOSED if ok else EXIT_INCONCLUSIVE


def _platform(diagnoser: Diagnoser, name: str) -> Platform:
    return diagnoser.catalog.entry(name).platform


def _expected(diagnosis: Diagnosis) -> str | None:
    return EXPECTED_ROOT_CAUSE.get(diagnosis.request.target.name)


def _as_expected(diagnosis: Diagnosis) -> bool:
    top = diagnosis.top
    return top is not None and top.category == _expected(diagnosis)


def _summary(diagnoses: list[Diagnosis]) -> Table:
    table = Table(title="Sandbox scenarios", title_justify="left")
    for column in ("service", "platform", "root cause", "confidence", "time"):
        table.add_column(column, no_wrap=True, justify="right" if column == "time" else "left")
    for d in diagnoses:
        top = d.top
        got = top.category if top else "nothing conclusive"
        verdict = f"[green]✓[/] {got}" if _as_expected(d) else f"[red]✗[/] {got} ≠ {_expected(d)}"
        table.add_row(
            d.request.target.name,
            d.request.target.platform,
            verdict,
            f"{top.confidence:.0%}" if top else "-",
            f"{d.timings.get('total_ms', 0):.0f} ms",
        )
    return table


def serve() -> int:
    """`serve`: the Slack app, until interrupted."""
    from bot.app import serve as serve_app

    asyncio.run(serve_app(Settings()))
    return EXIT_DIAGNOSED


def parse_alert(args: argparse.Namespace) -> int:
    """`alerts parse [PATH|-]`: one Slack message event in, the DeployAlert JSON out."""
    from bot.alerts import parse_message

    text = read_input(args.path)
    try:
        event = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{args.path}: not JSON: {exc.msg} (line {exc.lineno})") from exc
    if isinstance(event, dict) and isinstance(event.get("event"), dict):
        event = event["event"]  # an Events API envelope
    if not isinstance(event, dict):
        raise ConfigError(f"{args.path}: expected a Slack message event (a JSON object)")
    print_json(asdict(parse_message(event)))
    return EXIT_DIAGNOSED


def check_catalog(args: argparse.Namespace) -> int:
    """`catalog check [PATH]`: validate services.yml and list what it holds."""
    path = args.path or Settings().catalog
    catalog = Catalog.load(path)
    console = Console()
    table = Table(title=f"{path}: {len(catalog.names())} services", title_justify="left")
    for column in ("service", "platform", "environments", "aliases"):
        table.add_column(column)
    for name in catalog.names():
        entry = catalog.entry(name)
        table.add_row(
            name,
            entry.platform,
            ", ".join(catalog.environments(name)) or "-",
            ", ".join(entry.aliases) or "-",
        )
    console.print(table)
    return EXIT_DIAGNOSED if catalog.names() else EXIT_USAGE
