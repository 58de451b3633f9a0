"""1, 50, 100 and 500 concurrent diagnoses over a mix of services, vs a lone diagnosis.

Each level starts with a cold cache; diagnoses are spread round-robin over the
12 sandbox services with realistic latency injected. Two modes: "shared", the
real workload (identical concurrent requests share one run), and "distinct",
where every request differs (its window by a few seconds), so each one runs
its own pipeline and analysis (provider calls are still cached and shared). A diagnosis's latency is
divided by a lone, cold diagnosis of the same service, so the mix of fast and
slow platforms cancels out. Target: p95 of that ratio <= 1.2. Also: RSS growth
per session (peak during the level minus before, / N; target < 5 MB) and the
bot's CPU per diagnosis (per level, and per platform for lone cold and warm-cache
diagnoses: the cost that decides how many fit on one core). The emulators run in
a process of their own (benchmarks.sandbox_server), as a real platform would be
elsewhere.

The admission bound is raised to 500 and the rate limit lifted so neither queues
nor defers (limits.py and faults.py measure those).

    .venv/bin/python -m benchmarks.concurrency [--levels 1,50,100,500] [--gc stock|T0,T1,T2] [--pin]
        [--no-memo]

By default the bot's garbage collector is tuned as `deploy-feedback serve` tunes
it (bot.process.tune_gc, once the bot is warm); --gc stock keeps Python's own
settings, --gc T0,T1,T2 tries other thresholds (with gc.freeze()).

The emulators reuse their answers to repeated reads (providers/sandbox/memo.py): a
real platform answers the fiftieth identical read as fast as the first, while moto
and the Cloud Run fakes spend milliseconds of CPU per answer, which queues under
load and would be counted as the bot's slowdown. Injected latency and faults still
apply to every call; --no-memo measures with the emulators computing every answer.

--pin puts the emulators and the bot on different cores (half each; only with 2 or
more usable cores), as a remote platform's work would not compete with the bot's.
Its figures are a separate configuration, reported as such (`pinned` in the output),
not the default figure: other processes on the machine still share both halves.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import sys
import time
from datetime import timedelta

from benchmarks.harness import (
    SandboxProcess,
    cpu_s,
    emit,
    percentile,
    pin,
    remote_bot,
    round_ms,
    rss_bytes,
    split_cores,
)
from bot.diagnoser import Diagnoser
from bot.process import tune_gc
from providers.resilience.gateway import ResilientGateway


async def timed(bot: Diagnoser, name: str, distinct: int = 0) -> tuple[str, float, bool]:
    request = bot.request(name)
    if distinct:  # a window differing by seconds: not the same request, nothing to share
        request = dataclasses.replace(request, window=request.window + timedelta(seconds=distinct))
    started = time.perf_counter()
    diagnosis = await bot.diagnose(request)
    complete = all(c.status in ("ok", "cached", "skipped") for c in diagnosis.components)
    return name, time.perf_counter() - started, complete


async def peak_rss(stop: asyncio.Event, into: list[int]) -> None:
    while not stop.is_set():
        into.append(rss_bytes())
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.01)


async def main(
    levels: list[int],
    gc_thresholds: tuple[int, ...] | None = None,
    *,
    pinned: bool = False,
    memo: bool = True,
) -> None:
    cores = split_cores() if pinned else None
    if pinned and cores is None:
        print("--pin: fewer than 2 usable cores, running unpinned", file=sys.stderr)
    sandbox = SandboxProcess(latency=True, cores=cores[1] if cores else None, memo=memo)
    if cores:
        pin(cores[0])
    try:
        await run_levels(sandbox, levels, gc_thresholds, cores, memo=memo)
    finally:
        sandbox.close()


async def run_levels(
    sandbox: SandboxProcess,
    levels: list[int],
    gc_thresholds: tuple[int, ...] | None = None,
    cores: tuple[set[int], set[int]] | None = None,
    *,
    memo: bool = True,
) -> None:
    async with remote_bot(sandbox.settings, rate_limit="1000000/minute", max_concurrent=500) as bot:
        gateway = bot.gateway
        assert isinstance(gateway, ResilientGateway)
        names = bot.catalog.names()
        for name in names:  # warm clients and code paths, as in a running bot
            await bot.diagnose(bot.request(name))
        if gc_thresholds is None:
            tune_gc()  # what `deploy-feedback serve` does after start-up
        elif gc_thresholds:
            gc.set_threshold(*gc_thresholds)
            gc.collect()
            gc.freeze()
        lone: dict[str, float] = {}
        cpu: dict[str, list[float]] = {}  # "<platform> cold|warm" -> CPU ms of lone diagnoses
        for name in names:
            platform = bot.request(name).target.platform
            samples = []
            for _ in range(3):
                gateway.l1.clear()
                before = cpu_s()
                samples.append((await timed(bot, name))[1])
                cpu.setdefault(f"{platform} cold", []).append((cpu_s() - before) * 1000)
            lone[name] = sorted(samples)[1]
            for _ in range(3):  # warm: every call answered by L1
                before = cpu_s()
                await timed(bot, name)
                cpu.setdefault(f"{platform} warm", []).append((cpu_s() - before) * 1000)
        results: dict[str, object] = {}
        for mode, n in [(m, n) for m in ("shared", "distinct") for n in levels]:
            gateway.l1.clear()
            gateway.stats.clear()  # provider_requests counts this level's requests only
            gc.collect()
            rss_before, cpu_before = rss_bytes(), cpu_s()
            sandbox_before = sandbox.cpu_s()
            stop, rss_samples = asyncio.Event(), list[int]()
            sampler = asyncio.create_task(peak_rss(stop, rss_samples))
            started = time.perf_counter()
            runs = await asyncio.gather(
                *(
                    timed(bot, names[i % len(names)], i + 1 if mode == "distinct" else 0)
                    for i in range(n)
                )
            )
            wall = time.perf_counter() - started
            stop.set()
            await sampler
            ratios = [elapsed / lone[name] for name, elapsed, _ in runs]
            by_platform: dict[str, list[float]] = {}
            for name, elapsed, _ in runs:
                platform = bot.request(name).target.platform
                by_platform.setdefault(platform, []).append(elapsed / lone[name])
            latencies = [elapsed for _, elapsed, _ in runs]
            results[f"{mode}:{n}"] = {
                "p50_ms": round_ms(percentile(latencies, 50)),
                "p95_ms": round_ms(percentile(latencies, 95)),
                "ratio_to_lone_p50": round(percentile(ratios, 50), 3),
                "ratio_to_lone_p95": round(percentile(ratios, 95), 3),
                # Which platform's diagnoses the tail is made of.
                "ratio_to_lone_p95_by_platform": {
                    k: round(percentile(v, 95), 3) for k, v in sorted(by_platform.items())
                },
                "complete_reports": sum(ok for *_, ok in runs),
                "wall_s": round(wall, 2),
                "rss_growth_per_session_kb": round(
                    (max([*rss_samples, rss_bytes()]) - rss_before) / n / 1024, 1
                ),
                "cpu_ms_per_diagnosis": round((cpu_s() - cpu_before) * 1000 / n, 2),
                # The emulators answer on the same 2 cores: their CPU is not the bot's, but
                # it competes with it here (a real platform would be elsewhere).
                "sandbox_cpu_ms": round((sandbox.cpu_s() - sandbox_before) * 1000, 1),
                "provider_requests": gateway.stats["attempts"],
            }
            gateway.stats.clear()
    emit(
        "concurrency",
        target="p95 ratio <= 1.2; RSS < 5 MB/session",
        lone_ms={k: round_ms(v) for k, v in sorted(lone.items())},
        lone_cpu_ms_median={k: round(percentile(v, 50), 2) for k, v in sorted(cpu.items())},
        pinned={"bot": sorted(cores[0]), "sandbox": sorted(cores[1])} if cores else None,
        emulator_memo=sandbox.command(cmd="stats")["memo"] if memo else None,
        gc_thresholds=list(gc.get_threshold()),
        gc_frozen=gc.get_freeze_count(),
        levels=results,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", default="1,50,100,500")
    parser.add_argument(
        "--pin", action="store_true", help="the emulators and the bot on different cores"
    )
    parser.add_argument(
        "--no-memo",
        action="store_true",
        help="emulators compute every answer (their CPU then grows with the bot's load)",
    )
    parser.add_argument(
        "--gc", default=None, help="default: as `serve` ships; 'stock' = Python's; or 50000,20,100"
    )
    args = parser.parse_args()
    thresholds: tuple[int, ...] | None = None
    if args.gc == "stock":
        thresholds = ()
    elif args.gc:
        thresholds = tuple(int(x) for x in args.gc.split(","))
    asyncio.run(
        main(
            [int(x) for x in args.levels.split(",")],
            thresholds,
            pinned=args.pin,
            memo=not args.no_memo,
        )
    )
