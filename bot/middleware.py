"""Global Bolt middleware: correlation ids, and each Slack event handled once (retries included)."""

from __future__ import annotations

import contextvars
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)

CORRELATION_ID: contextvars.ContextVar[str] = contextvars.ContextVar("correlation_id", default="-")
EVENT_TTL_S = 600.0  # over Slack's last retry at 5 minutes
_LOCAL_MAX = 100_000  # keys held in-process before the oldest are forgotten


class OnceGate:
    """`first(key)` is True for the first caller within the TTL: Redis SET NX, else in-process."""

    def __init__(self, *, redis: Redis | None = None, prefix: str = "deploy-feedback:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._local: OrderedDict[str, float] = OrderedDict()

    async def first(self, key: str, ttl_s: float = EVENT_TTL_S) -> bool:
        """Claim `key` for `ttl_s`; False when someone (any replica) already holds it."""
        if self._redis is not None:
            try:
                claimed = await self._redis.set(
                    self._prefix + key, "1", nx=True, px=int(ttl_s * 1000)
                )
                return bool(claimed)
            except RedisError:
                # better a rare duplicate than a lost alert; fall back to this replica's memory
                log.warning("redis unavailable for de-duplication; using in-process state")
        return self._first_local(key, ttl_s)

    def _first_local(self, key: str, ttl_s: float) -> bool:
        now = time.monotonic()
        while self._local and next(iter(self._local.values())) <= now:
            self._local.popitem(last=False)
        expires = self._local.get(key)
        if expires is not None and expires > now:
            return False
        self._local[key] = now + ttl_s
        self._local.move_to_end(key)
        if len(self._local) > _LOCAL_MAX:
            self._local.popitem(last=False)
        return True


class EventGate(AsyncMiddleware):
    """Sets a correlation id; answers 200 at once to any event_id seen before.

    A retry (X-Slack-Retry-Num) of an event this app never saw — it was down when the
    first delivery came — is handled, since that retry is its only delivery.
    """

    def __init__(
        self, gate: OnceGate, *, accepted: Callable[[Mapping[str, Any]], None] | None = None
    ) -> None:
        self._gate = gate
        self._accepted = accepted

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # Bolt passes `next` by name
    ) -> BoltResponse | None:
        body: dict[str, Any] = req.body if isinstance(req.body, dict) else {}
        event_id = body.get("event_id")
        correlation = str(event_id or body.get("trigger_id") or uuid.uuid4().hex[:16])
        req.context["correlation_id"] = correlation
        token = CORRELATION_ID.set(correlation)
        try:
            if isinstance(event_id, str) and not await self._gate.first(f"event:{event_id}"):
                retry = _header(req, "x-slack-retry-num")
                log.info("dropping duplicate delivery of %s (retry %s)", event_id, retry or "-")
                return BoltResponse(status=200, body="")
            if event_id and self._accepted is not None:
                self._accepted(body)
            return await next()
        finally:
            CORRELATION_ID.reset(token)


def _header(req: AsyncBoltRequest, name: str) -> str | None:
    values = req.headers.get(name)
    return values[0] if values else None


class CorrelationFilter(logging.Filter):
    """Adds `correlation_id` to every log record (use %(correlation_id)s in formats)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = CORRELATION_ID.get()
        return True
