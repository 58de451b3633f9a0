"""Per-provider rate limits: exact counts, waits bounded by the deadline, shared via Redis."""

from __future__ import annotations

import pytest

from providers.errors import ProviderThrottled
from providers.resilience.limiter import LocalWindow, RateLimiter, SharedWindow, with_margin
from providers.resilience.redis_state import RedisLink
from tests.providers.resilience.doubles import ManualClock


class TestWaitingForATokenCountsAgainstTheDeadline:
    """A call waits for a token only while its deadline allows."""

    async def test_waits_for_the_oldest_hit_to_leave_the_window(self, clock: ManualClock) -> None:
        limiter = RateLimiter(LocalWindow(clock), clock=clock, default="2/10 seconds")
        assert await limiter.acquire("ecs:123", deadline=clock.now() + 30) == 0
        clock.advance(3)
        await limiter.acquire("ecs:123", deadline=clock.now() + 30)
        waited = await limiter.acquire("ecs:123", deadline=clock.now() + 30)
        assert waited == pytest.approx(8)  # the 10 s window plus the 1 s arrival margin

    async def test_defers_when_the_token_comes_after_the_deadline(self, clock: ManualClock) -> None:
        limiter = RateLimiter(LocalWindow(clock), clock=clock, default="1/minute")
        await limiter.acquire("kubernetes:prod", deadline=None)
        with pytest.raises(ProviderThrottled, match="deferred") as caught:
            await limiter.acquire("kubernetes:prod", deadline=clock.now() + 10)
        assert caught.value.retry_after_s == pytest.approx(61)
        assert caught.value.provider == "kubernetes"
        assert clock.sleeps == []

    async def test_each_provider_scope_has_its_own_budget(self, clock: ManualClock) -> None:
        limiter = RateLimiter(LocalWindow(clock), clock=clock, default="1/minute")
        await limiter.acquire("ecs:111", deadline=clock.now())
        await limiter.acquire("ecs:222", deadline=clock.now())
        await limiter.acquire("cloudrun:111", deadline=clock.now())
        with pytest.raises(ProviderThrottled):
            await limiter.acquire("ecs:111", deadline=clock.now() + 1)

    def test_overrides_apply_per_scope_then_per_provider(self, clock: ManualClock) -> None:
        limiter = RateLimiter(
            LocalWindow(clock),
            clock=clock,
            default="100/minute",
            overrides={"ecs": "20/second", "ecs:prod": "5/second"},
        )
        assert limiter.limit_for("ecs:prod").amount == 5
        assert limiter.limit_for("ecs:dev").amount == 20
        assert limiter.limit_for("kubernetes:x").amount == 100


def test_windows_are_lengthened_by_the_arrival_margin() -> None:
    assert with_margin("100/minute").amount == 100
    assert with_margin("100/minute").get_expiry() == 61
    assert with_margin("20/10 seconds").get_expiry() == 11


class TestTheWindows:
    """The in-process window, and the `limits` moving window in Redis."""

    async def test_in_memory_allows_exactly_the_limit(self) -> None:
        clock = ManualClock()
        limiter = RateLimiter(LocalWindow(clock), clock=clock, default="10/minute")
        allowed = 0
        for _ in range(15):
            try:
                await limiter.acquire("gcp:p", deadline=0)
                allowed += 1
            except ProviderThrottled:
                pass
        assert allowed == 10

    async def test_two_replicas_share_one_budget_through_redis(
        self, redis_url: str, redis_prefix: str
    ) -> None:
        clock = ManualClock()
        links = [RedisLink(redis_url, prefix=redis_prefix) for _ in range(2)]
        limiters = [
            RateLimiter(SharedWindow(link, clock), clock=clock, default="7/minute")
            for link in links
        ]
        allowed = 0
        try:
            for i in range(20):
                try:
                    await limiters[i % 2].acquire("ecs:acct", deadline=0)
                    allowed += 1
                except ProviderThrottled:
                    pass
            assert allowed == 7
            wait = await SharedWindow(links[0], ManualClock()).free_in_s(
                limiters[0].limit_for("ecs:acct"), "ecs:acct"
            )
            assert 50 < wait <= 61
        finally:
            for link in links:
                await link.close()

    async def test_without_redis_it_counts_in_process(self) -> None:
        from tests.providers.resilience.doubles import free_port

        link = RedisLink(f"redis://127.0.0.1:{free_port()}/0", retry_s=60)
        clock = ManualClock()
        limiter = RateLimiter(SharedWindow(link, clock), clock=clock, default="3/minute")
        allowed = 0
        try:
            for _ in range(5):
                try:
                    await limiter.acquire("ecs:acct", deadline=0)
                    allowed += 1
                except ProviderThrottled:
                    pass
        finally:
            await link.close()
        assert allowed == 3
        assert not link.up
