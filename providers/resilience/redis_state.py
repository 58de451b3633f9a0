"""One Redis connection for the cache, single-flight and limits, and what to do when it is gone.

When Redis stops answering, every user of the link falls back to in-process
state (L1 cache, in-process single-flight and limits). The outage is logged
once; Redis is tried again after `retry_s`, and its return is logged once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# What a dead or unreachable Redis raises through redis-py (timeouts included).
REDIS_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError, TimeoutError)


class RedisLink:
    """A redis.asyncio client plus an up/down flag with a retry back-off."""

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "df:",
        retry_s: float = 5.0,
        timeout_s: float = 0.5,
        clock: Callable[[], float] = time.monotonic,
        on_change: Callable[[bool], None] | None = None,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.client: aioredis.Redis = aioredis.Redis.from_url(
            url,
            socket_connect_timeout=timeout_s,
            socket_timeout=timeout_s,
            health_check_interval=10,
        )
        self._retry_s = retry_s
        self._clock = clock
        self._down_until = 0.0
        self._down = False
        self._on_change = on_change

    @property
    def up(self) -> bool:
        """False while Redis is known to be unreachable."""
        return not self._down

    def usable(self) -> bool:
        """Whether to try Redis now: it is up, or the back-off after an outage has passed."""
        return not self._down or self._clock() >= self._down_until

    def failed(self, exc: BaseException) -> None:
        """Record a failed Redis operation; log only the transition to down."""
        self._down_until = self._clock() + self._retry_s
        if not self._down:
            self._down = True
            log.warning(
                "Redis at %s unreachable (%s); using in-process cache and limits until it returns",
                _safe(self.url),
                type(exc).__name__,
            )
            if self._on_change is not None:
                self._on_change(False)

    def succeeded(self) -> None:
        """Record a working Redis operation; log only the transition back to up."""
        if self._down:
            self._down = False
            log.warning("Redis at %s is back; shared cache and limits resumed", _safe(self.url))
            if self._on_change is not None:
                self._on_change(True)

    def key(self, *parts: str) -> str:
        """A key under this link's prefix."""
        return self.prefix + ":".join(parts)

    async def close(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()


def _safe(url: str) -> str:
    """The URL without its password: never log secrets."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rsplit('@', 1)[1]}"


def as_bytes(reply: bytes | str) -> bytes:
    """A Redis reply as bytes (the client is built without decode_responses)."""
    return reply.encode() if isinstance(reply, str) else reply
