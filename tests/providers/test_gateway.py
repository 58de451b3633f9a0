"""DirectGateway: identical concurrent calls share one request, and only the request."""

from __future__ import annotations

import asyncio

import pytest

from providers.gateway import Call, DirectGateway, Json

CALL = Call("kubernetes", "sandbox", "read_deployment", (("name", "orders-api"),))


class Platform:
    """A call that blocks until released, counting requests."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self) -> Json:
        self.calls += 1
        self.started.set()
        await self.release.wait()
        return {"replicas": 3}


class TestSharing:
    """Joiners get the starter's answer; the starter giving up does not cancel them."""

    async def test_concurrent_callers_make_one_request(self) -> None:
        gateway, platform = DirectGateway(), Platform()
        callers = [asyncio.create_task(gateway.fetch(CALL, platform)) for _ in range(5)]
        await platform.started.wait()
        platform.release.set()
        got = await asyncio.gather(*callers)
        assert [g.value for g in got] == [{"replicas": 3}] * 5
        assert platform.calls == 1

    async def test_a_cancelled_starter_does_not_cancel_its_joiners(self) -> None:
        gateway, platform = DirectGateway(), Platform()
        starter = asyncio.create_task(gateway.fetch(CALL, platform))
        await platform.started.wait()
        # the joiner's first step is scheduled before the starter's cancellation is delivered
        joiner = asyncio.create_task(gateway.fetch(CALL, platform))
        starter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await starter
        platform.release.set()
        assert (await joiner).value == {"replicas": 3}
        assert platform.calls == 2  # the joiner made the call the starter abandoned
