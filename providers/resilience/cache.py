"""Two cache levels: L1 an in-process LRU bounded in bytes, L2 Redis with zlib-compressed values.

Values are JSON-shaped; both levels store them as bytes, so their size is known
and a hit hands every caller its own copy. Expiry follows each call's TTL.
"""

from __future__ import annotations

import json
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import Final

from providers.gateway import Json
from providers.resilience.clock import Clock
from providers.resilience.redis_state import REDIS_ERRORS, RedisLink, as_bytes


class _Missing:
    """The marker for "not cached" (None is a valid cached JSON value)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

# Compressing tiny values costs more than it saves.
_COMPRESS_MIN_BYTES = 512


def encode(value: Json) -> bytes:
    """Compact JSON bytes for a JSON-shaped value."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def decode(blob: bytes) -> Json:
    """The value back from `encode` output."""
    return json.loads(blob)


@dataclass(slots=True)
class _Entry:
    blob: bytes
    compressed: bool
    stored_at: float
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
        """The cached value, or MISSING when absent or expired."""
        entry = self._entries.get(key)
        if entry is None:
            return MISSING
        if entry.expires_at <= self._clock.now():
            self._drop(key)
            return MISSING
        self._entries.move_to_end(key)
        blob = zlib.decompress(entry.blob) if entry.compressed else entry.blob
        return decode(blob)

    def put(self, key: str, value: Json, ttl_s: float) -> None:
        """Store `value` for `ttl_s` seconds (values larger than the whole cache are skipped)."""
        self.put_blob(key, encode(value), ttl_s)

    def put_blob(self, key: str, blob: bytes, ttl_s: float) -> None:
        """Store already-encoded JSON bytes."""
        if ttl_s <= 0 or len(blob) > self.max_bytes:
            return
        if key in self._entries:
            self._drop(key)
        now = self._clock.now()
        self._entries[key] = _Entry(blob, False, now, now + ttl_s)
        self.bytes += len(blob)
        while self.bytes > self.max_bytes:
            oldest = next(iter(self._entries))
            self._drop(oldest)

    def evict_expired(self) -> int:
        """Drop expired entries; return how many went."""
        now = self._clock.now()
        expired = [k for k, e in self._entries.items() if e.expires_at <= now]
        for key in expired:
            self._drop(key)
        return len(expired)

    def compress_older_than(self, age_s: float) -> int:
        """zlib-compress entries stored more than `age_s` ago; return bytes saved."""
        cutoff = self._clock.now() - age_s
        saved = 0
        for entry in self._entries.values():
            if (
                entry.compressed
                or entry.stored_at > cutoff
                or len(entry.blob) < _COMPRESS_MIN_BYTES
            ):
                continue
            packed = zlib.compress(entry.blob, 6)
            if len(packed) < len(entry.blob):
                saved += len(entry.blob) - len(packed)
                entry.blob, entry.compressed = packed, True
        self.bytes -= saved
        return saved

    def clear(self) -> None:
        """Forget everything."""
        self._entries.clear()
        self.bytes = 0

    def _drop(self, key: str) -> None:
        entry = self._entries.pop(key)
        self.bytes -= len(entry.blob)


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
