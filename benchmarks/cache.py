"""The repeated-query workload: people re-running /diagnose on the same services during an incident.

240 requests by different people over 40 s (seeded random arrivals) for four
broken services (one per platform, plus a second Kubernetes one), one bot with
L1 + L2 (a Redis of its own), realistic latency. Halfway through, payments-worker
gets a new rollout; no call for the old rollout may be answered once the
deployment's status TTL (5 s) has passed. Target: >= 95 % and never stale.

Figures, each with its definition:
- lookup_hit_rate: gateway lookups answered by the Kubernetes watch cache, L1, L2
  or a shared in-flight call, over all lookups (a miss is a lookup that reached
  the platform);
- request_level_hit_rate: 1 - provider requests made / what the same requests
  would cost uncached (one cold diagnosis each) -- "calls saved";
- requests_without_provider_request: /diagnose requests that caused no provider
  request of their own -- answered wholly from cache, or by joining an identical
  diagnosis already running (those make no lookups at all, so they appear in
  neither of the rates above);
- requests_by_operation: which calls reached the platform, with their TTLs;
- watch_requests: lists and watch openings the watch cache made (they are in
  provider_requests_made, not in the lookups);
- stale_answers_after_1s: calls for the old rollout made more than 1 s after the
  rollout (what the watch cache bounds; the status TTL bounded it at 5 s).

    .venv/bin/python -m benchmarks.cache [--seconds 40] [--requests 240]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from benchmarks.harness import (
    REQUEST_RECORDS,
    CallRecord,
    Recorder,
    SandboxProcess,
    emit,
    remote_bot,
)
from benchmarks.redis_server import RedisServer
from bot.diagnoser import Diagnoser
from providers.kubernetes import KubernetesProvider
from providers.resilience.gateway import ResilientGateway

SERVICES = ["payments-worker", "checkout-api", "search-frontend", "orders-api"]
ROLLOUT = ("payments", "payments-worker")
STATUS_TTL_S = 5.0  # the Kubernetes provider's TTL for the Deployment read


async def cold_cost(sandbox: SandboxProcess) -> dict[str, int]:
    """Provider requests one uncached diagnosis of each service makes."""
    cost: dict[str, int] = {}
    async with remote_bot(sandbox.settings, rate_limit="100000/minute") as bot:
        gateway = bot.gateway
        assert isinstance(gateway, ResilientGateway)
        for name in SERVICES:
            await bot.diagnose(bot.request(name))  # warm clients
            gateway.l1.clear()
            before = sandbox.total_calls()
            await bot.diagnose(bot.request(name))
            cost[name] = sandbox.total_calls() - before
    return cost


async def workload(
    bot: Diagnoser, sandbox: SandboxProcess, seconds: float, count: int
) -> tuple[list[tuple[str, int, int]], float, str]:
    rng = random.Random(42)
    arrivals = sorted((rng.uniform(0, seconds), rng.choice(SERVICES)) for _ in range(count))
    started = time.perf_counter()
    rollout_at = 0.0
    revision = ""

    async def one(at: float, name: str, n: int) -> tuple[str, int, int]:
        await asyncio.sleep(max(0.0, at - (time.perf_counter() - started)))
        mine: list[CallRecord] = []
        REQUEST_RECORDS.set(mine)  # this task's context only
        diagnosis = await bot.diagnose(bot.request(name, requested_by=f"U{n}"))
        top = diagnosis.analysis.findings[0].category if diagnosis.analysis.findings else "-"
        return top, len(mine), sum(r.reached for r in mine)

    async def new_rollout() -> None:
        nonlocal rollout_at, revision
        await asyncio.sleep(seconds / 2)
        rollout_at = time.perf_counter()
        revision = str(
            sandbox.command(cmd="rollout", namespace=ROLLOUT[0], deployment=ROLLOUT[1])["revision"]
        )

    rolling = asyncio.create_task(new_rollout())
    found = await asyncio.gather(*(one(at, name, n) for n, (at, name) in enumerate(arrivals)))
    await rolling
    return list(found), rollout_at, revision


async def main(seconds: float, count: int) -> None:
    sandbox = SandboxProcess(latency=True)
    redis = RedisServer()
    try:
        cost = await cold_cost(sandbox)
        async with remote_bot(
            sandbox.settings, redis_url=redis.url, rate_limit="100000/minute"
        ) as bot:
            for name in SERVICES:  # warm clients, then forget what that cached
                await bot.diagnose(bot.request(name))
            gateway = bot.gateway
            assert isinstance(gateway, ResilientGateway)
            gateway.l1.clear()
            kubernetes = bot.provider("kubernetes")
            assert isinstance(kubernetes, KubernetesProvider)
            await kubernetes.stop_watches()  # cold too: the workload starts them lazily
            await gateway.link.client.flushdb()  # type: ignore[union-attr]  # our own server
            gateway.stats.clear()
            recorder = Recorder(gateway)
            bot.gateway = recorder
            before = sandbox.command(cmd="stats")["calls"]
            found, rollout_at, revision = await workload(bot, sandbox, seconds, count)
            after = sandbox.command(cmd="stats")["calls"]
            made = sum(after.values()) - sum(before.values())
            watching = {
                op.split(":", 1)[1]: n - before.get(op, 0)
                for op, n in after.items()
                if op.startswith("kubernetes:watch_")
                or op in ("kubernetes:list_deployments", "kubernetes:list_nodes")
                or (op.startswith("kubernetes:list_") and n - before.get(op, 0) > 0)
            }
            bot.gateway = gateway
            stats = dict(gateway.stats)
    finally:
        sandbox.close()
        redis.stop()
    old = f"rev{int(revision) - 1}:"
    mine = [r for r in recorder.records if ("namespace", ROLLOUT[0]) in r.call.params]
    stale = [
        r
        for r in mine
        if (r.call.rollout or "").startswith(old) and r.start > rollout_at + STATUS_TTL_S
    ]
    stale_1s = [
        r for r in mine if (r.call.rollout or "").startswith(old) and r.start > rollout_at + 1.0
    ]
    fresh = [r for r in mine if (r.call.rollout or "").startswith(f"rev{revision}:")]
    joined = sum(1 for _, lookups, _ in found if lookups == 0)
    from_cache = sum(1 for _, lookups, reached in found if lookups and not reached)
    misses: dict[str, int] = {}
    for record in recorder.records:
        if record.reached:
            what = f"{record.call.provider}:{record.call.operation} ttl={record.call.ttl_s:g}s"
            misses[what] = misses.get(what, 0) + 1
    levels = ("watch", "l1", "l2", "shared", "miss")
    lookups = sum(stats.get(k, 0) for k in levels)
    hits = lookups - stats.get("miss", 0)
    uncached = sum(cost[name] for name in SERVICES) / len(SERVICES) * count
    emit(
        "cache",
        requests=count,
        seconds=seconds,
        reports=len(found),
        requests_joining_a_running_diagnosis=joined,
        requests_answered_from_cache=from_cache,
        requests_without_provider_request=round((joined + from_cache) / count, 4),
        cold_requests_per_diagnosis=cost,
        gateway_lookups=lookups,
        lookup_hit_rate=round(hits / lookups, 4) if lookups else None,
        lookups_by_level={k: stats.get(k, 0) for k in levels},
        provider_requests_made=made,
        watch_requests=made - stats.get("miss", 0),
        kubernetes_list_and_watch_requests=watching,
        requests_by_operation=dict(sorted(misses.items(), key=lambda kv: -kv[1])),
        provider_requests_uncached_estimate=round(uncached),
        provider_requests_saved=round(uncached - made),
        request_level_hit_rate=round(1 - made / uncached, 4),
        rollout_revision=revision,
        calls_for_new_rollout=len(fresh),
        stale_answers_after_status_ttl=len(stale),
        stale_answers_after_1s=len(stale_1s),
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=40.0)
    parser.add_argument("--requests", type=int, default=240)
    args = parser.parse_args()
    asyncio.run(main(args.seconds, args.requests))
