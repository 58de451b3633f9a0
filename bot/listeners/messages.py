"""Deploy-failure alerts in watched channels: parse, match the catalog, diagnose in the thread."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient

from analysis.model import DeployAlert
from bot.access import decide
from bot.alerts import match_service, parse_message
from bot.listeners.runtime import Runtime
from bot.listeners.session import run_in_slack
from providers.errors import ConfigError

log = logging.getLogger(__name__)

# Message subtypes that can carry an alert; edits, joins, deletions and the like cannot.
_ALERT_SUBTYPES = {None, "bot_message"}


def register(app: AsyncApp, runtime: Runtime) -> None:
    """Listen to channel messages."""

    @app.event("message")
    async def on_message(
        event: dict[str, Any], client: AsyncWebClient, context: AsyncBoltContext
    ) -> None:
        try:
            if is_candidate(event, runtime, context):
                runtime.spawn(handle(runtime, client, event), name="alert")
        finally:
            await runtime.message_done()


def is_candidate(event: Mapping[str, Any], runtime: Runtime, context: AsyncBoltContext) -> bool:
    """A top-level message, not ours, in a watched channel (empty list = everywhere we are)."""
    if event.get("subtype") not in _ALERT_SUBTYPES:
        return False
    if event.get("thread_ts") not in (None, event.get("ts")):
        return False
    if event.get("bot_id") and event.get("bot_id") == context.bot_id:
        return False
    if event.get("user") and event.get("user") == context.bot_user_id:
        return False
    watched = runtime.settings.watch_channels
    return not watched or event.get("channel") in watched


async def handle(runtime: Runtime, client: AsyncWebClient, event: Mapping[str, Any]) -> None:
    """Failures start one diagnosis per rollout; other deploy news only warms the cache."""
    alert = parse_message(event)
    if not alert.is_failure or alert.repeat:
        if not alert.is_failure:
            _prewarm(runtime, alert)
        return
    channel, ts = str(event.get("channel", "")), str(event.get("ts", ""))
    catalog = runtime.diagnoser.catalog
    name = match_service(alert.service, catalog)
    if name is None:
        await _note(client, channel, ts, _unknown_note(alert, catalog.suggest(alert.service or "")))
        return
    known = catalog.environments(name)
    env = alert.env if alert.env in known else None
    if alert.env and env is None:
        listed = ", ".join(known) or "none"
        text = f"`{name}` has no `{alert.env}` environment in the catalog (known: {listed})."
        await _note(client, channel, ts, text)
        return
    rollout = f"rollout:{name}:{env or '-'}:{alert.revision or '-'}"
    if not await runtime.gate.first(rollout, runtime.rollout_ttl_s):
        log.info("%s is already being diagnosed for this rollout; not starting another", name)
        return
    entry = catalog.entry(name)
    decision = decide(entry.access, service=name, env=env or entry.env, channel=channel, user=None)
    if not decision.allowed:
        log.info("alert for %s in %s not diagnosed: %s", name, channel, decision.reason)
        return
    try:
        request = runtime.diagnoser.request(name, env, trigger="alert", alert=alert)
    except ConfigError as exc:
        await _note(client, channel, ts, str(exc))
        return
    await run_in_slack(runtime, client, request, channel=channel, thread_ts=ts)


def _prewarm(runtime: Runtime, alert: DeployAlert) -> None:
    """A deploy that started (or succeeded) is likely diagnosed soon: warm its status."""
    if runtime.scheduler is None or alert.source == "unknown":
        return
    name = match_service(alert.service, runtime.diagnoser.catalog)
    if name is not None:
        runtime.scheduler.schedule_prewarm(name, alert.env)


def _unknown_note(alert: DeployAlert, suggestions: list[str]) -> str:
    if not alert.service:
        return (
            f"Deploy failure from {alert.source}, but I can't tell which service it is about. "
            "`/diagnose SERVICE` runs a diagnosis by hand."
        )
    hint = f" Closest: {', '.join(f'`{s}`' for s in suggestions)}." if suggestions else ""
    return (
        f"Deploy failure for `{alert.service[:100]}`, which is not in the service catalog.{hint} "
        "Add it (or an alias) to services.yml to get automatic diagnoses."
    )


async def _note(client: AsyncWebClient, channel: str, ts: str, text: str) -> None:
    await client.chat_postMessage(channel=channel, thread_ts=ts, text=text)
