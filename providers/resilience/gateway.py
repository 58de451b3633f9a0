"""`ResilientGateway`: live views -> L1 -> L2 -> single-flight -> breaker -> rate limit -> retry.

Live views (a provider's watch cache) answer first when they can; a call they
answer is a cache hit at level "watch". The requests that keep them current
(lists, watches being opened) go through `request`: breaker and rate limit, one
attempt, no cache.

Each attempt that reaches a platform first passes its endpoint's breaker (an
open one rejects before a token is spent), then takes a rate-limit token, so
retries count against the limit like any other request. Every wait (token,
backoff, a shared call) is bounded by the caller's deadline.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from providers.errors import CircuitOpen, ProviderError, ProviderThrottled, ProviderTimeout
from providers.gateway import Call, Fetched, Json, LiveView
from providers.resilience.breaker import BreakerPolicy, Breakers, CircuitBreaker, State
from providers.resilience.cache import MISSING, MemoryCache, RedisCache, decode, encode
from providers.resilience.clock import Clock, LoopClock, remaining
from providers.resilience.limiter import LocalWindow, RateLimiter, SharedWindow
from providers.resilience.observer import CacheLevel, NullObserver, Observer
from providers.resilience.redis_state import RedisLink
from providers.resilience.retry import RetryPolicy, retrying
from providers.resilience.singleflight import LocalFlights, RedisFlights

Level = Literal["l2", "miss"]
DEFAULT_RETRY = RetryPolicy()
DEFAULT_BREAKER = BreakerPolicy()


class ResilientGateway:
    """The production `Gateway`: caches, shares, limits, breaks and retries provider calls."""

    def __init__(
        self,
        *,
        redis_url: str | None = None,
        redis_prefix: str = "df:",
        redis_retry_s: float = 5.0,
        rate_limit: str = "100/minute",
        rate_limits: Mapping[str, str] | None = None,
        l1_max_bytes: int = 64 * 1024 * 1024,
        max_ttl_s: float = 3600.0,
        retry: RetryPolicy = DEFAULT_RETRY,
        breaker: BreakerPolicy = DEFAULT_BREAKER,
        observer: Observer | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.clock: Clock = clock or LoopClock()
        self.observer: Observer = observer or NullObserver()
        self.stats: Counter[str] = Counter()
        self._rng = rng or random.Random()
        self._retry = retry
        self._max_ttl_s = max_ttl_s
        self.l1 = MemoryCache(clock=self.clock, max_bytes=l1_max_bytes)
        self.live_views: list[LiveView] = []
        self.breakers = Breakers(clock=self.clock, policy=breaker, on_change=self._breaker_changed)
        self._local: LocalFlights[tuple[Json, Level]] = LocalFlights(self.clock)
        self.link: RedisLink | None = None
        self._l2: RedisCache | None = None
        self._shared: RedisFlights | None = None
        if redis_url:
            self.link = RedisLink(
                redis_url,
                prefix=redis_prefix,
                retry_s=redis_retry_s,
                on_change=self.observer.redis_state,
            )
            self._l2 = RedisCache(self.link)
            self._shared = RedisFlights(self.link, clock=self.clock)
            window: SharedWindow | LocalWindow = SharedWindow(self.link, self.clock)
        else:
            window = LocalWindow(self.clock)
        self.limiter = RateLimiter(
            window, clock=self.clock, default=rate_limit, overrides=rate_limits
        )

    async def fetch(
        self, call: Call, fn: Callable[[], Awaitable[Json]], *, deadline: float | None = None
    ) -> Fetched:
        """Return the call's value from a cache, a shared in-flight call, or the platform."""
        key = call.key()
        held = self.peek(call, key)
        if held is not None:
            return held
        (value, level), joined = await self._local.run(
            key, lambda: self._flight(call, key, fn, deadline), deadline=deadline
        )
        self._count(call, "shared" if joined else level)
        if level == "miss" and not joined:  # this process's own call reached the platform
            for view in self.live_views:
                view.reached(call)
        return Fetched(value, cached=joined or level == "l2")

    def peek(self, call: Call, key: str | None = None) -> Fetched | None:
        """The call's value if a live view or L1 holds it now, without waiting for anything.

        A caller that gets one needs no task and no trip through the event loop: in a
        burst of diagnoses each such trip waits behind everyone else's work.
        """
        for view in self.live_views:
            live = view.answer(call, self)
            if live is not None:
                self._count(call, "watch")
                return Fetched(live, cached=True)
        value = self.l1.get(key or call.key())
        if value is not MISSING:
            self._count(call, "l1")
            return Fetched(value, cached=True)
        return None

    async def request(
        self, call: Call, fn: Callable[[], Awaitable[Json]], *, deadline: float | None = None
    ) -> Json:
        """One uncached attempt through the breaker and a rate-limit token (a watch's requests)."""
        return await self._attempt(call, fn, deadline)

    def stream_failed(self, call: Call, exc: BaseException) -> None:
        """A stream opened through `request` broke after it opened: its breaker counts a failure."""
        breaker = self.breakers.for_endpoint(call.endpoint)
        try:
            epoch = breaker.allow()
        except CircuitOpen:
            return  # already open: nothing to add
        breaker.record(exc, epoch)

    def breaker_states(self) -> dict[str, State]:
        """Each endpoint's breaker state."""
        return self.breakers.states()

    def maintain(self, *, compress_after_s: float = 300.0) -> dict[str, int]:
        """Cache upkeep: drop expired L1 entries, compress older ones."""
        evicted = self.l1.evict_expired()
        saved = self.l1.compress_older_than(compress_after_s)
        stopped = sum(view.sweep() for view in self.live_views)
        return {
            "evicted": evicted,
            "bytes_saved": saved,
            "entries": len(self.l1),
            "watches_stopped": stopped,
        }

    async def close(self) -> None:
        """End the calls still in flight, then close the Redis connection, if any."""
        await self._local.cancel_all()
        if self.link is not None:
            await self.link.close()

    async def _flight(
        self, call: Call, key: str, fn: Callable[[], Awaitable[Json]], deadline: float | None
    ) -> tuple[Json, Level]:
        """One process's flight: L2, then (across replicas) one caller makes the call."""
        ttl = min(call.ttl_s, self._max_ttl_s)
        if self._l2 is not None:
            blob = await self._l2.get(key)
            if blob is not None:
                value = decode(blob)
                self.l1.put(key, value, ttl, size=len(blob))
                return value, "l2"
        if self._shared is not None and self._l2 is not None and self._shared_usable():
            l2 = self._l2
            made: list[Json] = []

            async def lead() -> bytes:
                value, blob = await self._call(call, key, fn, deadline)
                made.append(value)
                return blob

            blob, joined = await self._shared.run(
                key, lead, deadline=deadline, peek=lambda: l2.get(key)
            )
            value = made[0] if made else decode(blob)
            level: Level = "l2" if joined or not made else "miss"
        else:
            value, blob = await self._call(call, key, fn, deadline)
            level = "miss"
        self.l1.put(key, value, ttl, size=len(blob))
        return value, level

    def _shared_usable(self) -> bool:
        return self.link is not None and self.link.usable()

    async def _call(
        self, call: Call, key: str, fn: Callable[[], Awaitable[Json]], deadline: float | None
    ) -> tuple[Json, bytes]:
        """The platform call with breaker, token and retries; stores the value in L2."""

        async def attempt() -> Json:
            return await self._attempt(call, fn, deadline)

        def retried(exc: ProviderError, wait: float) -> None:
            self.stats["retries"] += 1

        value = await retrying(
            attempt,
            policy=self._retry,
            clock=self.clock,
            deadline=deadline,
            rng=self._rng,
            on_retry=retried,
        )
        blob = encode(value)
        if self._l2 is not None:
            await self._l2.put(key, blob, min(call.ttl_s, self._max_ttl_s))
        return value, blob

    async def _attempt(
        self, call: Call, fn: Callable[[], Awaitable[Json]], deadline: float | None
    ) -> Json:
        breaker = self.breakers.for_endpoint(call.endpoint)
        epoch = breaker.allow()
        try:
            waited = await self.limiter.acquire(call.limit_key, deadline=deadline)
        except ProviderThrottled:
            breaker.release(epoch)
            self.observer.throttled(call.provider, 0.0, deferred=True)
            self.stats["deferred"] += 1
            raise
        except BaseException:
            breaker.release(epoch)
            raise
        if waited > 0:
            self.observer.throttled(call.provider, waited, deferred=False)
        started = self.clock.now()
        self.stats["attempts"] += 1
        try:
            async with asyncio.timeout(remaining(self.clock, deadline)):
                value = await fn()
        except TimeoutError:
            exc: BaseException = ProviderTimeout(
                "deadline reached during the call", provider=call.provider, operation=call.operation
            )
            self._finish(call, breaker, epoch, exc, started)
            raise exc from None
        except asyncio.CancelledError:
            breaker.release(epoch)
            raise
        except BaseException as err:
            self._finish(call, breaker, epoch, err, started)
            raise
        self._finish(call, breaker, epoch, None, started)
        return value

    def _finish(
        self,
        call: Call,
        breaker: CircuitBreaker,
        epoch: int,
        exc: BaseException | None,
        started: float,
    ) -> None:
        breaker.record(exc, epoch)
        outcome = "ok" if exc is None else type(exc).__name__
        self.stats[f"outcome:{outcome}"] += 1
        self.observer.provider_attempt(call.endpoint, outcome, self.clock.now() - started)

    def _count(self, call: Call, level: CacheLevel) -> None:
        self.stats[level] += 1
        self.observer.cache_lookup(call.provider, level)

    def _breaker_changed(self, endpoint: str, state: State) -> None:
        self.observer.breaker_state(endpoint, state)
