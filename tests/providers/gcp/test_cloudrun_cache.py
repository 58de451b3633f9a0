"""Cloud Run answers go through the production gateway: JSON-shaped, cached, repeat-free."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from providers.base import CollectContext
from providers.gateway import Call, Fetched, Gateway, Json
from providers.gcp import CloudRunProvider
from providers.resilience.gateway import ResilientGateway
from providers.sandbox.faults import Faults
from tests.providers.gcp.harness import context, target


class JsonRoundTrip:
    """A gateway that hands back what Redis would hold: the value through strict JSON."""

    async def fetch(
        self, call: Call, fn: Callable[[], Awaitable[Json]], *, deadline: float | None = None
    ) -> Fetched:
        return Fetched(json.loads(json.dumps(await fn(), allow_nan=False)))


async def _comprehensive(provider: CloudRunProvider, gateway: Gateway) -> tuple[list[str], int]:
    chosen = target("media-resizer")
    base = context(chosen, "comprehensive")
    ctx = CollectContext(chosen, "comprehensive", base.since, base.until, gateway)
    contexts = [ctx.for_component() for _ in provider.components(chosen)]
    results = await asyncio.gather(
        *(c.collect(cc) for c, cc in zip(provider.components(chosen), contexts, strict=True))
    )
    texts = [e.text for result in results for e in result]
    return texts, sum(cc.cache_hits for cc in contexts)


class TestThroughTheCache:
    async def test_a_repeat_diagnosis_is_served_from_cache(
        self, provider: CloudRunProvider, faults: Faults
    ) -> None:
        gateway = ResilientGateway(rate_limit="1000/minute")
        try:
            first, first_hits = await _comprehensive(provider, gateway)
            calls = faults.total_calls("gcp")
            second, second_hits = await _comprehensive(provider, gateway)
        finally:
            await gateway.close()
        assert first_hits == 0
        assert second_hits > 0
        assert faults.total_calls("gcp") == calls  # nothing reached the platform again
        assert second == first

    async def test_every_answer_is_json(self, provider: CloudRunProvider) -> None:
        texts, _ = await _comprehensive(provider, JsonRoundTrip())
        assert any("Memory limit of 512 MiB exceeded" in t for t in texts)
