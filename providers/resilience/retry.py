"""Retries with exponential backoff and full jitter, for transient provider errors only.

Retryable: ProviderThrottled (honouring the platform's `retry_after_s`),
ProviderUnavailable (5xx, refused, gRPC UNAVAILABLE, an open breaker that will
probe again in time) and ProviderTimeout. A wait that would end past the
deadline is not started: the last error is raised instead.
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from providers.errors import ProviderError
from providers.resilience.clock import Clock

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many attempts and how long to wait between them."""

    max_attempts: int = 4
    base_s: float = 0.1
    cap_s: float = 2.0


def backoff_s(policy: RetryPolicy, failures: int, rng: random.Random) -> float:
    """Full jitter: uniform over [0, min(cap, base * 2**(failures-1))]."""
    ceiling = min(policy.cap_s, policy.base_s * 2 ** max(0, failures - 1))
    return rng.uniform(0.0, ceiling)


async def retrying(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    clock: Clock,
    deadline: float | None,
    rng: random.Random,
    on_retry: Callable[[ProviderError, float], None] | None = None,
) -> T:
    """Run `attempt` until it succeeds, fails for good, or the next wait would pass `deadline`."""
    failures = 0
    while True:
        try:
            return await attempt()
        except ProviderError as exc:
            failures += 1
            if not exc.retryable or failures >= policy.max_attempts:
                raise
            wait = backoff_s(policy, failures, rng)
            hinted = getattr(exc, "retry_after_s", None)
            if isinstance(hinted, int | float) and hinted > wait:
                wait = float(hinted)
            if deadline is not None and clock.now() + wait >= deadline:
                raise
            if on_retry is not None:
                on_retry(exc, wait)
            await clock.sleep(wait)
