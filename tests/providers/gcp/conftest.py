"""Fixtures: the Cloud Run sandbox on a real port and the real provider pointed at it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from providers.gcp import CloudRunProvider, create
from providers.model import Depth
from providers.sandbox.faults import Faults
from providers.sandbox.gcp import GcpEmulator, start
from providers.sandbox.runtime import settings_for
from tests.providers.gcp.harness import Collect, Outcomes, context, target


@pytest.fixture
def faults() -> Faults:
    return Faults()


@pytest.fixture
async def emulator(faults: Faults, tmp_path: Path) -> AsyncIterator[GcpEmulator]:
    running = await start(faults, tmp_path)
    yield running
    await running.close()


@pytest.fixture
async def provider(emulator: GcpEmulator) -> AsyncIterator[CloudRunProvider]:
    built = create(settings_for(emulator, request_timeout_s=5.0))
    yield built
    await built.close()


@pytest.fixture
def collect(provider: CloudRunProvider) -> Collect:
    """Run every component for a service concurrently, as the pipeline does; keep errors."""

    async def run(
        service: str, depth: Depth = "basic", *, notes: list[str] | None = None
    ) -> Outcomes:
        chosen = target(service)
        ctx = context(chosen, depth)
        components = [
            c for c in provider.components(chosen) if depth == "comprehensive" or c.depth == "basic"
        ]
        contexts = [ctx.for_component() for _ in components]
        results = await asyncio.gather(
            *(c.collect(cc) for c, cc in zip(components, contexts, strict=True)),
            return_exceptions=True,
        )
        if notes is not None:
            notes.extend(n for cc in contexts for n in cc.notes)
        return {c.name: r for c, r in zip(components, results, strict=True)}

    return run
