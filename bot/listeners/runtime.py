"""What every listener shares: the diagnoser, signer, de-duplication, feedback and its own tasks."""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections import OrderedDict
from collections.abc import Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import RedisError
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from analysis.model import Diagnosis
from bot.diagnoser import Diagnoser
from bot.feedback import FeedbackStore
from bot.middleware import OnceGate
from bot.render.evidence_file import render_evidence_file
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.signing import ButtonSigner
from providers.errors import ConfigError

log = logging.getLogger(__name__)

REPORTS_HELD = 500  # diagnoses kept in memory for "Show full evidence" (oldest dropped first)
EVIDENCE_TTL_S = 3 * 24 * 3600  # as long as the report's buttons are valid
GROUPS_TTL_S = 300.0
# De-duplication asks Redis before the ack, and Slack wants that within 3 s: a Redis that
# stops answering must fail fast into the in-process fallback, never hold the request.
REDIS_TIMEOUT_S = 0.5


@dataclass
class Runtime:
    """One per process; listeners get it at registration."""

    settings: Settings
    diagnoser: Diagnoser
    signer: ButtonSigner
    gate: OnceGate
    feedback: FeedbackStore
    redis: Redis | None = None
    key_prefix: str = "deploy-feedback:"
    update_interval_s: float = 0.5
    rollout_ttl_s: float = 1800.0
    ready: bool = False
    scheduler: Scheduler | None = None
    pending_messages: int = 0
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    reports: OrderedDict[str, Diagnosis] = field(default_factory=OrderedDict)
    _groups: tuple[float, dict[str, frozenset[str]]] | None = None
    _groups_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @classmethod
    def create(
        cls, settings: Settings, diagnoser: Diagnoser, *, key_prefix: str = "deploy-feedback:"
    ) -> Runtime:
        """Wire the shared parts from settings (Redis when REDIS_URL is set)."""
        secret = settings.button_secret or settings.slack_signing_secret
        if not secret:
            raise ConfigError(
                "set DEPLOY_FEEDBACK_BUTTON_SECRET or SLACK_SIGNING_SECRET to sign button values"
            )
        redis = (
            Redis.from_url(
                settings.redis_url,
                socket_connect_timeout=REDIS_TIMEOUT_S,
                socket_timeout=REDIS_TIMEOUT_S,
            )
            if settings.redis_url
            else None
        )
        return cls(
            settings=settings,
            diagnoser=diagnoser,
            signer=ButtonSigner(secret),
            gate=OnceGate(redis=redis, prefix=key_prefix),
            feedback=FeedbackStore(redis=redis, prefix=key_prefix),
            redis=redis,
            key_prefix=key_prefix,
        )

    def spawn(self, work: Coroutine[Any, Any, Any], *, name: str) -> asyncio.Task[Any]:
        """Run `work` after the ack, supervised: held until done, failures logged, never lost."""
        task = asyncio.create_task(work, name=name)
        self.tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())
        self._wake.set()

    def message_accepted(self, body: Mapping[str, Any]) -> None:
        """EventGate saw a new message event; its listener runs after Slack has its 200."""
        event = body.get("event")
        if isinstance(event, Mapping) and event.get("type") == "message":
            self.pending_messages += 1

    async def message_done(self) -> None:
        """The message listener has decided (and spawned any work)."""
        self.pending_messages = max(self.pending_messages - 1, 0)
        self._wake.set()

    async def idle(self, within: float = 30.0) -> None:
        """Wait until every accepted message is decided and all spawned work has finished."""
        async with asyncio.timeout(within):
            while self.pending_messages or self.tasks:
                self._wake.clear()
                await self._wake.wait()

    def remember(self, report_id: str, diagnosis: Diagnosis) -> None:
        """Hold a diagnosis for its report's "Show full evidence" button."""
        self.reports[report_id] = diagnosis
        while len(self.reports) > REPORTS_HELD:
            self.reports.popitem(last=False)

    async def keep_report(self, report_id: str, diagnosis: Diagnosis) -> None:
        """Hold a report's diagnosis here, and its evidence file in Redis for other replicas."""
        self.remember(report_id, diagnosis)
        if self.redis is None:
            return
        blob = zlib.compress(render_evidence_file(diagnosis).encode(), 6)
        try:
            await self.redis.set(self._evidence_key(report_id), blob, ex=EVIDENCE_TTL_S)
        except RedisError:
            log.warning("could not share report %s's evidence through redis", report_id)

    async def evidence_text(self, report_id: str) -> str | None:
        """The report's full evidence file, from memory or (another replica's) Redis copy."""
        diagnosis = self.reports.get(report_id)
        if diagnosis is not None:
            return render_evidence_file(diagnosis)
        if self.redis is None:
            return None
        try:
            blob = await self.redis.get(self._evidence_key(report_id))
        except RedisError:
            log.warning("redis unavailable; report %s's evidence cannot be fetched", report_id)
            return None
        return zlib.decompress(blob).decode() if isinstance(blob, bytes) else None

    def _evidence_key(self, report_id: str) -> str:
        return f"{self.key_prefix}evidence:{report_id}"

    async def user_groups(self, client: AsyncWebClient, user: str) -> frozenset[str]:
        """The user groups `user` belongs to (usergroups.list, cached for five minutes)."""
        if self._groups is None or self._groups[0] < time.monotonic():
            # one refresh at a time: a burst of clicks must not spend Slack's Tier 2 budget
            async with self._groups_lock:
                if self._groups is None or self._groups[0] < time.monotonic():
                    members = await _group_members(client)
                    if members is None:
                        return frozenset()
                    self._groups = (time.monotonic() + GROUPS_TTL_S, members)
        return self._groups[1].get(user, frozenset())

    async def drain(self, within: float = 30.0) -> None:
        """Let running work finish (up to `within` seconds), then cancel the rest."""
        pending = set(self.tasks)
        if pending:
            _done, late = await asyncio.wait(pending, timeout=within)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def close(self) -> None:
        """Drain tasks and close Redis."""
        await self.drain()
        if self.redis is not None:
            await self.redis.aclose()


async def _group_members(client: AsyncWebClient) -> dict[str, frozenset[str]] | None:
    """Each user's group ids from usergroups.list; None when Slack refuses (logged)."""
    try:
        answer = await client.usergroups_list(include_users=True)
    except SlackApiError as exc:
        log.warning("usergroups.list failed (%s); treating users as in no group", exc)
        return None
    members: dict[str, set[str]] = {}
    for group in answer.get("usergroups") or []:
        for member in group.get("users") or []:
            members.setdefault(member, set()).add(group["id"])
    return {user_id: frozenset(ids) for user_id, ids in members.items()}
