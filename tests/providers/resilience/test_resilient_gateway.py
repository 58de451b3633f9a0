"""The gateway end to end: caches, rollouts, retries, breakers and limits in DESIGN.md's order."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

import pytest

from providers.errors import CircuitOpen, ProviderThrottled, ProviderUnavailable
from providers.gateway import Call, Json
from providers.resilience.breaker import BreakerPolicy
from providers.resilience.gateway import ResilientGateway
from providers.resilience.retry import RetryPolicy
from tests.providers.resilience.doubles import ManualClock, OwnRedis


def status_call(rollout: str = "checkout-api:42") -> Call:
    return Call(
        "ecs", "123456789012", "DescribeServices", (("service", "checkout-api"),), 30, rollout
    )


class Platform:
    """Answers with the rollout it was asked about; fails first with the queued errors."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def call(self, rollout: str) -> Callable[[], Awaitable[Json]]:
        async def fn() -> Json:
            self.calls += 1
            if self.errors:
                raise self.errors.pop(0)
            return {"rollout": rollout, "events": ["(service checkout-api) failed"]}

        return fn


class TestCaching:
    """Repeated calls come from L1 or L2; a new rollout never gets a stale answer."""

    async def test_a_repeat_is_served_from_l1(self) -> None:
        gateway, platform = ResilientGateway(), Platform()
        first = await gateway.fetch(status_call(), platform.call("42"))
        second = await gateway.fetch(status_call(), platform.call("42"))
        assert (first.cached, second.cached) == (False, True)
        assert second.value == first.value
        assert platform.calls == 1

    async def test_a_held_value_reaches_a_component_without_a_trip_through_the_loop(
        self,
    ) -> None:
        """In a burst every trip through the event loop waits behind everyone else's work."""
        from datetime import UTC, datetime

        from providers.base import CollectContext
        from providers.model import EcsLocation, ServiceTarget

        gateway, platform = ResilientGateway(), Platform()
        await gateway.fetch(status_call(), platform.call("42"))
        target = ServiceTarget(
            "checkout-api", "ecs", EcsLocation("prod", "checkout-api", "us-east-1")
        )
        now = datetime.now(UTC)
        ctx = CollectContext(target, "basic", now, now, gateway)
        step = ctx.fetch(status_call(), platform.call("42"))
        with pytest.raises(StopIteration) as finished:  # done on its first step: no await
            step.send(None)
        assert finished.value.value == {
            "rollout": "42",
            "events": ["(service checkout-api) failed"],
        }
        assert (ctx.calls, ctx.cache_hits, platform.calls) == (1, 1, 1)
        # A second component of the same diagnosis takes it from the diagnosis's memo.
        again = ctx.for_component().fetch(status_call(), platform.call("42"))
        with pytest.raises(StopIteration):
            again.send(None)
        assert gateway.stats["l1"] == 1

    async def test_a_new_rollout_is_fetched_afresh(self) -> None:
        gateway, platform = ResilientGateway(), Platform()
        await gateway.fetch(status_call("checkout-api:42"), platform.call("42"))
        fresh = await gateway.fetch(status_call("checkout-api:43"), platform.call("43"))
        assert fresh.value["rollout"] == "43"
        assert not fresh.cached
        assert platform.calls == 2

    async def test_the_ttl_ends_an_entry(self, clock: ManualClock) -> None:
        gateway, platform = ResilientGateway(clock=clock), Platform()
        await gateway.fetch(status_call(), platform.call("42"))
        clock.advance(31)
        await gateway.fetch(status_call(), platform.call("42"))
        assert platform.calls == 2

    async def test_another_replica_is_served_from_l2(
        self, redis_url: str, redis_prefix: str
    ) -> None:
        first = ResilientGateway(redis_url=redis_url, redis_prefix=redis_prefix)
        second = ResilientGateway(redis_url=redis_url, redis_prefix=redis_prefix)
        platform = Platform()
        try:
            await first.fetch(status_call(), platform.call("42"))
            got = await second.fetch(status_call(), platform.call("42"))
            assert got.cached
            assert got.value["rollout"] == "42"
            assert platform.calls == 1
            assert second.stats["l2"] == 1
        finally:
            await first.close()
            await second.close()


class TestRetriesAndBreakers:
    """Transient failures are retried; a failing endpoint is cut off, then probed back."""

    async def test_a_transient_5xx_is_retried_to_success(self, clock: ManualClock) -> None:
        gateway = ResilientGateway(clock=clock, rng=random.Random(1))
        platform = Platform(ProviderUnavailable("503"), ProviderThrottled("429", retry_after_s=1))
        got = await gateway.fetch(status_call(), platform.call("42"), deadline=clock.now() + 10)
        assert got.value["rollout"] == "42"
        assert platform.calls == 3
        assert gateway.stats["retries"] == 2
        assert clock.sleeps[-1] == 1  # the platform's Retry-After

    async def test_an_open_breaker_stops_calls_until_the_probe(self, clock: ManualClock) -> None:
        gateway = ResilientGateway(
            clock=clock,
            retry=RetryPolicy(max_attempts=1),
            breaker=BreakerPolicy(min_calls=3, error_rate=0.5, open_s=5),
        )
        platform = Platform(*[ProviderUnavailable("503")] * 3)
        for i in range(3):
            with pytest.raises(ProviderUnavailable):
                await gateway.fetch(status_call(str(i)), platform.call("x"))
        with pytest.raises(CircuitOpen):
            await gateway.fetch(status_call("3"), platform.call("x"))
        assert platform.calls == 3
        assert gateway.breaker_states() == {"ecs:DescribeServices": "open"}
        clock.advance(5)
        got = await gateway.fetch(status_call("4"), platform.call("4"))
        assert got.value["rollout"] == "4"
        assert gateway.breaker_states() == {"ecs:DescribeServices": "closed"}

    async def test_an_open_breaker_that_probes_before_the_deadline_is_waited_for(
        self, clock: ManualClock
    ) -> None:
        gateway = ResilientGateway(
            clock=clock, breaker=BreakerPolicy(min_calls=1, error_rate=0.5, open_s=2)
        )
        platform = Platform(ProviderUnavailable("503"))
        got = await gateway.fetch(status_call(), platform.call("42"), deadline=clock.now() + 10)
        assert got.value["rollout"] == "42"
        assert platform.calls == 2


class TestRateLimits:
    """Every request that reaches the platform takes a token; no token in time means deferred."""

    async def test_calls_beyond_the_limit_are_deferred_not_hung(self, clock: ManualClock) -> None:
        gateway, platform = ResilientGateway(clock=clock, rate_limit="3/minute"), Platform()
        for i in range(3):
            await gateway.fetch(status_call(str(i)), platform.call("x"), deadline=clock.now() + 10)
        with pytest.raises(ProviderThrottled, match="deferred"):
            await gateway.fetch(status_call("4"), platform.call("x"), deadline=clock.now() + 10)
        assert platform.calls == 3
        assert gateway.stats["deferred"] == 1

    async def test_cached_answers_take_no_token(self, clock: ManualClock) -> None:
        gateway, platform = ResilientGateway(clock=clock, rate_limit="1/minute"), Platform()
        for _ in range(5):
            await gateway.fetch(status_call(), platform.call("42"), deadline=clock.now() + 1)
        assert platform.calls == 1


class TestRedisOutage:
    """Redis going away costs the shared state, never an answer; its return is noticed."""

    async def test_keeps_answering_logs_once_and_resumes(
        self, own_redis: OwnRedis, caplog: pytest.LogCaptureFixture
    ) -> None:
        # redis_retry_s=0: try Redis again on every call, to see its return at once
        gateway = ResilientGateway(redis_url=own_redis.url, redis_prefix="dfout:", redis_retry_s=0)
        assert gateway.link is not None
        platform = Platform()
        caplog.set_level(logging.WARNING, logger="providers.resilience.redis_state")
        try:
            await gateway.fetch(status_call("1"), platform.call("1"))
            own_redis.stop()
            for i in range(2, 6):
                got = await gateway.fetch(status_call(str(i)), platform.call(str(i)))
                assert got.value["rollout"] == str(i)
            assert (await gateway.fetch(status_call("5"), platform.call("5"))).cached  # L1
            assert not gateway.link.up
            assert sum("unreachable" in r.message for r in caplog.records) == 1
            own_redis.start()
            await gateway.fetch(status_call("6"), platform.call("6"))
            assert gateway.link.up
            assert sum("is back" in r.message for r in caplog.records) == 1
            stored = await gateway.link.client.exists(gateway.link.key("c", status_call("6").key()))
            assert stored == 1
        finally:
            await gateway.close()


class TestClose:
    """Closing the gateway ends the calls still in flight instead of leaving them running."""

    async def test_close_cancels_a_call_in_flight(self) -> None:
        gateway = ResilientGateway()
        entered, ended = asyncio.Event(), asyncio.Event()

        async def hangs() -> Json:
            entered.set()
            try:
                await asyncio.Event().wait()
            finally:
                ended.set()
            return {}

        caller = asyncio.create_task(gateway.fetch(status_call(), hangs))
        await entered.wait()
        await gateway.close()
        assert ended.is_set()
        with pytest.raises(asyncio.CancelledError):
            await caller
