"""👍/👎 on a report's root cause, one vote per person per report, counted per pattern."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from redis.asyncio import Redis

Vote = Literal["up", "down"]
VOTERS_TTL_S = 90 * 24 * 3600

# Read the voter's previous vote and move the counts in one step: a double click (or two
# replicas handling the same person at once) must not both see "no vote yet".
_RECORD = """
local previous = redis.call('hget', KEYS[1], ARGV[1])
if previous ~= ARGV[2] then
  redis.call('hset', KEYS[1], ARGV[1], ARGV[2])
  redis.call('expire', KEYS[1], ARGV[3])
  redis.call('hincrby', KEYS[2], ARGV[2], 1)
  if previous then redis.call('hincrby', KEYS[2], previous, -1) end
end
return 1
"""


@dataclass(frozen=True, slots=True)
class Tally:
    """Votes for one pattern."""

    up: int = 0
    down: int = 0


@dataclass
class FeedbackStore:
    """Redis hashes (`{prefix}feedback:{pattern}` -> up/down) when configured, else memory."""

    redis: Redis | None = None
    prefix: str = "deploy-feedback:"
    _counts: dict[str, Counter[str]] = field(default_factory=dict)
    _voters: dict[str, dict[str, Vote]] = field(default_factory=dict)

    async def record(self, *, pattern: str, vote: Vote, user: str, report: str) -> Tally:
        """Count a vote; a second click by the same person on the same report replaces theirs."""
        if self.redis is not None:
            return await self._record_redis(pattern, vote, user, report)
        voters = self._voters.setdefault(report, {})
        counts = self._counts.setdefault(pattern, Counter())
        previous = voters.get(user)
        if previous != vote:
            if previous is not None:
                counts[previous] -= 1
            counts[vote] += 1
            voters[user] = vote
        return Tally(counts["up"], counts["down"])

    async def tally(self, pattern: str) -> Tally:
        """Votes so far for `pattern`."""
        if self.redis is not None:
            raw = await self.redis.hgetall(self._key(pattern))
            counts = {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in raw.items()}
            return Tally(counts.get("up", 0), counts.get("down", 0))
        counts = self._counts.get(pattern, Counter())
        return Tally(counts["up"], counts["down"])

    def _key(self, pattern: str) -> str:
        return f"{self.prefix}feedback:{pattern}"

    async def _record_redis(self, pattern: str, vote: Vote, user: str, report: str) -> Tally:
        assert self.redis is not None
        voters_key = f"{self.prefix}feedback-voters:{report}"
        keys = [voters_key, self._key(pattern)]
        await self.redis.eval(_RECORD, 2, *keys, user, vote, VOTERS_TTL_S)
        return await self.tally(pattern)
