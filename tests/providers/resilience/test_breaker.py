"""The circuit breaker opens on the error rate, probes when half-open, and closes on success."""

from __future__ import annotations

import pytest

from providers.errors import CircuitOpen, ProviderNotFound, ProviderTimeout, ProviderUnavailable
from providers.resilience.breaker import BreakerPolicy, CircuitBreaker, State
from tests.providers.resilience.doubles import ManualClock

POLICY = BreakerPolicy(window_s=30, min_calls=4, error_rate=0.5, open_s=5)


def make(clock: ManualClock) -> tuple[CircuitBreaker, list[State]]:
    changes: list[State] = []
    breaker = CircuitBreaker(
        "ecs:DescribeServices", clock=clock, policy=POLICY, on_change=lambda _, s: changes.append(s)
    )
    return breaker, changes


def fail(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        breaker.record(ProviderUnavailable("503"), breaker.allow())


def state_of(breaker: CircuitBreaker) -> State:
    return breaker.state


def succeed(breaker: CircuitBreaker, times: int = 1) -> None:
    for _ in range(times):
        breaker.record(None, breaker.allow())


class TestOpening:
    """It opens only on enough unhealthy outcomes within the window."""

    def test_opens_once_half_of_min_calls_fail(self, clock: ManualClock) -> None:
        breaker, changes = make(clock)
        succeed(breaker, 2)
        fail(breaker, 1)
        assert state_of(breaker) == "closed"
        fail(breaker, 1)
        assert state_of(breaker) == "open"
        assert changes == ["open"]

    def test_open_rejects_with_the_time_until_the_probe(self, clock: ManualClock) -> None:
        breaker, _ = make(clock)
        fail(breaker, 4)
        clock.advance(2)
        with pytest.raises(CircuitOpen) as caught:
            breaker.allow()
        assert caught.value.retry_after_s == pytest.approx(3)
        assert caught.value.retryable

    def test_answers_like_not_found_do_not_count_as_failures(self, clock: ManualClock) -> None:
        breaker, _ = make(clock)
        for _ in range(10):
            breaker.record(ProviderNotFound("no such service"), breaker.allow())
        assert state_of(breaker) == "closed"

    def test_timeouts_count_as_failures(self, clock: ManualClock) -> None:
        breaker, _ = make(clock)
        for _ in range(4):
            breaker.record(ProviderTimeout("slow"), breaker.allow())
        assert state_of(breaker) == "open"

    def test_failures_older_than_the_window_are_forgotten(self, clock: ManualClock) -> None:
        breaker, _ = make(clock)
        fail(breaker, 3)
        clock.advance(31)
        succeed(breaker, 3)
        fail(breaker, 1)
        assert state_of(breaker) == "closed"


class TestRecovery:
    """After `open_s` one probe decides: success closes, failure reopens."""

    def test_half_open_admits_exactly_one_probe(self, clock: ManualClock) -> None:
        breaker, _ = make(clock)
        fail(breaker, 4)
        clock.advance(5)
        assert state_of(breaker) == "half_open"
        breaker.allow()
        with pytest.raises(CircuitOpen):
            breaker.allow()

    def test_a_successful_probe_closes_it(self, clock: ManualClock) -> None:
        breaker, changes = make(clock)
        fail(breaker, 4)
        clock.advance(5)
        succeed(breaker)
        assert state_of(breaker) == "closed"
        assert changes == ["open", "half_open", "closed"]
        fail(breaker, 1)  # the old failures were cleared with the window
        assert state_of(breaker) == "closed"

    def test_a_failed_probe_opens_it_again_for_a_full_period(self, clock: ManualClock) -> None:
        breaker, _ = make(clock)
        fail(breaker, 4)
        clock.advance(5)
        fail(breaker)
        assert state_of(breaker) == "open"
        clock.advance(4.9)
        assert state_of(breaker) == "open"
        clock.advance(0.1)
        assert state_of(breaker) == "half_open"

    def test_a_released_probe_lets_the_next_call_probe(self, clock: ManualClock) -> None:
        breaker, _ = make(clock)
        fail(breaker, 4)
        clock.advance(5)
        breaker.release(breaker.allow())
        breaker.record(None, breaker.allow())  # the second probe is admitted
        assert state_of(breaker) == "closed"


class TestStaleOutcomes:
    """A call admitted before the last change of state does not decide the state now."""

    def test_a_slow_call_from_before_the_outage_does_not_decide_the_probe(
        self, clock: ManualClock
    ) -> None:
        breaker, changes = make(clock)
        slow = breaker.allow()  # admitted while closed; ends (timed out) only after the probe
        fail(breaker, 4)
        clock.advance(5)
        probe = breaker.allow()
        breaker.record(ProviderTimeout("read timeout"), slow)
        assert state_of(breaker) == "half_open"
        breaker.record(None, probe)
        assert state_of(breaker) == "closed"
        assert changes == ["open", "half_open", "closed"]

    def test_a_stale_release_does_not_free_the_probe(self, clock: ManualClock) -> None:
        breaker, _ = make(clock)
        deferred = breaker.allow()  # admitted while closed, then waits for a rate-limit token
        fail(breaker, 4)
        clock.advance(5)
        breaker.allow()  # the probe
        breaker.release(deferred)
        with pytest.raises(CircuitOpen):
            breaker.allow()
