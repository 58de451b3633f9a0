"""Report buttons: run comprehensive, show full evidence, 👍/👎 (values signed by bot.signing)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Literal

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot import metrics
from bot.access import decide, needs_groups
from bot.listeners.commands import cannot_post
from bot.listeners.runtime import Runtime
from bot.listeners.session import run_in_slack
from bot.signing import ButtonRefused
from providers.errors import ConfigError

log = logging.getLogger(__name__)


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Listen for the report's buttons."""

    @app.action("rerun_comprehensive")
    async def rerun(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        runtime.spawn(rerun_comprehensive(runtime, client, respond, body), name="button-rerun")

    @app.action("show_evidence")
    async def evidence(
        ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        runtime.spawn(show_evidence(runtime, client, respond, body), name="button-evidence")

    for vote in ("up", "down"):
        register_vote(app, runtime, vote)


def register_vote(app: AsyncApp, runtime: Runtime, vote: Literal["up", "down"]) -> None:
    """One listener per vote button."""

    @app.action(f"feedback_{vote}")
    async def feedback(ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond) -> None:
        await ack()
        runtime.spawn(record_vote(runtime, respond, body, vote), name=f"button-{vote}")


def _claims(runtime: Runtime, body: Mapping[str, Any]) -> tuple[dict[str, str], str, str]:
    action = (body.get("actions") or [{}])[0]
    channel = str((body.get("channel") or {}).get("id", ""))
    user = str((body.get("user") or {}).get("id", ""))
    claims = runtime.signer.verify(
        str(action.get("value", "")), action=str(action.get("action_id", "")), channel=channel
    )
    return claims, channel, user


def _thread(body: Mapping[str, Any]) -> str | None:
    message = body.get("message") or {}
    thread = message.get("thread_ts") or message.get("ts")
    return str(thread) if thread else None


async def rerun_comprehensive(
    runtime: Runtime, client: AsyncWebClient, respond: AsyncRespond, body: Mapping[str, Any]
) -> None:
    """Comprehensive diagnosis of the signed service, in the report's thread."""
    try:
        claims, channel, user = _claims(runtime, body)
    except ButtonRefused as exc:
        await _tell(respond, f"Refused: {exc}.")
        return
    catalog = runtime.diagnoser.catalog
    env = claims.get("e") or None
    try:
        entry = catalog.entry(claims["s"])
        groups = (
            await runtime.user_groups(client, user) if needs_groups(entry.access) else frozenset()
        )
        decision = decide(
            entry.access,
            service=claims["s"],
            env=env or entry.env,
            channel=channel,
            user=user,
            user_groups=groups,
        )
        if not decision.allowed:
            await _tell(respond, f"Not allowed: {decision.reason}")
            return
        request = runtime.diagnoser.request(
            claims["s"], env, depth="comprehensive", trigger="button", requested_by=user
        )
    except ConfigError as exc:
        await _tell(respond, str(exc))
        return
    try:
        await run_in_slack(runtime, client, request, channel=channel, thread_ts=_thread(body))
    except SlackApiError as exc:
        await _tell(respond, cannot_post(exc))


async def show_evidence(
    runtime: Runtime, client: AsyncWebClient, respond: AsyncRespond, body: Mapping[str, Any]
) -> None:
    """Upload the report's whole evidence as a file in its thread."""
    try:
        claims, channel, _user = _claims(runtime, body)
    except ButtonRefused as exc:
        await _tell(respond, f"Refused: {exc}.")
        return
    evidence = await runtime.evidence_text(claims.get("r", ""))
    if evidence is None:
        await _tell(respond, "That report's evidence is no longer held; run /diagnose again.")
        return
    name = claims.get("s", "service")
    await client.files_upload_v2(
        channel=channel,
        thread_ts=_thread(body),
        content=evidence,
        filename=f"{name}-evidence.txt",
        title=f"Full evidence: {name}",
    )


async def record_vote(
    runtime: Runtime, respond: AsyncRespond, body: Mapping[str, Any], vote: Literal["up", "down"]
) -> None:
    """Count a 👍/👎 for the report's root-cause pattern."""
    try:
        claims, _channel, user = _claims(runtime, body)
    except ButtonRefused as exc:
        await _tell(respond, f"Refused: {exc}.")
        return
    pattern = claims.get("p", "")
    tally = await runtime.feedback.record(
        pattern=pattern, vote=vote, user=user, report=claims.get("r", "")
    )
    metrics.record_feedback(helpful=vote == "up", category=claims.get("k"))
    mark = "👍" if vote == "up" else "👎"
    await _tell(
        respond, f"Thanks, {mark} recorded for `{pattern}` ({tally.up} 👍 / {tally.down} 👎)."
    )


async def _tell(respond: AsyncRespond, text: str) -> None:
    await respond(text=text, response_type="ephemeral", replace_original=False)
