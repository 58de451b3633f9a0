"""Retries: transient errors only, exponential backoff with full jitter, never past the deadline."""

from __future__ import annotations

import random

import pytest

from providers.errors import (
    ProviderError,
    ProviderPermissionDenied,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
)
from providers.resilience.retry import RetryPolicy, backoff_s, retrying
from tests.providers.resilience.doubles import ManualClock

POLICY = RetryPolicy(max_attempts=4, base_s=0.1, cap_s=1.0)


class Flaky:
    """Fails with the given errors in turn, then answers."""

    def __init__(self, *errors: ProviderError) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "answer"


async def run(flaky: Flaky, clock: ManualClock, deadline: float | None = None) -> str:
    return await retrying(
        flaky, policy=POLICY, clock=clock, deadline=deadline, rng=random.Random(1)
    )


class TestWhatIsRetried:
    """Only errors marked retryable get another try."""

    @pytest.mark.parametrize(
        "error",
        [ProviderUnavailable("503"), ProviderTimeout("slow"), ProviderThrottled("429")],
    )
    async def test_transient_errors_are_retried(
        self, error: ProviderError, clock: ManualClock
    ) -> None:
        flaky = Flaky(error, error)
        assert await run(flaky, clock) == "answer"
        assert flaky.calls == 3

    async def test_permanent_errors_are_raised_at_once(self, clock: ManualClock) -> None:
        flaky = Flaky(ProviderPermissionDenied("AccessDenied"))
        with pytest.raises(ProviderPermissionDenied):
            await run(flaky, clock)
        assert flaky.calls == 1
        assert clock.sleeps == []

    async def test_gives_up_after_max_attempts(self, clock: ManualClock) -> None:
        flaky = Flaky(*[ProviderUnavailable(f"503 #{i}") for i in range(10)])
        with pytest.raises(ProviderUnavailable, match="#3"):
            await run(flaky, clock)
        assert flaky.calls == 4


class TestWaits:
    """How long it waits between attempts."""

    def test_full_jitter_stays_under_the_exponential_ceiling(self) -> None:
        rng = random.Random(3)
        for failures, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.8), (5, 1.0), (9, 1.0)]:
            draws = [backoff_s(POLICY, failures, rng) for _ in range(200)]
            assert all(0 <= d <= ceiling for d in draws)
            assert max(draws) > ceiling * 0.8  # spread over the whole range, not a constant

    async def test_retry_after_from_the_platform_is_honoured(self, clock: ManualClock) -> None:
        flaky = Flaky(ProviderThrottled("429", retry_after_s=2.5))
        await run(flaky, clock)
        assert clock.sleeps == [2.5]

    async def test_a_wait_past_the_deadline_is_not_started(self, clock: ManualClock) -> None:
        flaky = Flaky(ProviderThrottled("slow down", retry_after_s=5.0))
        with pytest.raises(ProviderThrottled, match="slow down"):
            await run(flaky, clock, deadline=clock.now() + 4.0)
        assert flaky.calls == 1
        assert clock.sleeps == []
