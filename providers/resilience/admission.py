"""A bound on diagnoses running at once, with a first-in first-out queue behind it.

Nothing is dropped: a request over the bound waits its turn, learns its place
in the queue through a callback, and a finished diagnosis hands its slot
straight to the head of the queue (no barging past people already waiting).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

PositionCallback = Callable[[int], Awaitable[None]]


class Admission:
    """At most `limit` holders at once; the rest queue in arrival order."""

    def __init__(self, limit: int = 50) -> None:
        if limit < 1:
            raise ValueError("admission limit must be at least 1")
        self.limit = limit
        self.running = 0
        self._queue: deque[asyncio.Future[None]] = deque()

    @property
    def queued(self) -> int:
        """Requests waiting for a slot."""
        return len(self._queue)

    @asynccontextmanager
    async def slot(self, on_queued: PositionCallback | None = None) -> AsyncIterator[int]:
        """Hold a slot for the body; yields the queue position it had (0 = ran at once)."""
        position = await self._acquire(on_queued)
        try:
            yield position
        finally:
            self._release()

    async def _acquire(self, on_queued: PositionCallback | None) -> int:
        if self.running < self.limit and not self._queue:
            self.running += 1
            return 0
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.append(turn)
        position = len(self._queue)
        try:
            if on_queued is not None:
                await on_queued(position)
            await turn
        except BaseException:
            if turn.done() and not turn.cancelled():
                self._release()  # the slot was already ours: pass it on
            elif turn in self._queue:
                self._queue.remove(turn)
            raise
        return position

    def _release(self) -> None:
        while self._queue:
            turn = self._queue.popleft()
            if not turn.done():
                turn.set_result(None)  # the slot moves to it; `running` stays the same
                return
        self.running -= 1
