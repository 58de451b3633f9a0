"""Two cache levels: L1 an in-process LRU bounded in bytes, L2 Redis with zlib-compressed values.

L1 holds hot values decoded, so a hit costs no parsing; every caller shares the
one value, which is read-only by contract (DirectGateway and the per-diagnosis
memo share values the same way). Its budget counts each value's JSON size;
maintenance turns entries that have not been read for a while into compressed
bytes, decoded again on their next hit. L2 holds zlib-compressed JSON.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

import orjson

from providers.gateway import Json
from providers.resilience.clock import Clock
from providers.resilience.redis_state import REDIS_ERRORS, RedisLink, as_bytes


class _Missing:
    """The marker for "not cached" (None is a valid cached JSON value)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

# Integers orjson cannot hold exactly have at least 19 digits (beyond -2**63 or 2**64 - 1).
_LONG_DIGITS = re.compile(rb"[0-9]{19}")
# Compressing tiny values costs more than it saves.
_COMPRESS_MIN_BYTES = 512


def encode(value: Json) -> bytes:
    """Compact UTF-8 JSON bytes for a JSON-shaped value.

    orjson writes the JSON of `json.dumps(separators=(",", ":"), ensure_ascii=False)`
    some 15x faster (every cold provider answer is encoded, for L1's byte budget and
    for L2); either reads the other's bytes back to the same value, though a number
    may be spelt differently (6.1e-05 / 0.000061), and NaN and infinities become
    null, as JSON has no such numbers. What orjson refuses (non-string keys, integers
    beyond 64 bits) goes through the standard library.
    """
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def decode(blob: bytes) -> Json:
    """The value back from `encode` output.

    orjson reads integers beyond 64 bits as floats, silently; a blob with a run of 19
    or more digits (a possible one) is read by the standard library, which keeps them.
    """
    if _LONG_DIGITS.search(blob):
        return json.loads(blob)
    try:
        return orjson.loads(blob)
    except orjson.JSONDecodeError:  # the standard library's own extension: NaN, Infinity
        return json.loads(blob)


@dataclass(slots=True)
class _Entry:
    value: Json | _Missing  # MISSING while the entry is held compressed
    packed: bytes | None  # zlib-compressed JSON of a cold entry
    size: int  # bytes charged to the budget
    json_size: int
    used_at: float
    expires_at: float


class MemoryCache:
    """L1: least-recently-used entries dropped first once `max_bytes` is exceeded."""

    def __init__(self, *, clock: Clock, max_bytes: int = 64 * 1024 * 1024) -> None:
        self._clock = clock
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[str, _Entry] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> Json | _Missing:
        """The cached value (shared, read-only), or MISSING when absent or expired."""
        entry = self._entries.get(key)
        if entry is None:
            return MISSING
        now = self._clock.now()
        if entry.expires_at <= now:
            self._drop(key)
            return MISSING
        self._entries.move_to_end(key)
        entry.used_at = now
        if entry.packed is not None:  # cold: decode once, hot again
            entry.value = decode(zlib.decompress(entry.packed))
            entry.packed = None
            self._charge(entry, entry.json_size)
        return entry.value

    def put(self, key: str, value: Json, ttl_s: float, *, size: int | None = None) -> None:
        """Store `value` for `ttl_s` seconds; `size` is its JSON length when already known.

        Values larger than the whole budget, and zero TTLs, are not stored.
        """
        if ttl_s <= 0:
            return
        json_size = size if size is not None else len(encode(value))
        if json_size > self.max_bytes:
            return
        if key in self._entries:
            self._drop(key)
        now = self._clock.now()
        self._entries[key] = _Entry(value, None, json_size, json_size, now, now + ttl_s)
        self.bytes += json_size
        while self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def evict_expired(self) -> int:
        """Drop expired entries; return how many went."""
        now = self._clock.now()
        expired = [k for k, e in self._entries.items() if e.expires_at <= now]
        for key in expired:
            self._drop(key)
        return len(expired)

    def compress_older_than(self, age_s: float) -> int:
        """Hold entries unread for `age_s` as compressed JSON; return bytes saved."""
        cutoff = self._clock.now() - age_s
        saved = 0
        for entry in self._entries.values():
            if entry.packed is not None or entry.used_at > cutoff:
                continue
            if entry.json_size < _COMPRESS_MIN_BYTES:
                continue
            packed = zlib.compress(encode(entry.value), 6)
            if len(packed) < entry.json_size:
                saved += entry.size - len(packed)
                entry.value, entry.packed = MISSING, packed
                self._charge(entry, len(packed))
        return saved

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
        self.bytes = 0

    def _charge(self, entry: _Entry, size: int) -> None:
        self.bytes += size - entry.size
        entry.size = size

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key)
        self.bytes -= entry.size


class RedisCache:
    """L2: shared across replicas; a Redis failure reads as a miss and marks the link down."""

    def __init__(self, link: RedisLink) -> None:
        self._link = link

    async def get(self, key: str) -> bytes | None:
        """The JSON bytes stored under `key`, or None (absent, or Redis unreachable)."""
        if not self._link.usable():
            return None
        try:
            packed = await self._link.client.get(self._link.key("c", key))
        except REDIS_ERRORS as exc:
            self._link.failed(exc)
            return None
        self._link.succeeded()
        return zlib.decompress(as_bytes(packed)) if packed is not None else None

    async def put(self, key: str, blob: bytes, ttl_s: float) -> None:
        """Store JSON bytes compressed, expiring after `ttl_s` (skipped when Redis is down)."""
        if ttl_s <= 0 or not self._link.usable():
            return
        try:
            await self._link.client.set(
                self._link.key("c", key), zlib.compress(blob, 6), px=max(1, int(ttl_s * 1000))
            )
        except REDIS_ERRORS as exc:
            self._link.failed(exc)
            return
        self._link.succeeded()
