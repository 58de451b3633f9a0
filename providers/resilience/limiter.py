"""Per-provider rate limits (provider + account/project/cluster).

With Redis the moving window lives there (the `limits` library's), so every
replica draws from one budget; without it (or while Redis is down) each process
keeps its own in memory (LocalWindow: no lock, no thread, O(1) per hit). A call
waits for a token only as long as its deadline allows; past that it is
deferred with ProviderThrottled, never left hanging.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Mapping
from typing import Protocol

from limits import RateLimitItem, RateLimitItemPerSecond, parse
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter

from providers.errors import ProviderThrottled
from providers.resilience.clock import Clock
from providers.resilience.redis_state import REDIS_ERRORS, RedisLink

# A token that frees up within this much after the deadline is still not worth waiting for.
_MIN_WAIT_S = 0.005

# Tokens are counted when taken, platforms count requests when they arrive; requests
# that leave together arrive spread by scheduling and network jitter. Counting over a
# window this much longer than the platform's keeps its own window from ever seeing
# more than the limit (measured in benchmarks/limits.py).
ARRIVAL_MARGIN_S = 1


def with_margin(limit: str, margin_s: int = ARRIVAL_MARGIN_S) -> RateLimitItem:
    """`limit` ("100/minute") as a per-second window lengthened by `margin_s`."""
    item = parse(limit)
    return RateLimitItemPerSecond(item.amount, int(item.get_expiry()) + margin_s)


class Window(Protocol):
    """A moving-window budget: take one hit, or say when the next one frees up."""

    async def hit(self, item: RateLimitItem, key: str) -> bool:
        """Take one token if the window has one."""
        ...

    async def free_in_s(self, item: RateLimitItem, key: str) -> float:
        """Seconds until the oldest hit in the window leaves it."""
        ...


class LocalWindow:
    """An in-process moving window on `clock`: the hit times of each key, oldest first.

    `limits`' own MemoryStorage hands every expiry pass to a worker thread
    (asyncio.to_thread per key), which under load costs each provider call a thread
    hop and a fight for the GIL; one event loop needs no locks at all.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)

    def _trim(self, item: RateLimitItem, key: str) -> deque[float]:
        hits = self._hits[key]
        oldest_kept = self._clock.now() - item.get_expiry()
        while hits and hits[0] <= oldest_kept:
            hits.popleft()
        return hits

    async def hit(self, item: RateLimitItem, key: str) -> bool:
        hits = self._trim(item, key)
        if len(hits) >= item.amount:
            return False
        hits.append(self._clock.now())
        return True

    async def free_in_s(self, item: RateLimitItem, key: str) -> float:
        hits = self._trim(item, key)
        return max(0.0, hits[0] + item.get_expiry() - self._clock.now()) if hits else 0.0


class LimitsWindow:
    """A `limits` moving window over Redis."""

    def __init__(self, storage: RedisStorage) -> None:
        self.storage = storage
        self._strategy = MovingWindowRateLimiter(storage)

    async def hit(self, item: RateLimitItem, key: str) -> bool:
        return await self._strategy.hit(item, key)

    async def free_in_s(self, item: RateLimitItem, key: str) -> float:
        stats = await self._strategy.get_window_stats(item, key)
        return max(0.0, stats.reset_time - time.time())


class SharedWindow:
    """The Redis window while Redis answers, the in-process one while it does not."""

    def __init__(self, link: RedisLink, clock: Clock) -> None:
        self._link = link
        redis_storage = RedisStorage(
            "async+" + link.url,
            implementation="redispy",
            key_prefix=link.key("limits"),
            # one pool, closed with the link (limits types its options as scalars)
            connection_pool=link.client.connection_pool,  # type: ignore[arg-type]
        )
        self.redis = LimitsWindow(redis_storage)
        self.local = LocalWindow(clock)

    async def hit(self, item: RateLimitItem, key: str) -> bool:
        if self._link.usable():
            try:
                allowed = await self.redis.hit(item, key)
            except REDIS_ERRORS as exc:
                self._link.failed(exc)
            else:
                self._link.succeeded()
                return allowed
        return await self.local.hit(item, key)

    async def free_in_s(self, item: RateLimitItem, key: str) -> float:
        if self._link.usable():
            try:
                return await self.redis.free_in_s(item, key)
            except REDIS_ERRORS as exc:
                self._link.failed(exc)
        return await self.local.free_in_s(item, key)


class RateLimiter:
    """Waits for a token per limit key, within the caller's deadline."""

    def __init__(
        self,
        window: Window,
        *,
        clock: Clock,
        default: str = "100/minute",
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        self._window = window
        self._clock = clock
        self._default = with_margin(default)
        self._overrides = {k: with_margin(v) for k, v in (overrides or {}).items()}

    def limit_for(self, limit_key: str) -> RateLimitItem:
        """The limit of a `provider:scope` key: its own override, its provider's, or the default."""
        provider = limit_key.split(":", 1)[0]
        return self._overrides.get(limit_key) or self._overrides.get(provider) or self._default

    async def acquire(self, limit_key: str, *, deadline: float | None) -> float:
        """Take a token, waiting while the deadline allows; return the seconds waited.

        Raises ProviderThrottled("deferred") when no token frees up in time.
        """
        item = self.limit_for(limit_key)
        started = self._clock.now()
        while not await self._window.hit(item, limit_key):
            wait = max(await self._window.free_in_s(item, limit_key), _MIN_WAIT_S)
            if deadline is not None and self._clock.now() + wait >= deadline:
                provider = limit_key.split(":", 1)[0]
                raise ProviderThrottled("deferred", provider=provider, retry_after_s=wait)
            await self._clock.sleep(wait)
        return self._clock.now() - started
