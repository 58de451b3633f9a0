"""The Diagnoser's lifecycle: closing it ends the diagnoses it still runs."""

from __future__ import annotations

import asyncio

import pytest

from analysis.pipeline import Progress
from bot.diagnoser import Diagnoser
from bot.settings import Settings


def _live_flights() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("flight ") and not t.done()]


class TestClose:
    """close() cancels running diagnoses and their provider calls before closing providers."""

    async def test_close_leaves_no_diagnosis_or_call_running(self) -> None:
        diagnoser = await Diagnoser.start(Settings(sandbox=True), platforms=["kubernetes"])
        started = asyncio.Event()

        async def progress(step: Progress) -> None:
            if step.kind == "started":
                started.set()

        try:
            assert diagnoser.sandbox is not None
            diagnoser.sandbox.faults.set("kubernetes", latency_s=3.0)  # still running at close
            request = diagnoser.request("orders-api")
            caller = asyncio.create_task(diagnoser.diagnose(request, on_progress=progress))
            await started.wait()
            assert _live_flights()
        finally:
            await diagnoser.close()
        assert _live_flights() == []
        with pytest.raises(asyncio.CancelledError):
            await caller
