"""The gateway every provider call passes through, and its simplest form.

A provider describes a call as a `Call` (who, what, with which parameters,
how long the answer stays good, which rollout it belongs to) and hands the
gateway a coroutine factory that performs it. Values are JSON-shaped so they
can be cached in Redis and measured in bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

if TYPE_CHECKING:
    from providers.resilience.clock import Clock

Json: TypeAlias = Any


@dataclass(frozen=True, slots=True)
class Call:
    """One provider API call, described well enough to cache, limit and retry it."""

    provider: str
    scope: str
    operation: str
    params: tuple[tuple[str, str], ...] = ()
    ttl_s: float = 30.0
    rollout: str | None = None

    @property
    def endpoint(self) -> str:
        """The unit a circuit breaker watches."""
        return f"{self.provider}:{self.operation}"

    @property
    def limit_key(self) -> str:
        """The unit a rate limit counts: one provider in one account/project/cluster."""
        return f"{self.provider}:{self.scope}"

    def key(self) -> str:
        """A stable cache key; the rollout is part of it so a new rollout is never stale."""
        raw = "\x1f".join(
            [self.provider, self.scope, self.operation, self.rollout or "-"]
            + [f"{k}={v}" for k, v in sorted(self.params)]
        )
        digest = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
        return f"df:{self.provider}:{self.operation}:{digest}"


@dataclass(frozen=True, slots=True)
class Fetched:
    """A call's value and whether it came from a cache."""

    value: Json
    cached: bool = False


class Gateway(Protocol):
    """Runs provider calls; implementations add caching, limits, breakers and retries."""

    async def fetch(
        self, call: Call, fn: Callable[[], Awaitable[Json]], *, deadline: float | None = None
    ) -> Fetched:
        """Return the call's value, running `fn` only when it must.

        A gateway may also offer `peek(call, key) -> Fetched | None`: the value if it
        holds one now, answered without waiting (CollectContext.fetch asks it first).
        """
        ...


class LiveGate(Protocol):
    """What a live view may ask of the gateway that consults it."""

    @property
    def clock(self) -> Clock:
        """The gateway's time source (backoffs, idle times)."""
        ...

    async def request(
        self, call: Call, fn: Callable[[], Awaitable[Json]], *, deadline: float | None = None
    ) -> Json:
        """One uncached request through breaker and rate limit (a list, a watch being opened)."""
        ...

    def stream_failed(self, call: Call, exc: BaseException) -> None:
        """A stream opened through `request` broke: the endpoint's breaker hears it."""
        ...


@runtime_checkable
class LiveView(Protocol):
    """A provider's continuously updated copy of some objects (a Kubernetes watch).

    The gateway asks it before any cache; `answer` must not block and returns None
    when it cannot answer (not watched yet, not synced, watch broken).
    """

    def answer(self, call: Call, gate: LiveGate) -> Json | None:
        """The call's value from the live copy, or None."""
        ...

    def sweep(self) -> int:
        """Stop what has been idle too long; return how many watches stopped."""
        ...

    def reached(self, call: Call) -> None:
        """A call it declined was just answered by the platform (evidently reachable)."""
        ...


class DirectGateway:
    """No cache and no limits: identical concurrent calls still share one request."""

    def __init__(self) -> None:
        self._inflight: dict[str, asyncio.Future[Json]] = {}

    async def fetch(
        self, call: Call, fn: Callable[[], Awaitable[Json]], *, deadline: float | None = None
    ) -> Fetched:
        key = call.key()
        shared = self._inflight.get(key)
        if shared is not None:
            try:
                return Fetched(await asyncio.shield(shared), cached=False)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if not shared.cancelled() or (current is not None and current.cancelling()):
                    raise
            # its starter was cancelled, not us: make the call ourselves
            return await self.fetch(call, fn, deadline=deadline)
        future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            value = await fn()
        except asyncio.CancelledError:
            future.cancel()
            raise
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters re-raise it themselves
            raise
        else:
            future.set_result(value)
            return Fetched(value)
        finally:
            del self._inflight[key]
