"""Identical concurrent calls make one provider request: in-process, and across replicas via Redis.

In-process, the first caller starts the flight as its own task and everyone
(the first caller included) awaits it under their own deadline, so one caller
giving up cancels nobody else. Across replicas, the process that wins a short
Redis lock (`SET NX PX`) runs the call and publishes the outcome under the
lock's token; the others poll for that outcome, and take over if the lock
lapses without one (its holder died).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Generic, TypeVar

from providers.errors import (
    ProviderError,
    ProviderNotFound,
    ProviderPermissionDenied,
    ProviderThrottled,
    ProviderTimeout,
    ProviderUnavailable,
)
from providers.resilience.clock import Clock, remaining
from providers.resilience.redis_state import REDIS_ERRORS, RedisLink, as_bytes

Flight = Callable[[], Awaitable[bytes]]
T = TypeVar("T")

_ERRORS: dict[str, type[ProviderError]] = {
    cls.__name__: cls
    for cls in (
        ProviderError,
        ProviderTimeout,
        ProviderThrottled,
        ProviderUnavailable,
        ProviderNotFound,
        ProviderPermissionDenied,
    )
}

# Compare-and-delete: only the holder releases its lock.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class LocalFlights(Generic[T]):
    """In-process single-flight: one task per key, shared by every concurrent caller.

    A flight runs under its starter's deadline. A joiner with more time left does not
    inherit the starter's timeout or deferral: it starts the call again on its own time.
    """

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._flights: dict[str, tuple[asyncio.Task[T], float | None]] = {}

    def __len__(self) -> int:
        return len(self._flights)

    async def run(
        self, key: str, flight: Callable[[], Coroutine[Any, Any, T]], *, deadline: float | None
    ) -> tuple[T, bool]:
        """The flight's result, and whether this caller joined someone else's flight."""
        shared = self._flights.get(key)
        if shared is None:
            task = asyncio.create_task(flight(), name=f"flight {key}")
            self._flights[key] = (task, deadline)
            task.add_done_callback(lambda t: self._forget(key, t))
            return await self._wait(task, deadline), False
        task, starters_deadline = shared
        try:
            return await self._wait(task, deadline), True
        except (ProviderTimeout, ProviderThrottled):
            if not (_ran_out(task) and _later(deadline, starters_deadline)):
                raise
        if deadline is not None and remaining(self._clock, deadline) == 0:
            raise ProviderTimeout("deadline passed while waiting for a shared call")
        return await self.run(key, flight, deadline=deadline)

    async def _wait(self, task: asyncio.Task[T], deadline: float | None) -> T:
        try:
            return await asyncio.wait_for(asyncio.shield(task), remaining(self._clock, deadline))
        except TimeoutError:
            raise ProviderTimeout("deadline passed while waiting for a shared call") from None

    async def cancel_all(self) -> None:
        """Cancel every flight still running and wait for them to end (shutdown)."""
        flights = [task for task, _deadline in self._flights.values()]
        for task in flights:
            task.cancel()
        await asyncio.gather(*flights, return_exceptions=True)

    def _forget(self, key: str, task: asyncio.Task[T]) -> None:
        shared = self._flights.get(key)
        if shared is not None and shared[0] is task:
            del self._flights[key]
        if not task.cancelled():
            task.exception()  # every caller re-raises it; mark it retrieved


def _ran_out(task: asyncio.Task[Any]) -> bool:
    """Whether the flight itself ended on its starter's deadline (timeout or deferral)."""
    if not task.done() or task.cancelled():
        return False
    return isinstance(task.exception(), ProviderTimeout | ProviderThrottled)


def _later(mine: float | None, theirs: float | None) -> bool:
    """Whether deadline `mine` ends after `theirs` (None = no deadline)."""
    if theirs is None:
        return False
    return mine is None or mine > theirs


class RedisFlights:
    """Cross-replica single-flight on a Redis lock; the outcome is kept briefly under its token."""

    def __init__(
        self,
        link: RedisLink,
        *,
        clock: Clock,
        lock_s: float = 15.0,
        outcome_s: float = 10.0,
        poll_s: float = 0.02,
    ) -> None:
        self._link = link
        self._clock = clock
        self._lock_s = lock_s
        self._outcome_s = outcome_s
        self._poll_s = poll_s
        self._release = link.client.register_script(_RELEASE)

    async def run(
        self,
        key: str,
        flight: Flight,
        *,
        deadline: float | None,
        peek: Callable[[], Awaitable[bytes | None]],
    ) -> tuple[bytes, bool]:
        """Run `flight` here if this replica wins the lock, else wait for the winner's outcome.

        `peek` reads the shared cache: a winner that finished between our miss and
        our lock attempt is found there instead of calling again.
        """
        lock_key = self._link.key("sf", key)
        while True:
            token = secrets.token_hex(8)
            try:
                won = await self._link.client.set(
                    lock_key, token, nx=True, px=self._lock_ms(deadline)
                )
                holder = None if won else await self._link.client.get(lock_key)
            except REDIS_ERRORS as exc:
                self._link.failed(exc)
                return await flight(), False
            self._link.succeeded()
            if won:
                return await self._lead(lock_key, token, flight, peek), False
            if holder is None:
                continue  # released between our SET and GET: try again
            outcome = await self._await_outcome(lock_key, as_bytes(holder).decode(), deadline)
            if outcome is not None:
                return outcome, True

    async def _lead(
        self,
        lock_key: str,
        token: str,
        flight: Flight,
        peek: Callable[[], Awaitable[bytes | None]],
    ) -> bytes:
        outcome_key = f"{lock_key}:{token}"
        try:
            cached = await peek()
            blob = cached if cached is not None else await flight()
        except ProviderError as exc:
            name = next(c.__name__ for c in type(exc).__mro__ if c.__name__ in _ERRORS)
            record = json.dumps({"error": name, "message": str(exc)}).encode()
            await self._publish(outcome_key, b"E" + record, lock_key, token)
            raise
        except BaseException:
            await self._publish(outcome_key, None, lock_key, token)
            raise
        await self._publish(outcome_key, b"V" + blob, lock_key, token)
        return blob

    async def _publish(
        self, outcome_key: str, outcome: bytes | None, lock_key: str, token: str
    ) -> None:
        try:
            if outcome is not None:
                await self._link.client.set(outcome_key, outcome, px=int(self._outcome_s * 1000))
            await self._release(keys=[lock_key], args=[token])
        except REDIS_ERRORS as exc:
            self._link.failed(exc)

    async def _await_outcome(
        self, lock_key: str, token: str, deadline: float | None
    ) -> bytes | None:
        """The winner's bytes; None when its lock lapsed or moved on without an outcome."""
        outcome_key = f"{lock_key}:{token}"
        poll = self._poll_s
        while True:
            try:
                outcome = await self._link.client.get(outcome_key)
                holder = None if outcome is not None else await self._link.client.get(lock_key)
            except REDIS_ERRORS as exc:
                self._link.failed(exc)
                return None
            if outcome is not None:
                return _unpack(as_bytes(outcome))
            if holder is None or as_bytes(holder).decode() != token:
                return None
            left = remaining(self._clock, deadline)
            if left is not None and left <= poll:
                raise ProviderTimeout("deadline passed while another replica made the call")
            await self._clock.sleep(poll)
            poll = min(poll * 1.5, 0.2)

    def _lock_ms(self, deadline: float | None) -> int:
        left = remaining(self._clock, deadline)
        seconds = self._lock_s if left is None else min(self._lock_s, left + 1.0)
        return max(100, int(seconds * 1000))


def _unpack(outcome: bytes) -> bytes:
    if outcome[:1] == b"V":
        return outcome[1:]
    record = json.loads(outcome[1:])
    raise _ERRORS.get(record["error"], ProviderError)(record["message"])
