"""A circuit breaker per provider endpoint: opens on the error rate over a window, probes, closes.

closed     calls pass; outcomes land in a sliding time window. Once the window
           holds `min_calls` outcomes and `error_rate` of them failed, it opens.
open       calls fail fast with `CircuitOpen` for `open_s` seconds.
half_open  one probe call at a time passes; success closes the breaker and
           clears the window, failure opens it again.

Only failures that say the endpoint is unhealthy count (5xx, unreachable,
timeouts); "not found" or "permission denied" are answers, not outages.

`allow()` hands each admitted call the breaker's epoch (it moves on every change
of state); an outcome from an earlier epoch, say a slow call admitted before the
breaker opened that ends while the probe is out, says nothing about now and is
ignored.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeAlias

from providers.errors import CircuitOpen, ProviderError, ProviderTimeout, ProviderUnavailable
from providers.resilience.clock import Clock

State: TypeAlias = Literal["closed", "open", "half_open"]
STATE_VALUES: dict[State, int] = {"closed": 0, "half_open": 1, "open": 2}


def counts_as_failure(exc: BaseException) -> bool:
    """Whether an error says the endpoint is unhealthy."""
    return isinstance(exc, ProviderUnavailable | ProviderTimeout) and not isinstance(
        exc, CircuitOpen
    )


@dataclass(frozen=True, slots=True)
class BreakerPolicy:
    """When a breaker opens and how long it stays open."""

    window_s: float = 30.0
    min_calls: int = 5
    error_rate: float = 0.5
    open_s: float = 5.0


class CircuitBreaker:
    """The breaker of one endpoint."""

    def __init__(
        self,
        endpoint: str,
        *,
        clock: Clock,
        policy: BreakerPolicy = BreakerPolicy(),
        on_change: Callable[[str, State], None] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self._clock = clock
        self._window_s = policy.window_s
        self._min_calls = policy.min_calls
        self._error_rate = policy.error_rate
        self._open_s = policy.open_s
        self._on_change = on_change
        self._outcomes: deque[tuple[float, bool]] = deque()
        self._state: State = "closed"
        self._opened_at = 0.0
        self._probing = False
        self._epoch = 0

    @property
    def state(self) -> State:
        """The current state; an open breaker whose wait is over reads as half-open."""
        if self._state == "open" and self._clock.now() - self._opened_at >= self._open_s:
            self._set("half_open")
        return self._state

    def allow(self) -> int:
        """Admit one call (returning its epoch) or raise `CircuitOpen`; half-open admits a probe."""
        state = self.state
        if state == "closed":
            return self._epoch
        if state == "half_open" and not self._probing:
            self._probing = True
            return self._epoch
        wait = self._open_s - (self._clock.now() - self._opened_at)
        raise CircuitOpen(self.endpoint, max(wait, 0.0) if state == "open" else self._open_s)

    def record(self, exc: BaseException | None, epoch: int) -> None:
        """Record the outcome (None = success) of a call `allow()` admitted in `epoch`."""
        if epoch != self._epoch:
            return
        failed = exc is not None and counts_as_failure(exc)
        if self._state == "half_open":
            self._probing = False
            if failed:
                self._open()
            elif exc is None or isinstance(exc, ProviderError):
                self._outcomes.clear()
                self._set("closed")
            return
        now = self._clock.now()
        self._outcomes.append((now, failed))
        while self._outcomes and self._outcomes[0][0] <= now - self._window_s:
            self._outcomes.popleft()
        if self._state == "closed" and len(self._outcomes) >= self._min_calls:
            failures = sum(1 for _, f in self._outcomes if f)
            if failures / len(self._outcomes) >= self._error_rate:
                self._open()

    def release(self, epoch: int) -> None:
        """An admitted call never reached the endpoint (cancelled, deferred): free its probe."""
        if epoch == self._epoch:
            self._probing = False

    def _open(self) -> None:
        self._opened_at = self._clock.now()
        self._outcomes.clear()
        self._set("open")

    def _set(self, state: State) -> None:
        if state != self._state:
            self._state = state
            self._epoch += 1
            if self._on_change is not None:
                self._on_change(self.endpoint, state)


class Breakers:
    """One breaker per endpoint, created on first use with shared settings."""

    def __init__(
        self,
        *,
        clock: Clock,
        policy: BreakerPolicy = BreakerPolicy(),
        on_change: Callable[[str, State], None] | None = None,
    ) -> None:
        self._clock = clock
        self._on_change = on_change
        self._policy = policy
        self._breakers: dict[str, CircuitBreaker] = {}

    def for_endpoint(self, endpoint: str) -> CircuitBreaker:
        """The endpoint's breaker."""
        breaker = self._breakers.get(endpoint)
        if breaker is None:
            breaker = CircuitBreaker(
                endpoint, clock=self._clock, policy=self._policy, on_change=self._on_change
            )
            self._breakers[endpoint] = breaker
        return breaker

    def states(self) -> dict[str, State]:
        """Every known endpoint's state (for metrics and the report's context line)."""
        return {endpoint: b.state for endpoint, b in self._breakers.items()}
