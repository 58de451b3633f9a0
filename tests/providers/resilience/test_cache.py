"""L1 (bytes-bounded LRU) and L2 (Redis, compressed) cache behaviour."""

from __future__ import annotations

import json
import zlib

from hypothesis import given
from hypothesis import strategies as st

from providers.resilience.cache import MISSING, MemoryCache, RedisCache, decode, encode
from providers.resilience.redis_state import RedisLink
from tests.providers.resilience.doubles import ManualClock


class TestMemoryCache:
    """L1 keeps the most recently used values within its byte budget."""

    def test_a_hit_hands_back_the_stored_value_without_parsing(self, clock: ManualClock) -> None:
        cache = MemoryCache(clock=clock)
        value = {"pods": [{"name": "a", "restarts": 3}], "ok": None}
        cache.put("k", value, 30)
        assert cache.get("k") is value
        assert cache.bytes == len(encode(value))
        cache.put("null", None, 30)
        assert cache.get("null") is None

    def test_entries_expire_after_their_ttl(self, clock: ManualClock) -> None:
        cache = MemoryCache(clock=clock)
        cache.put("k", [1], 10)
        clock.advance(9.9)
        assert cache.get("k") == [1]
        clock.advance(0.2)
        assert cache.get("k") is MISSING
        assert cache.bytes == 0

    def test_the_least_recently_used_entry_goes_first_when_over_budget(
        self, clock: ManualClock
    ) -> None:
        one = "x" * 100
        cache = MemoryCache(clock=clock, max_bytes=len(encode(one)) * 3)
        for key in ("a", "b", "c"):
            cache.put(key, one, 60)
        assert cache.get("a") == one  # a is now the most recent
        cache.put("d", one, 60)
        assert cache.get("b") is MISSING
        assert MISSING not in (cache.get("a"), cache.get("c"), cache.get("d"))
        assert cache.bytes <= cache.max_bytes

    def test_zero_ttl_and_oversized_values_are_not_stored(self, clock: ManualClock) -> None:
        cache = MemoryCache(clock=clock, max_bytes=50)
        cache.put("zero", 1, 0)
        cache.put("huge", "y" * 100, 60)
        assert len(cache) == 0

    def test_maintenance_compresses_old_entries_and_drops_expired(self, clock: ManualClock) -> None:
        cache = MemoryCache(clock=clock)
        logs = {"lines": ["ERROR connection refused to db:5432"] * 200}
        cache.put("old", logs, 3600)
        cache.put("short", 1, 5)
        clock.advance(600)
        cache.put("young", logs, 3600)
        before = cache.bytes
        assert cache.evict_expired() == 1
        saved = cache.compress_older_than(300)
        assert saved > 0
        assert cache.bytes == before - len(encode(1)) - saved
        assert cache.get("old") == logs
        assert cache.get("young") == logs


class TestRedisCache:
    """L2 stores compressed values in Redis with the call's TTL."""

    async def test_values_round_trip_compressed_with_their_ttl(
        self, redis_url: str, redis_prefix: str
    ) -> None:
        link = RedisLink(redis_url, prefix=redis_prefix)
        cache = RedisCache(link)
        blob = encode({"lines": ["OOMKilled exit 137"] * 100})
        try:
            await cache.put("k1", blob, 42)
            assert await cache.get("k1") == blob
            assert await cache.get("absent") is None
            raw = await link.client.get(link.key("c", "k1"))
            assert isinstance(raw, bytes)
            assert len(raw) < len(blob)
            assert zlib.decompress(raw) == blob
            ttl_ms = await link.client.pttl(link.key("c", "k1"))
            assert 40_000 < ttl_ms <= 42_000
        finally:
            await link.close()

    async def test_an_unreachable_redis_reads_as_a_miss_and_marks_the_link_down(self) -> None:
        from tests.providers.resilience.doubles import free_port

        link = RedisLink(f"redis://127.0.0.1:{free_port()}/0")
        cache = RedisCache(link)
        try:
            await cache.put("k", b"1", 10)
            assert not link.up
            assert await cache.get("k") is None
        finally:
            await link.close()


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@given(_JSON)
def test_encode_writes_what_the_standard_library_writes(value: object) -> None:
    """The fast encoder is a drop-in: either side reads the other's bytes back to the value
    (replicas of different versions share L2); only number spellings may differ."""
    standard = json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
    assert decode(encode(value)) == value
    assert json.loads(encode(value)) == value
    assert decode(standard) == value


def test_values_the_fast_encoder_refuses_still_round_trip() -> None:
    for value in ({1: "int key"}, {"big": 2**70 + 1}, {"small": -(2**63) - 1}):
        blob = encode(value)
        assert blob == json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()
        assert decode(blob) == json.loads(blob)  # exact, not a float
    assert decode(encode({"big": 2**70 + 1})) == {"big": 2**70 + 1}
    assert decode(b"[NaN]")[0] != decode(b"[NaN]")[0]  # the standard library's NaN token
