"""Basic and comprehensive diagnoses end to end vs the slowest chain of dependent provider calls.

Every sandbox service, cold cache but warm clients, one at a time, with realistic latency at the
emulators (Kubernetes 30 ms, AWS 60 ms, GCP 50 ms per request). The chain is
the longest run of requests that happened one after another, weighted by how
long each took to answer. Target: each diagnosis takes <= 1.1 x its chain + 50 ms.
Also the bytes the emulators sent per cold diagnosis (Faults.bytes_sent; < 300 KB).

    .venv/bin/python -m benchmarks.latency [--watch-namespaces N]

By default the Kubernetes watch cache is not in play: the benchmark wraps the gateway in its
recorder before the providers exist, and the bot hands a provider's live view only to a bare
`ResilientGateway`. `--watch-namespaces N` sets DEPLOY_FEEDBACK_KUBE_WATCH_NAMESPACES, creates
the providers first (so with N > 0 the watch cache answers reads, as in `serve`) and stops every
watch before each timed diagnosis, so each one is a namespace's first: it starts the informers
(lists + watches) while it runs. `--watch-namespaces 0` is the same run without a watch cache.
Each run reports `watch_hits` (its reads the watch cache answered) and `other_requests`
(requests made meanwhile that were not its own: the informers' lists and watch openings).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from benchmarks.harness import Recorder, chain_s, emit, percentile, round_ms, sandboxed_bot
from providers.kubernetes.provider import KubernetesProvider
from providers.model import PLATFORMS, Depth
from providers.resilience.gateway import ResilientGateway


async def main(watch_namespaces: int | None = None) -> None:
    runs: list[dict[str, object]] = []
    settings: dict[str, Any] = {}
    if watch_namespaces is not None:
        settings["kube_watch_namespaces"] = watch_namespaces
    # The limit is raised so that 48 back-to-back diagnoses are not deferred (limits.py
    # measures the limiter itself).
    async with sandboxed_bot(rate_limit="100000/minute", **settings) as bot:
        gateway = bot.gateway
        assert isinstance(gateway, ResilientGateway)
        kube: KubernetesProvider | None = None
        if watch_namespaces is not None:  # providers first: the gateway is still bare
            for platform in PLATFORMS:
                provider = bot.provider(platform)
                if isinstance(provider, KubernetesProvider):
                    kube = provider
        recorder = Recorder(gateway)
        bot.gateway = recorder
        # A running bot has warm clients (connections, gRPC channels, loaded patterns):
        # one untimed pass per service, then every timed run starts with a cold cache.
        for name in bot.catalog.names():
            await bot.diagnose(bot.request(name, depth="comprehensive"))
        for depth in ("basic", "comprehensive"):
            for name in bot.catalog.names():
                d: Depth = "comprehensive" if depth == "comprehensive" else "basic"
                gateway.l1.clear()
                if kube is not None:
                    await kube.stop_watches()
                recorder.records.clear()
                assert bot.sandbox is not None
                bytes_before = sum(bot.sandbox.faults.bytes_sent.values())
                watch_before = gateway.stats["watch"]
                attempts_before = gateway.stats["attempts"]
                started = time.perf_counter()
                diagnosis = await bot.diagnose(bot.request(name, depth=d))
                total = time.perf_counter() - started
                received = sum(bot.sandbox.faults.bytes_sent.values()) - bytes_before
                chain = chain_s(recorder.records)
                floor = chain_s(recorder.records, injected=True)
                runs.append(
                    {
                        "service": name,
                        "depth": depth,
                        "total_ms": round_ms(total),
                        "chain_ms": round_ms(chain),
                        "injected_floor_ms": round_ms(floor),
                        "ratio": round(total / chain, 3) if chain else None,
                        "meets": total <= 1.1 * chain + 0.05,
                        "requests": sum(r.reached for r in recorder.records),
                        "watch_hits": gateway.stats["watch"] - watch_before,
                        "other_requests": gateway.stats["attempts"]
                        - attempts_before
                        - sum(r.reached for r in recorder.records),
                        "response_kb": round(received / 1024, 1),
                        "statuses": sorted({c.status for c in diagnosis.components}),
                    }
                )
    figures: dict[str, object] = {}
    for depth in ("basic", "comprehensive"):
        mine = [r for r in runs if r["depth"] == depth]
        ratios = [float(r["ratio"]) for r in mine if r["ratio"]]  # type: ignore[arg-type]
        over = [float(r["total_ms"]) - 1.1 * float(r["chain_ms"]) for r in mine]  # type: ignore[arg-type]
        figures[depth] = {
            "runs": len(mine),
            "meeting_target": sum(bool(r["meets"]) for r in mine),
            "ratio_p50": round(percentile(ratios, 50), 3),
            "ratio_max": round(max(ratios, default=0), 3),
            "total_ms_p50": percentile([float(r["total_ms"]) for r in mine], 50),  # type: ignore[arg-type]
            "total_ms_max": max(float(r["total_ms"]) for r in mine),  # type: ignore[arg-type]
            "worst_excess_over_1.1x_ms": round(max(over, default=0), 1),
            "response_kb_max": max(float(r["response_kb"]) for r in mine),  # type: ignore[arg-type]
            "response_kb_p50": percentile([float(r["response_kb"]) for r in mine], 50),  # type: ignore[arg-type]
        }
    emit(
        "latency",
        target="total <= 1.1 x chain + 50 ms",
        watch_namespaces=watch_namespaces,
        **figures,
        runs=runs,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--watch-namespaces",
        type=int,
        default=None,
        help="Kubernetes namespaces watched per cluster (0: no watch cache; default: the setting)",
    )
    asyncio.run(main(parser.parse_args().watch_namespaces))
