"""The bound on diagnoses at once: a FIFO queue with positions, and nothing dropped."""

from __future__ import annotations

import asyncio

import pytest

from providers.resilience.admission import Admission


class Diagnoses:
    """Diagnoses that hold their slot until the test finishes them."""

    def __init__(self, admission: Admission) -> None:
        self.admission = admission
        self.positions: dict[int, int] = {}
        self.started: list[int] = []
        self.finish: dict[int, asyncio.Event] = {}
        self.queued = asyncio.Event()

    async def run(self, n: int) -> int:
        self.finish[n] = asyncio.Event()

        async def told(position: int) -> None:
            self.positions[n] = position
            self.queued.set()

        async with self.admission.slot(told):
            self.started.append(n)
            await self.finish[n].wait()
        return n


async def settle(
    admission: Admission,
    *,
    running: int,
    queued: int,
    started: list[int] | None = None,
    count: int = 0,
) -> None:
    """Let the loop run until the admission reaches a state (bounded by steps, not time)."""
    for _ in range(1000):
        state = (admission.running, admission.queued)
        if state == (running, queued) and (started is None or len(started) >= count):
            return
        await asyncio.sleep(0)
    raise AssertionError(f"running={admission.running} queued={admission.queued}")


class TestAdmission:
    """Up to `limit` run; the rest wait in arrival order and each learns its position."""

    async def test_over_the_bound_requests_queue_in_order_and_all_run(self) -> None:
        admission = Admission(limit=2)
        d = Diagnoses(admission)
        tasks = [asyncio.create_task(d.run(n)) for n in range(5)]
        await settle(admission, running=2, queued=3)
        assert d.started == [0, 1]
        assert d.positions == {2: 1, 3: 2, 4: 3}
        d.finish[1].set()
        await settle(admission, running=2, queued=2, started=d.started, count=3)
        assert d.started == [0, 1, 2]
        for n in (0, 2, 3, 4):
            d.finish[n].set()
        assert await asyncio.gather(*tasks) == [0, 1, 2, 3, 4]
        assert d.started == [0, 1, 2, 3, 4]
        assert (admission.running, admission.queued) == (0, 0)

    async def test_a_cancelled_waiter_leaves_the_queue_without_losing_a_slot(self) -> None:
        admission = Admission(limit=1)
        d = Diagnoses(admission)
        first = asyncio.create_task(d.run(0))
        second = asyncio.create_task(d.run(1))
        third = asyncio.create_task(d.run(2))
        await settle(admission, running=1, queued=2)
        second.cancel()
        with pytest.raises(asyncio.CancelledError):
            await second
        assert admission.queued == 1
        d.finish[0].set()
        d.finish[2].set()
        assert await asyncio.gather(first, third) == [0, 2]
        assert d.started == [0, 2]
        assert admission.running == 0

    async def test_a_failing_diagnosis_frees_its_slot(self) -> None:
        admission = Admission(limit=1)
        with pytest.raises(RuntimeError):
            async with admission.slot():
                raise RuntimeError("boom")
        async with admission.slot() as position:
            assert position == 0

    def test_the_bound_must_be_positive(self) -> None:
        with pytest.raises(ValueError, match="at least 1"):
            Admission(limit=0)
