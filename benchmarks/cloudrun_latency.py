"""Cloud Run collection time under realistic API latency, as a ratio to the slowest call chain.

Starts the gRPC sandbox with per-method latency injected, runs the real pipeline
(`analysis.pipeline.run_diagnosis`, no cache) for each Cloud Run scenario at both
depths, and prints one JSON line. The slowest chain of dependent calls is derived
from the calls actually made: GetService, then either the log pages one after the
other, GetRevision, ListRevisions or a ListTimeSeries.

    .venv/bin/python benchmarks/cloudrun_latency.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

# Run as a script, this folder would come first and benchmarks/analysis.py would shadow
# the `analysis` package.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.engine import Engine
from analysis.model import DiagnosticRequest
from analysis.pipeline import run_diagnosis
from providers.gateway import DirectGateway
from providers.gcp import CloudRunProvider, create
from providers.model import CloudRunLocation, Depth, ServiceTarget
from providers.registry import ProviderSettings
from providers.sandbox.expected import EXPECTED_ROOT_CAUSE
from providers.sandbox.faults import Faults
from providers.sandbox.gcp import start

SERVICES = ("search-frontend", "profile-svc", "media-resizer", "accounts-api")
LATENCY_S = {
    "GetService": 0.060,
    "GetRevision": 0.050,
    "ListRevisions": 0.050,
    "ListLogEntries": 0.250,  # per page
    "ListTimeSeries": 0.150,
}


def _chain_s(calls: dict[str, int]) -> float:
    """The slowest path of dependent calls one diagnosis made (log pages are sequential)."""
    after_service = [LATENCY_S["ListLogEntries"] * calls.get("ListLogEntries", 0)]
    after_service += [
        LATENCY_S[m] for m in ("GetRevision", "ListRevisions", "ListTimeSeries") if calls.get(m)
    ]
    return LATENCY_S["GetService"] + max(after_service)


async def _one(
    provider: CloudRunProvider, engine: Engine, faults: Faults, service: str, depth: Depth
) -> dict[str, float]:
    target = ServiceTarget(
        service, "cloudrun", CloudRunLocation("acme-sandbox", "us-central1", service)
    )
    before = dict(faults.calls)
    bytes_before = faults.bytes_sent["gcp"]
    started = time.perf_counter()
    diagnosis = await run_diagnosis(
        DiagnosticRequest(target, depth),
        provider,
        DirectGateway(),
        engine,
        budget_s=30.0,
    )
    wall = time.perf_counter() - started
    calls = {
        k.split(":", 1)[1]: n - before.get(k, 0)
        for k, n in faults.calls.items()
        if n - before.get(k, 0)
    }
    chain = _chain_s(calls)
    collect = diagnosis.timings["collect_ms"] / 1000
    return {
        "collect_s": collect,
        "wall_s": wall,
        "chain_s": chain,
        "ratio": collect / chain,
        "within_target": float(collect <= 1.1 * chain + 0.050),
        "calls": float(sum(calls.values())),
        "bytes": float(faults.bytes_sent["gcp"] - bytes_before),
        "top_ok": float(
            diagnosis.top is not None and diagnosis.top.category == EXPECTED_ROOT_CAUSE[service]
        ),
    }


def _summary(runs: list[dict[str, float]]) -> dict[str, object]:
    ratios = sorted(r["ratio"] for r in runs)
    within = int(sum(r["within_target"] for r in runs))
    return {
        "runs": len(runs),
        "chain_ms_max": round(max(r["chain_s"] for r in runs) * 1000, 1),
        "collect_ms_median": round(statistics.median(r["collect_s"] for r in runs) * 1000, 1),
        "collect_ms_max": round(max(r["collect_s"] for r in runs) * 1000, 1),
        "wall_ms_median": round(statistics.median(r["wall_s"] for r in runs) * 1000, 1),
        "ratio_median": round(statistics.median(ratios), 3),
        "ratio_max": round(ratios[-1], 3),
        "within_1.1x_plus_50ms": f"{within}/{len(runs)}",
        "calls_per_diagnosis_max": int(max(r["calls"] for r in runs)),
        "kb_per_diagnosis_max": round(max(r["bytes"] for r in runs) / 1024, 1),
        "top_finding_correct": f"{int(sum(r['top_ok'] for r in runs))}/{len(runs)}",
    }


async def main(repeat: int) -> dict[str, object]:
    faults = Faults()
    with tempfile.TemporaryDirectory() as tmp:
        emulator = await start(faults, Path(tmp))
        provider = create(ProviderSettings(**emulator.settings()))  # type: ignore[arg-type]
        engine = Engine.load()
        try:
            for service in SERVICES:  # warm-up: build scenarios, open the channel
                await _one(provider, engine, faults, service, "basic")
            for method, latency in LATENCY_S.items():
                faults.set("gcp", method, latency_s=latency)
            out: dict[str, object] = {
                "benchmark": "cloudrun_latency",
                "repeat": repeat,
                "latency_ms": {k: v * 1000 for k, v in LATENCY_S.items()},
                # CPU contention stretches the client-side decoding: say how busy the box was.
                "loadavg_1m_at_start": round(os.getloadavg()[0], 2),
            }
            depths: tuple[Depth, ...] = ("basic", "comprehensive")
            for depth in depths:
                runs = [
                    await _one(provider, engine, faults, s, depth)
                    for _ in range(repeat)
                    for s in SERVICES
                ]
                out[depth] = _summary(runs)
            return out
        finally:
            await provider.close()
            await emulator.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per service and depth")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(max(1, min(args.repeat, 20))))))
