"""The `Provider` protocol: a platform offers named collection components for a target."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from providers.gateway import Call, Fetched, Gateway, Json
from providers.model import Depth, Evidence, Platform, ServiceTarget


@dataclass(slots=True)
class CollectContext:
    """What one component sees while collecting: the target, the window, the gateway."""

    target: ServiceTarget
    depth: Depth
    since: datetime
    until: datetime
    gateway: Gateway
    deadline: float | None = None
    memo: dict[str, asyncio.Future[Fetched]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    calls: int = 0
    cache_hits: int = 0

    def for_component(self) -> CollectContext:
        """A context for one component that shares this diagnosis's memo of calls."""
        return CollectContext(
            self.target, self.depth, self.since, self.until, self.gateway, self.deadline, self.memo
        )

    async def fetch(self, call: Call, fn: Callable[[], Awaitable[Json]]) -> Json:
        """Run one provider call through the gateway (cache, limits, breaker, retry).

        Within one diagnosis a call is made once, whichever components ask for it.
        """
        key = call.key()
        shared = self.memo.get(key)
        if shared is None:
            # What a cache or a watch holds now is taken at once: no task, no wait.
            peek = getattr(self.gateway, "peek", None)
            held: Fetched | None = peek(call, key) if peek is not None else None
            if held is not None:
                shared = asyncio.get_running_loop().create_future()
                shared.set_result(held)
            else:
                shared = asyncio.ensure_future(self.gateway.fetch(call, fn, deadline=self.deadline))
                # A cancelled component must not leave "exception never retrieved" behind.
                shared.add_done_callback(lambda done: done.cancelled() or done.exception())
            self.memo[key] = shared
        if shared.done() and not shared.cancelled() and shared.exception() is None:
            fetched = shared.result()
        else:
            fetched = await asyncio.shield(shared)
        self.calls += 1
        self.cache_hits += int(fetched.cached)
        return fetched.value

    def note(self, message: str) -> None:
        """Record what is missing or partial, for the report's context line."""
        self.notes.append(message)


Collector = Callable[[CollectContext], Awaitable[list[Evidence]]]


@dataclass(frozen=True, slots=True)
class Component:
    """One unit of collection work; `depth` says the shallowest depth that runs it."""

    name: str
    depth: Depth
    collect: Collector


class Provider(Protocol):
    """A platform: it plans components for a target and owns its API clients."""

    platform: Platform

    def components(self, target: ServiceTarget) -> Sequence[Component]:
        """Every component this provider can run for `target`, basic and comprehensive."""
        ...

    async def close(self) -> None:
        """Release clients and connections."""
        ...
