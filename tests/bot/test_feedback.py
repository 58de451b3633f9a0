"""👍/👎 counted per pattern, one vote per person per report; in memory and in Redis."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from bot.feedback import FeedbackStore, Tally


async def _votes(store: FeedbackStore) -> list[Tally]:
    return [
        await store.record(pattern="p-oom", vote="up", user="U1", report="r1"),
        await store.record(pattern="p-oom", vote="up", user="U1", report="r1"),  # same again
        await store.record(pattern="p-oom", vote="down", user="U2", report="r1"),
        await store.record(pattern="p-oom", vote="down", user="U1", report="r1"),  # changed mind
        await store.record(pattern="p-oom", vote="up", user="U1", report="r2"),  # another report
    ]


EXPECTED = [Tally(1, 0), Tally(1, 0), Tally(1, 1), Tally(0, 2), Tally(1, 2)]


async def test_in_memory() -> None:
    store = FeedbackStore()
    assert await _votes(store) == EXPECTED
    assert await store.tally("other") == Tally(0, 0)


async def test_in_redis_hash(redis_url: str, redis_prefix: str) -> None:
    client = aioredis.from_url(redis_url)
    try:
        store = FeedbackStore(redis=client, prefix=redis_prefix)
        assert await _votes(store) == EXPECTED
        raw = await client.hgetall(f"{redis_prefix}feedback:p-oom")
        assert raw == {b"up": b"1", b"down": b"2"}
    finally:
        await client.aclose()


async def test_a_double_click_counts_once_in_redis(redis_url: str, redis_prefix: str) -> None:
    client = aioredis.from_url(redis_url)
    try:
        store = FeedbackStore(redis=client, prefix=redis_prefix)
        clicks = [
            store.record(pattern="p-oom", vote="up", user="U1", report="r1") for _ in range(5)
        ]
        await asyncio.gather(*clicks)  # the same vote arriving at once (a double click, retries)
        assert await store.tally("p-oom") == Tally(1, 0)
    finally:
        await client.aclose()
