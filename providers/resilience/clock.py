"""The time source the resilience layer waits on: the event loop's clock, swappable in tests."""

from __future__ import annotations

import asyncio
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds on the event loop's scale (deadlines use the same scale)."""

    def now(self) -> float:
        """Seconds on the loop's monotonic clock."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` (a controllable clock may just advance)."""
        ...


class LoopClock:
    """The running event loop's clock, so deadlines from `loop.time()` compare directly."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


def remaining(clock: Clock, deadline: float | None) -> float | None:
    """Seconds left before `deadline` (None = no deadline), never negative."""
    if deadline is None:
        return None
    return max(0.0, deadline - clock.now())
