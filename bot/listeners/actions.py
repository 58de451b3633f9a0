"""Report buttons: run comprehensive, show full evidence, 👍/👎 (values signed by bot.signing)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from redis.exceptions import RedisError
from slack_bolt.async_app import AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.access import decide, needs_groups
from bot.listeners.replies import Work, after_ack, cannot_post, tell
from bot.listeners.runtime import Runtime
from bot.listeners.session import run_in_slack
from bot.signing import ButtonRefused
from providers.errors import ConfigError

log = logging.getLogger(__name__)

Vote = Literal["up", "down"]


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Listen for the report's buttons."""
    app.action("rerun_comprehensive")(after_ack(runtime, rerun_comprehensive, name="button-rerun"))
    app.action("show_evidence")(after_ack(runtime, show_evidence, name="button-evidence"))
    for vote in ("up", "down"):
        app.action(f"feedback_{vote}")(after_ack(runtime, _voter(vote), name=f"button-{vote}"))


@dataclass(frozen=True, slots=True)
class Click:
    """A button click whose signed value checked out."""

    claims: dict[str, str]
    channel: str
    user: str
    thread: str | None  # the report's thread, where follow-ups go


async def _verified(
    runtime: Runtime, respond: AsyncRespond, body: Mapping[str, Any]
) -> Click | None:
    """The click's verified claims; None (after telling the user why) for a refused value."""
    action = (body.get("actions") or [{}])[0]
    channel = str((body.get("channel") or {}).get("id", ""))
    user = str((body.get("user") or {}).get("id", ""))
    try:
        claims = runtime.signer.verify(
            str(action.get("value", "")), action=str(action.get("action_id", "")), channel=channel
        )
    except ButtonRefused as exc:
        await tell(respond, f"Refused: {exc}.")
        return None
    message = body.get("message") or {}
    thread = message.get("thread_ts") or message.get("ts")
    return Click(claims, channel, user, str(thread) if thread else None)


async def rerun_comprehensive(
    runtime: Runtime, client: AsyncWebClient, respond: AsyncRespond, body: Mapping[str, Any]
) -> None:
    """Comprehensive diagnosis of the signed service, in the report's thread."""
    click = await _verified(runtime, respond, body)
    if click is None:
        return
    service, env = click.claims["s"], click.claims.get("e") or None
    try:
        entry = runtime.diagnoser.catalog.entry(service)
        groups = (
            await runtime.user_groups(client, click.user)
            if needs_groups(entry.access)
            else frozenset()
        )
        decision = decide(
            entry.access,
            service=service,
            env=env or entry.env,
            channel=click.channel,
            user=click.user,
            user_groups=groups,
        )
        if not decision.allowed:
            await tell(respond, f"Not allowed: {decision.reason}")
            return
        request = runtime.diagnoser.request(
            service, env, depth="comprehensive", trigger="button", requested_by=click.user
        )
    except ConfigError as exc:
        await tell(respond, str(exc))
        return
    try:
        await run_in_slack(runtime, client, request, channel=click.channel, thread_ts=click.thread)
    except SlackApiError as exc:
        await tell(respond, cannot_post(exc))


async def show_evidence(
    runtime: Runtime, client: AsyncWebClient, respond: AsyncRespond, body: Mapping[str, Any]
) -> None:
    """Upload the report's whole evidence as a file in its thread."""
    click = await _verified(runtime, respond, body)
    if click is None:
        return
    evidence = await runtime.evidence_text(click.claims.get("r", ""))
    if evidence is None:
        await tell(respond, "That report's evidence is no longer held; run /diagnose again.")
        return
    name = click.claims.get("s", "service")
    try:
        await client.files_upload_v2(
            channel=click.channel,
            thread_ts=click.thread,
            content=evidence,
            filename=f"{name}-evidence.txt",
            title=f"Full evidence: {name}",
        )
    except SlackApiError as exc:
        await tell(respond, cannot_post(exc, "the evidence file"))


def _voter(vote: Vote) -> Work:
    """The work behind one vote button."""

    async def work(
        runtime: Runtime, _client: AsyncWebClient, respond: AsyncRespond, body: Mapping[str, Any]
    ) -> None:
        await record_vote(runtime, respond, body, vote)

    return work


async def record_vote(
    runtime: Runtime, respond: AsyncRespond, body: Mapping[str, Any], vote: Vote
) -> None:
    """Count a 👍/👎 for the report's root-cause pattern."""
    click = await _verified(runtime, respond, body)
    if click is None:
        return
    pattern = click.claims.get("p", "")
    try:
        tally = await runtime.feedback.record(
            pattern=pattern, vote=vote, user=click.user, report=click.claims.get("r", "")
        )
    except (RedisError, OSError) as exc:
        log.warning("vote on %s not recorded: %s", pattern, exc)
        await tell(respond, "Your vote was not recorded (feedback storage unavailable); try later.")
        return
    metrics.record_feedback(helpful=vote == "up", category=click.claims.get("k"))
    mark = "👍" if vote == "up" else "👎"
    await tell(
        respond, f"Thanks, {mark} recorded for `{pattern}` ({tally.up} 👍 / {tally.down} 👎)."
    )
