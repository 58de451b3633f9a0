"""Identical concurrent calls share one request, in-process and across replicas through Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from providers.errors import ProviderNotFound, ProviderTimeout
from providers.gateway import Call
from providers.resilience.clock import LoopClock
from providers.resilience.gateway import ResilientGateway

CALL = Call("ecs", "123456789012", "DescribeServices", (("service", "checkout-api"),), ttl_s=30)


class Provider:
    """A provider call that blocks until the test lets it answer, counting requests."""

    def __init__(self, answer: object = None) -> None:
        self.calls = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.answer = answer if answer is not None else {"status": "ACTIVE"}
        self.error: Exception | None = None

    async def __call__(self) -> object:
        self.calls += 1
        self.started.set()
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return self.answer


class TestInProcess:
    """Within one process one request serves every identical concurrent call."""

    async def test_fifty_concurrent_callers_make_one_request(self) -> None:
        gateway = ResilientGateway()
        provider = Provider()
        deadline = asyncio.get_running_loop().time() + 10
        callers = [
            asyncio.create_task(gateway.fetch(CALL, provider, deadline=deadline)) for _ in range(50)
        ]
        await provider.started.wait()
        provider.release.set()
        results = await asyncio.gather(*callers)
        assert provider.calls == 1
        assert all(r.value == {"status": "ACTIVE"} for r in results)
        assert sum(r.cached for r in results) == 49  # joined the one request
        assert gateway.stats["miss"] == 1
        assert gateway.stats["shared"] == 49

    async def test_a_caller_out_of_time_gives_up_without_cancelling_the_others(self) -> None:
        gateway = ResilientGateway()
        provider = Provider()
        loop = asyncio.get_running_loop()
        patient = asyncio.create_task(gateway.fetch(CALL, provider, deadline=loop.time() + 10))
        await provider.started.wait()
        with pytest.raises(ProviderTimeout):
            await gateway.fetch(CALL, provider, deadline=loop.time())
        provider.release.set()
        assert (await patient).value == {"status": "ACTIVE"}
        assert provider.calls == 1

    async def test_a_joiner_with_more_time_outlives_the_leaders_timeout(self) -> None:
        gateway = ResilientGateway()
        provider = Provider()
        loop = asyncio.get_running_loop()
        hasty = asyncio.create_task(gateway.fetch(CALL, provider, deadline=loop.time() + 0.05))
        await provider.started.wait()
        patient = asyncio.create_task(gateway.fetch(CALL, provider, deadline=loop.time() + 10))
        with pytest.raises(ProviderTimeout):
            await hasty
        provider.release.set()
        got = await patient
        assert got.value == {"status": "ACTIVE"}
        assert not got.cached  # it made the call itself once the leader's time ran out
        assert provider.calls == 2

    async def test_an_error_reaches_every_waiter_and_is_not_cached(self) -> None:
        gateway = ResilientGateway()
        provider = Provider()
        provider.error = ProviderNotFound("no such service")
        callers = [asyncio.create_task(gateway.fetch(CALL, provider)) for _ in range(3)]
        await provider.started.wait()
        provider.release.set()
        outcomes = await asyncio.gather(*callers, return_exceptions=True)
        assert all(isinstance(o, ProviderNotFound) for o in outcomes)
        provider.error = None
        assert (await gateway.fetch(CALL, provider)).value == {"status": "ACTIVE"}
        assert provider.calls == 2


class PollingClock(LoopClock):
    """The loop's clock, announcing the first time its owner waits (a follower polling Redis)."""

    def __init__(self) -> None:
        self.waiting = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.waiting.set()
        await super().sleep(seconds)


@dataclass
class Replicas:
    """Two gateways sharing one Redis; the second announces when it starts polling."""

    first: ResilientGateway
    second: ResilientGateway
    clock: PollingClock


@pytest.fixture
async def replicas(redis_url: str, redis_prefix: str) -> AsyncIterator[Replicas]:
    clock = PollingClock()
    pair = Replicas(
        ResilientGateway(redis_url=redis_url, redis_prefix=redis_prefix),
        ResilientGateway(redis_url=redis_url, redis_prefix=redis_prefix, clock=clock),
        clock,
    )
    yield pair
    await pair.first.close()
    await pair.second.close()


class TestAcrossReplicas:
    """Replicas sharing Redis make one request between them."""

    async def test_the_second_replica_waits_for_the_first_ones_answer(
        self, replicas: Replicas
    ) -> None:
        provider = Provider()
        deadline = asyncio.get_running_loop().time() + 10
        leader = asyncio.create_task(replicas.first.fetch(CALL, provider, deadline=deadline))
        await provider.started.wait()
        follower = asyncio.create_task(replicas.second.fetch(CALL, provider, deadline=deadline))
        await replicas.clock.waiting.wait()  # the follower found the lock taken and polls
        provider.release.set()
        got = await asyncio.gather(leader, follower)
        assert provider.calls == 1
        assert got[0].value == got[1].value == {"status": "ACTIVE"}
        assert got[1].cached

    async def test_the_leaders_error_is_handed_to_the_other_replica(
        self, replicas: Replicas
    ) -> None:
        provider = Provider()
        provider.error = ProviderNotFound("service checkout-api not found")
        leader = asyncio.create_task(replicas.first.fetch(CALL, provider))
        await provider.started.wait()
        follower = asyncio.create_task(replicas.second.fetch(CALL, provider))
        await replicas.clock.waiting.wait()
        provider.release.set()
        outcomes = await asyncio.gather(leader, follower, return_exceptions=True)
        assert [type(o) for o in outcomes] == [ProviderNotFound, ProviderNotFound]
        assert "checkout-api" in str(outcomes[1])
        assert provider.calls == 1

    async def test_a_lock_left_by_a_dead_replica_is_taken_over_when_it_lapses(
        self, redis_url: str, redis_prefix: str
    ) -> None:
        gateway = ResilientGateway(redis_url=redis_url, redis_prefix=redis_prefix)
        assert gateway.link is not None
        provider = Provider()
        provider.release.set()
        try:
            # a replica that died mid-call: its lock stays for 150 ms, no outcome ever comes
            await gateway.link.client.set(gateway.link.key("sf", CALL.key()), "dead", px=150)
            got = await gateway.fetch(
                CALL, provider, deadline=asyncio.get_running_loop().time() + 5
            )
            assert got.value == {"status": "ACTIVE"}
            assert provider.calls == 1
        finally:
            await gateway.close()
