"""Three bot processes sharing one Redis drive one provider hard; the shared limit holds.

A limit of "20/10 seconds" (instead of the default 100/minute, to keep the run
short) on AWS (one account and region). Each bot process runs 6 diagnosis loops
over the four ECS services for 30 s, every request distinct so caches cannot
absorb the load. The sandbox (its own process) timestamps every request that
reaches it; the figure is the most requests in any 10 s window.

    .venv/bin/python -m benchmarks.limits [--seconds 30]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import subprocess
import sys
import time
from datetime import timedelta
from typing import Any

from benchmarks.harness import Recorder, SandboxProcess, emit, remote_bot
from benchmarks.redis_server import RedisServer
from providers.resilience.gateway import ResilientGateway

LIMIT = "20/10 seconds"
WINDOW_S, AMOUNT = 10.0, 20
ECS = ["checkout-api", "billing-api", "inventory-svc", "notifications-worker"]


async def bot(redis_url: str, sandbox: dict[str, Any], seconds: float, loops: int) -> None:
    counts = {"diagnoses": 0, "components": 0, "deferred": 0, "errors": 0}
    stop_at = time.monotonic() + seconds

    async with remote_bot(sandbox, redis_url=redis_url, rate_limit=LIMIT) as diagnoser:
        gateway = diagnoser.gateway
        recorder = Recorder(gateway)
        diagnoser.gateway = recorder

        async def loop(k: int) -> None:
            i = 0
            while time.monotonic() < stop_at:
                i += 1
                request = diagnoser.request(ECS[(k + i) % len(ECS)])
                shift = timedelta(seconds=k * 100_000 + i)  # distinct: nothing cached or shared
                request = dataclasses.replace(request, window=request.window + shift)
                diagnosis = await diagnoser.diagnose(request)
                counts["diagnoses"] += 1
                for c in diagnosis.components:
                    counts["components"] += 1
                    counts["deferred"] += "deferred" in (c.message or "")
                    counts["errors"] += c.status in ("error", "timeout")

        await asyncio.gather(*(loop(k) for k in range(loops)))
        diagnoser.gateway = gateway
        assert isinstance(gateway, ResilientGateway)
        counts["attempts"] = gateway.stats["attempts"]
    # wall-clock time each request left this bot (breaker passed, token taken)
    offset = time.time() - time.perf_counter()
    sent = [r.start + offset for r in recorder.records if r.reached]
    print(json.dumps({**counts, "sent": sent}), flush=True)


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


def main(seconds: float) -> None:
    redis = RedisServer()
    sandbox = SandboxProcess(latency=True)
    try:
        settings = json.dumps(sandbox.settings)
        args = [sys.executable, "-m", "benchmarks.limits", "--bot", redis.url, settings]
        started = time.time()
        procs = [
            subprocess.Popen([*args, str(seconds)], stdout=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        outs = [json.loads(p.communicate(timeout=seconds + 120)[0]) for p in procs]
        elapsed = time.time() - started
        times = [t for t in sandbox.command(cmd="times", platform="aws")["times"] if t >= started]
    finally:
        sandbox.close()
        redis.stop()
    emit(
        "limits",
        limit=LIMIT,
        processes=3,
        seconds=round(elapsed, 1),
        requests_reaching_provider=len(times),
        requests_sent_by_bots=sum(o["attempts"] for o in outs),
        max_in_any_10s_window=max_in_window(times, WINDOW_S),
        max_sent_in_any_10s_window=max_in_window([t for o in outs for t in o["sent"]], WINDOW_S),
        allowed_per_window=AMOUNT,
        never_exceeded=max_in_window(times, WINDOW_S) <= AMOUNT,
        diagnoses=sum(o["diagnoses"] for o in outs),
        components=sum(o["components"] for o in outs),
        components_deferred=sum(o["deferred"] for o in outs),
        per_process=[{k: v for k, v in o.items() if k != "sent"} for o in outs],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--bot", nargs=3, metavar=("REDIS_URL", "SANDBOX_JSON", "SECONDS"))
    args = parser.parse_args()
    if args.bot:
        url, sandbox_json, secs = args.bot
        asyncio.run(bot(url, json.loads(sandbox_json), float(secs), loops=6))
    else:
        main(args.seconds)
