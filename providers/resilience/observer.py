"""What the resilience layer reports as it works; `bot.metrics` turns it into Prometheus series."""

from __future__ import annotations

from typing import Literal, Protocol

from providers.resilience.breaker import State

CacheLevel = Literal["watch", "l1", "l2", "shared", "miss"]


class Observer(Protocol):
    """Receives one event per cache lookup, provider attempt, retry and breaker change."""

    def cache_lookup(self, provider: str, level: CacheLevel) -> None:
        """A call was answered from `level` (or missed every level)."""
        ...

    def provider_attempt(self, endpoint: str, outcome: str, seconds: float) -> None:
        """One request reached the platform; `outcome` is "ok" or the error class name."""
        ...

    def throttled(self, provider: str, waited_s: float, deferred: bool) -> None:
        """Our own limiter made a call wait, or deferred it."""
        ...

    def breaker_state(self, endpoint: str, state: State) -> None:
        """An endpoint's breaker changed state."""
        ...

    def redis_state(self, up: bool) -> None:
        """Redis went away or came back."""
        ...


class NullObserver:
    """Reports nothing."""

    def cache_lookup(self, provider: str, level: CacheLevel) -> None:
        pass

    def provider_attempt(self, endpoint: str, outcome: str, seconds: float) -> None:
        pass

    def throttled(self, provider: str, waited_s: float, deferred: bool) -> None:
        pass

    def breaker_state(self, endpoint: str, state: State) -> None:
        pass

    def redis_state(self, up: bool) -> None:
        pass
