"""OnceGate: first claim wins, in-process and across replicas through the real Redis."""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.middleware import OnceGate


class TestOnceGate:
    """A key is claimed once per TTL."""

    async def test_in_process(self) -> None:
        gate = OnceGate()
        assert await gate.first("event:Ev1") is True
        assert await gate.first("event:Ev1") is False
        assert await gate.first("event:Ev2") is True

    async def test_in_process_ttl_expires(self) -> None:
        gate = OnceGate()
        assert await gate.first("k", ttl_s=0.0) is True
        assert await gate.first("k", ttl_s=0.0) is True  # already expired

    async def test_shared_through_redis(self, redis_url: str, redis_prefix: str) -> None:
        client_a = aioredis.from_url(redis_url)
        client_b = aioredis.from_url(redis_url)
        try:
            replica_a = OnceGate(redis=client_a, prefix=redis_prefix)
            replica_b = OnceGate(redis=client_b, prefix=redis_prefix)
            assert await replica_a.first("event:Ev1") is True
            assert await replica_b.first("event:Ev1") is False
            ttl = await client_a.pttl(redis_prefix + "event:Ev1")
            assert 300_000 < ttl <= 600_000
        finally:
            await client_a.aclose()
            await client_b.aclose()

    async def test_redis_down_falls_back_to_memory(self) -> None:
        client = aioredis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
        try:
            gate = OnceGate(redis=client)
            assert await gate.first("event:Ev1") is True
            assert await gate.first("event:Ev1") is False
        finally:
            await client.aclose()
