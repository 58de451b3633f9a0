"""A bot replica in its own process, for the multi-process tests (run as a script).

    replica.py limits REDIS_URL PREFIX RATE N   -> {"allowed": a, "deferred": d, "requests": r}
    replica.py flight REDIS_URL PREFIX ROLE            -> {"value": ..., "cached": bool}

In `flight` mode the provider call counts itself in Redis and, as the leader,
blocks until the test pushes "go"; a follower announces when it starts waiting.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import redis.asyncio as aioredis

from providers.errors import ProviderThrottled
from providers.gateway import Call, Json
from providers.resilience.clock import LoopClock
from providers.resilience.gateway import ResilientGateway


async def limits(url: str, prefix: str, rate: str, n: int) -> dict[str, int]:
    """Make `n` distinct calls without waiting for tokens; count what got through."""
    gateway = ResilientGateway(redis_url=url, redis_prefix=prefix, rate_limit=rate)
    allowed = deferred = requests = 0

    async def answer() -> Json:
        nonlocal requests
        requests += 1
        return {"ok": True}

    try:
        for i in range(n):
            # distinct per process: identical calls would be shared, not limited
            params = (("i", str(i)), ("replica", str(os.getpid())))
            call = Call("ecs", "123456789012", "DescribeServices", params, ttl_s=0)
            try:
                await gateway.fetch(call, answer, deadline=asyncio.get_running_loop().time() + 2)
                allowed += 1
            except ProviderThrottled:
                deferred += 1
    finally:
        await gateway.close()
    return {"allowed": allowed, "deferred": deferred, "requests": requests}


class AnnouncingClock(LoopClock):
    """Pushes "waiting" to Redis the first time the follower polls for the leader's answer."""

    def __init__(self, client: aioredis.Redis, key: str) -> None:
        self._client, self._key, self._told = client, key, False

    async def sleep(self, seconds: float) -> None:
        if not self._told:
            self._told = True
            await self._client.rpush(self._key, "waiting")
        await super().sleep(seconds)


async def flight(url: str, prefix: str, role: str) -> dict[str, object]:
    client = aioredis.from_url(url)
    clock = AnnouncingClock(client, prefix + "test:follower")
    gateway = ResilientGateway(redis_url=url, redis_prefix=prefix, clock=clock)

    async def describe() -> Json:
        await client.incr(prefix + "test:calls")
        await client.rpush(prefix + "test:started", role)
        await client.blpop([prefix + "test:go"], timeout=20)
        return {"status": "ACTIVE", "by": role}

    call = Call("ecs", "123456789012", "DescribeServices", (("service", "checkout-api"),), 30)
    try:
        got = await gateway.fetch(call, describe, deadline=asyncio.get_running_loop().time() + 20)
    finally:
        await gateway.close()
        await client.aclose()
    return {"value": got.value, "cached": got.cached}


def main() -> None:
    mode, url, prefix, *rest = sys.argv[1:]
    if mode == "limits":
        out: dict[str, object] = dict(asyncio.run(limits(url, prefix, rest[0], int(rest[1]))))
    else:
        out = asyncio.run(flight(url, prefix, rest[0]))
    print(json.dumps(out))


if __name__ == "__main__":
    main()
